#include "figures/query.h"

#include <set>
#include <unordered_map>

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
  req.rules.id_limit = kDefaultIdLimit;
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
    } else if (key == "ids") {
      auto n = ParseInt(value);
      if (value == "all") req.rules.id_limit = 0;
      else if (n && *n >= 1 && *n <= 1000000) req.rules.id_limit = static_cast<size_t>(*n);
      else return Status::Invalid(field, "must be all or a number of ids from 1 to 1000000");
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

namespace {

// Maps incidents to their groups, and holds one accumulator per group.
class Grouper {
 public:
  Grouper(const FigureRequest& req, const store::FigureRows& lookups)
      : req_(req), lookups_(lookups) {}

  // The groups of one incident; `actors` ascending by id and distinct.
  void Add(const IncidentSummary& s, int64_t start_day, int64_t place_id,
           std::string_view event_type, const std::vector<store::InvolvedActor>& actors) {
    switch (req_.by) {
      case GroupBy::kTotal:
        if (slots_.empty()) Slot({"total", "Total", "المجموع"});
        accs_[0].Add(s);
        return;
      case GroupBy::kGovernorate:
      case GroupBy::kDistrict: {
        auto [it, fresh] = by_place_.try_emplace(place_id, 0);
        if (fresh) it->second = Slot(PlaceGroup(place_id));
        accs_[it->second].Add(s);
        return;
      }
      case GroupBy::kWeek:
      case GroupBy::kMonth: {
        auto [it, fresh] = by_day_.try_emplace(start_day, 0);
        if (fresh) {
          std::string k = req_.by == GroupBy::kWeek ? IsoWeek(start_day)
                                                    : FormatDate(start_day).substr(0, 7);
          it->second = Slot({k, k, k});
        }
        accs_[it->second].Add(s);
        return;
      }
      case GroupBy::kType: {
        auto it = by_type_.find(event_type);
        if (it == by_type_.end()) {
          std::string t(event_type);
          it = by_type_.emplace(t, Slot({t, t, t})).first;
        }
        accs_[it->second].Add(s);
        return;
      }
      case GroupBy::kActor: {
        bool any = false;
        for (const store::InvolvedActor& a : actors) {
          if (!a.perpetrator) continue;
          any = true;
          auto [it, fresh] = by_actor_.try_emplace(a.actor, 0);
          if (fresh) {
            auto found = lookups_.actors.find(a.actor);
            it->second = Slot({std::to_string(a.actor),
                               found == lookups_.actors.end() ? "" : found->second.name_en,
                               found == lookups_.actors.end() ? "" : found->second.name_ar});
          }
          accs_[it->second].Add(s);
        }
        if (!any) accs_[Slot({"unknown", "Unattributed", "غير منسوب"})].Add(s);
        return;
      }
    }
  }

  std::vector<Group> Finish() {
    std::vector<Group> out;
    for (auto& [key, slot] : slots_) {
      Group g = std::move(groups_[slot]);
      g.figures = accs_[slot].Finish();
      out.push_back(std::move(g));
    }
    return out;
  }

 private:
  Group PlaceGroup(int64_t place_id) const {
    const std::string level = req_.by == GroupBy::kGovernorate ? "governorate" : "district";
    auto p = AncestorAt(lookups_.places, place_id, level);
    if (!p) return Group{"unknown", "Unknown " + level, "غير معروف"};
    const auto& place = lookups_.places.at(*p);
    return Group{place.iso_code.empty() ? std::to_string(*p) : place.iso_code, place.name_en,
                 place.name_ar};
  }
  size_t Slot(Group g) {
    auto [it, fresh] = slots_.try_emplace(g.key, groups_.size());
    if (fresh) {
      groups_.push_back(std::move(g));
      accs_.emplace_back(req_.rules);
    }
    return it->second;
  }

  const FigureRequest& req_;
  const store::FigureRows& lookups_;
  std::map<std::string, size_t> slots_;  // key -> index, in key order
  std::vector<Group> groups_;
  std::vector<GroupAccumulator> accs_;
  std::unordered_map<int64_t, size_t> by_place_, by_day_, by_actor_;
  std::map<std::string, size_t, std::less<>> by_type_;
};

// Ids in a tree (a place or actor and everything under it).
template <typename Node>
std::vector<bool> Subtree(const std::map<int64_t, Node>& nodes, int64_t root) {
  int64_t max_id = nodes.empty() ? 0 : nodes.rbegin()->first;
  std::vector<bool> in(static_cast<size_t>(std::max(max_id, root)) + 1, false);
  in[static_cast<size_t>(root)] = true;
  // Parents may come after their children in id order: repeat until stable.
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [id, n] : nodes) {
      if (!in[static_cast<size_t>(id)] && n.parent && *n.parent >= 0 &&
          static_cast<size_t>(*n.parent) < in.size() && in[static_cast<size_t>(*n.parent)]) {
        in[static_cast<size_t>(id)] = grew = true;
      }
    }
  }
  return in;
}

