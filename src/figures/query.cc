#include "figures/query.h"

#include <set>

#include "base/text.h"

namespace dalil::figures {
namespace {

// Follows merges to the person a record stands for; a cycle (refused on
// write) stops at the first repeat.
int64_t Canonical(const std::map<int64_t, int64_t>& merged_into, int64_t person) {
  for (int hops = 0; hops < 64; ++hops) {
    auto it = merged_into.find(person);
    if (it == merged_into.end()) break;
    person = it->second;
  }
  return person;
}

}  // namespace

std::optional<int64_t> AncestorAt(const std::map<int64_t, store::FigureRows::Place>& places,
                                  int64_t place, std::string_view level) {
  for (int hops = 0; hops < 64; ++hops) {
    auto it = places.find(place);
    if (it == places.end()) return std::nullopt;
    if (it->second.level == level) return place;
    if (!it->second.parent) return std::nullopt;
    place = *it->second.parent;
  }
  return std::nullopt;
}

std::optional<GroupBy> ParseGroupBy(std::string_view name) {
  static const std::pair<const char*, GroupBy> kNames[] = {
      {"", GroupBy::kTotal},         {"governorate", GroupBy::kGovernorate},
      {"district", GroupBy::kDistrict}, {"week", GroupBy::kWeek},
      {"month", GroupBy::kMonth},     {"actor", GroupBy::kActor},
      {"type", GroupBy::kType}};
  for (const auto& [n, g] : kNames) {
    if (name == n) return g;
  }
  return std::nullopt;
}

std::string IsoWeek(int64_t days) {
  const int64_t weekday = ((days + 3) % 7 + 7) % 7;  // Monday 0; 1970-01-01 was a Thursday
  const int64_t thursday = days - weekday + 3;
  const std::string date = FormatDate(thursday);
  const int year = std::stoi(date.substr(0, 4));
  const int64_t jan1 = *ParseDate(date.substr(0, 4) + "-01-01");
  const int64_t week = (thursday - jan1) / 7 + 1;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-W%02d", year, static_cast<int>(week));
  return buf;
}

Result<FigureRequest> ParseFigureRequest(
    store::Store& store, const std::vector<std::pair<std::string, std::string>>& params,
    const Rules& rules) {
  FigureRequest req;
  req.rules = rules;
  std::set<std::string> seen;
  for (const auto& [key, value] : params) {
    const std::string field = "query." + key;
    if (!seen.insert(key).second) return Status::Invalid(field, "is given more than once");
    if (!IsValidUtf8(value)) return Status::Invalid(field, "is not valid UTF-8");
    if (key == "place") {
      auto p = store.ResolvePlace(value);
      if (!p.ok()) return Status::Invalid(field, p.status().message());
      req.filter.within_place = *p;
    } else if (key == "from" || key == "to" || key == "as_of") {
      auto day = ParseDate(value);
      if (!day) return Status::Invalid(field, "is not a date that exists (want YYYY-MM-DD)");
      if (key == "from") req.filter.from = value;
      else if (key == "to") req.filter.to = value;
      else req.rules.as_of = *day;
    } else if (key == "type") {
      const model::Field* f = model::FindEntityByName("incident")->FindField("event_type");
      auto v = model::ParseFilterValue(*f, value);
      if (!v.ok()) return Status::Invalid(field, v.status().message());
      req.filter.equals.emplace_back("event_type", *v);
    } else if (key == "actor") {
      auto n = ParseInt(value);
      if (!n || *n < 1) return Status::Invalid(field, "must be an actor id");
      req.filter.actor = *n;
    } else if (key == "by") {
      auto by = ParseGroupBy(value);
      if (!by || value.empty()) {
        return Status::Invalid(field, "must be one of governorate, district, week, month, actor, type");
      }
      req.by = *by;
    } else {
      return Status::Invalid(field, "is not a parameter of figures");
    }
  }
  if (req.filter.from && req.filter.to && *req.filter.to < *req.filter.from) {
    return Status::Invalid("query.to", "must not be before from");
  }
  return req;
}

Result<std::vector<Group>> ComputeFigures(store::Store& store, const FigureRequest& req) {
  DALIL_ASSIGN_OR_RETURN(store::FigureRows rows, store.LoadFigureRows(req.filter));

  std::map<int64_t, IncidentInput> inputs;
  for (const auto& i : rows.incidents) inputs[i.id].id = i.id;
  for (const auto& c : rows.claims) {
    auto cat = ParseCategory(c.category);
    auto rank = ReliabilityRank(c.reliability);
    if (!cat || !rank) continue;  // validated on write; defensive
    inputs[c.incident].claims.push_back({c.id, c.incident, c.source, *cat, c.min, c.max, *rank});
  }
  for (const auto& o : rows.outcomes) {
    auto cat = ParseCategory(o.kind);
    if (!cat) continue;
    std::optional<int64_t> day;
    if (!o.date.empty()) day = ParseDate(o.date);
    inputs[o.incident].outcomes.push_back(
        {o.id, o.incident, Canonical(rows.merged_into, o.person), *cat, day, o.source});
  }
  std::map<int64_t, int64_t> outcome_incident;
  for (const auto& o : rows.outcomes) outcome_incident[o.id] = o.incident;
  for (const auto& c : rows.changes) {
    auto day = ParseDate(c.date);
    if (!day) continue;
    inputs[outcome_incident[c.outcome]].changes.push_back({c.outcome, c.status, *day});
  }
  std::multimap<int64_t, int64_t> perpetrators(rows.perpetrators.begin(), rows.perpetrators.end());

  // Each incident's figures, then its group keys.
  std::map<std::string, Group> groups;
  std::map<std::string, std::map<Category, std::vector<Figure>>> parts;
  for (const auto& inc : rows.incidents) {
    std::map<Category, Figure> figs = CountIncident(inputs[inc.id], req.rules);
    std::vector<Group> keys;
    auto place_group = [&](const std::string& level) {
      auto p = AncestorAt(rows.places, inc.place_id, level);
      if (!p) return Group{"unknown", "Unknown " + level, "غير معروف"};
      const auto& place = rows.places.at(*p);
      return Group{place.iso_code.empty() ? std::to_string(*p) : place.iso_code, place.name_en,
                   place.name_ar};
    };
    const int64_t day = *ParseDate(inc.start_date);
    switch (req.by) {
      case GroupBy::kTotal:
        keys.push_back({"total", "Total", "المجموع"});
        break;
      case GroupBy::kGovernorate:
        keys.push_back(place_group("governorate"));
        break;
      case GroupBy::kDistrict:
        keys.push_back(place_group("district"));
        break;
      case GroupBy::kWeek: {
        std::string w = IsoWeek(day);
        keys.push_back({w, w, w});
        break;
      }
      case GroupBy::kMonth: {
        std::string m = inc.start_date.substr(0, 7);
        keys.push_back({m, m, m});
        break;
      }
      case GroupBy::kType:
        keys.push_back({inc.event_type, inc.event_type, inc.event_type});
        break;
      case GroupBy::kActor: {
        auto [b, e] = perpetrators.equal_range(inc.id);
        if (b == e) keys.push_back({"unknown", "Unattributed", "غير منسوب"});
        for (auto it = b; it != e; ++it) {
          const auto& a = rows.actors.at(it->second);
          keys.push_back({std::to_string(it->second), a.name_en, a.name_ar});
        }
        break;
      }
    }
    for (Group& g : keys) {
      auto& slot = groups[g.key];
      if (slot.key.empty()) slot = g;
      for (auto& [cat, f] : figs) parts[g.key][cat].push_back(f);
    }
  }
  std::vector<Group> out;
  for (auto& [key, g] : groups) {
    for (auto& [cat, list] : parts[key]) {
      std::vector<const Figure*> ptrs;
      for (const Figure& f : list) ptrs.push_back(&f);
      g.figures[cat] = Aggregate(ptrs, req.rules);
    }
    CountDeadOnce(g.figures);
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace dalil::figures