bool In(const std::vector<bool>& set, int64_t id) {
  return id >= 0 && static_cast<size_t>(id) < set.size() && set[static_cast<size_t>(id)];
}

// Whether the index can answer: it holds figures without "as of", for the
// filters the index keeps (dates, place, actor, event type).
bool IndexAnswers(const FigureRequest& req) {
  if (req.from_records || req.rules.as_of) return false;
  for (const auto& [field, value] : req.filter.equals) {
    if (field != "event_type" || !value.is_string()) return false;
  }
  return true;
}

Result<std::vector<Group>> FromIndex(store::Store& store, const FigureRequest& req) {
  std::optional<int64_t> from, to;
  if (req.filter.from) from = ParseDate(*req.filter.from);
  if (req.filter.to) to = ParseDate(*req.filter.to);
  if ((req.filter.from && !from) || (req.filter.to && !to)) {
    return Status::Invalid("query.from", "is not a date that exists (want YYYY-MM-DD)");
  }
  std::vector<std::string> types;
  for (const auto& [field, value] : req.filter.equals) types.push_back(value.get<std::string>());
  store::FigureRows lookups;
  std::optional<Grouper> grouper;
  std::vector<bool> places, actors;
  IncidentSummary summary;
  std::vector<store::InvolvedActor> involved;
  bool first = true;
  store::FigureScan scan{.from_day = from,
                         .to_day = to,
                         .viewer = req.filter.viewer,
                         .event_type = !types.empty() || req.by == GroupBy::kType,
                         .actors = req.filter.actor.has_value() || req.by == GroupBy::kActor};
  DALIL_RETURN_IF_ERROR(store.ScanFigureIndex(
      scan, &lookups, [&](const store::FigureIndexRow& row) -> Status {
        if (first) {  // the lookups are filled before the first entry
          first = false;
          if (req.filter.within_place) places = Subtree(lookups.places, *req.filter.within_place);
          if (req.filter.actor) actors = Subtree(lookups.actors, *req.filter.actor);
        }
        if (req.filter.within_place && !In(places, row.place_id)) return Status::Ok();
        for (const std::string& t : types) {
          if (row.event_type != t) return Status::Ok();
        }
        const bool need_actors = req.filter.actor || req.by == GroupBy::kActor;
        if (need_actors && !store::DecodeIndexActors(row.actors, &involved)) {
          return Status::Corruption("figure index entry of incident " +
                                    std::to_string(row.incident) +
                                    " is malformed (actors); run dalil verify");
        }
        if (req.filter.actor) {
          bool hit = false;
          for (const auto& a : involved) hit = hit || In(actors, a.actor);
          if (!hit) return Status::Ok();
        }
        DALIL_RETURN_IF_ERROR(DecodeSummary(row.summary, &summary));
        if (!grouper) grouper.emplace(req, lookups);
        grouper->Add(summary, row.start_day, row.place_id, row.event_type, involved);
        return Status::Ok();
      }));
  if (!grouper) return std::vector<Group>();
  return grouper->Finish();
}

Result<std::vector<Group>> FromRecords(store::Store& store, const FigureRequest& req) {
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
  std::map<int64_t, std::vector<store::InvolvedActor>> perpetrators;
  for (const auto& [incident, actor] : rows.perpetrators) {
    perpetrators[incident].push_back({actor, true});
  }
  for (auto& [incident, list] : perpetrators) {
    std::sort(list.begin(), list.end(), [](auto& a, auto& b) { return a.actor < b.actor; });
    list.erase(std::unique(list.begin(), list.end(),
                           [](auto& a, auto& b) { return a.actor == b.actor; }),
               list.end());
  }
  Grouper grouper(req, rows);
  IncidentSummary summary;
  const std::vector<store::InvolvedActor> none;
  for (const auto& inc : rows.incidents) {
    Summarize(inputs[inc.id], req.rules.as_of, &summary);
    auto p = perpetrators.find(inc.id);
    grouper.Add(summary, *ParseDate(inc.start_date), inc.place_id, inc.event_type,
                p == perpetrators.end() ? none : p->second);
  }
  return grouper.Finish();
}

}  // namespace

Result<std::vector<Group>> ComputeFigures(store::Store& store, const FigureRequest& req) {
  return IndexAnswers(req) ? FromIndex(store, req) : FromRecords(store, req);
}

}  // namespace dalil::figures
