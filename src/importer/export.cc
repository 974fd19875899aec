#include "importer/export.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "base/text.h"
#include "figures/counting.h"
#include "figures/query.h"
#include "importer/csv_reader.h"
#include "model/schema.h"

namespace dalil::importer {
namespace {

using nlohmann::json;
using figures::Category;

const model::EntitySpec& Spec(std::string_view name) { return *model::FindEntityByName(name); }

// Every record of an entity, page by page.
Status ForEach(store::Store& store, const model::EntitySpec& spec, store::ListQuery q,
               const std::function<Status(const json&)>& fn) {
  q.limit = 500;
  q.sort = "id";
  for (q.offset = 0;; q.offset += 500) {
    DALIL_ASSIGN_OR_RETURN(store::ListResult page, store.List(spec, q));
    for (const json& r : page.items) DALIL_RETURN_IF_ERROR(fn(r));
    if (page.items.size() < 500) return Status::Ok();
  }
}

store::ListQuery IncidentQuery(const ExportRequest& req) {
  store::ListQuery q = req.filter;
  if (!req.all_statuses) q.equals.emplace_back("review_status", "verified");
  return q;
}

// Per-incident figures of the verified incidents the filter selects, by
// the counting rules with their default settings.
Result<std::map<int64_t, std::map<Category, figures::Figure>>> IncidentFigures(
    store::Store& store, const store::ListQuery& filter) {
  DALIL_ASSIGN_OR_RETURN(store::FigureRows rows, store.LoadFigureRows(filter));
  auto canonical = [&](int64_t person) {
    for (int hops = 0; hops < 64; ++hops) {
      auto it = rows.merged_into.find(person);
      if (it == rows.merged_into.end()) break;
      person = it->second;
    }
    return person;
  };
  std::map<int64_t, figures::IncidentInput> inputs;
  for (const auto& i : rows.incidents) inputs[i.id].id = i.id;
  for (const auto& c : rows.claims) {
    auto cat = figures::ParseCategory(c.category);
    if (!cat) continue;
    inputs[c.incident].claims.push_back({c.id, c.incident, c.source, *cat, c.min, c.max,
                                         figures::ReliabilityRank(c.reliability).value_or(5)});
  }
  std::map<int64_t, int64_t> outcome_incident;
  for (const auto& o : rows.outcomes) {
    auto cat = figures::ParseCategory(o.kind);
    if (!cat) continue;
    std::optional<int64_t> day;
    if (!o.date.empty()) day = ParseDate(o.date);
    inputs[o.incident].outcomes.push_back({o.id, o.incident, canonical(o.person), *cat, day, o.source});
    outcome_incident[o.id] = o.incident;
  }
  for (const auto& ch : rows.changes) {
    auto day = ParseDate(ch.date);
    auto it = outcome_incident.find(ch.outcome);
    if (!day || it == outcome_incident.end()) continue;
    inputs[it->second].changes.push_back({ch.outcome, ch.status, *day});
  }
  std::map<int64_t, std::map<Category, figures::Figure>> out;
  const figures::Rules rules;
  for (const auto& [id, in] : inputs) out[id] = figures::CountIncident(in, rules);
  return out;
}

// Places by id, for names, codes and the governorate above a place.
struct Places {
  std::map<int64_t, json> byid;
  Status Load(store::Store& store) {
    return ForEach(store, Spec("place"), {}, [&](const json& p) {
      byid[p["id"].get<int64_t>()] = p;
      return Status::Ok();
    });
  }
  const json* At(int64_t id, std::string_view level) const {
    for (int hops = 0; hops < 64; ++hops) {
      auto it = byid.find(id);
      if (it == byid.end()) return nullptr;
      if (it->second["level"] == level) return &it->second;
      if (!it->second["parent_id"].is_number_integer()) return nullptr;
      id = it->second["parent_id"].get<int64_t>();
    }
    return nullptr;
  }
};

std::string Str(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string PlaceName(const json& p) {
  return p["name_en"].is_string() ? p["name_en"].get<std::string>() : Str(p["name_ar"]);
}

struct Column {
  const char* name;
  const char* hxl;
};
constexpr Column kColumns[] = {
    {"event_id", "#event+id"},
    {"title_en", "#event+name+i_en"},
    {"title_ar", "#event+name+i_ar"},
    {"start_date", "#date+start"},
    {"end_date", "#date+end"},
    {"date_precision", "#date+precision"},
    {"event_type", "#event+type"},
    {"sub_event_type", "#event+type+sub"},
    {"review_status", "#status"},
    {"adm1_name", "#adm1+name"},
    {"adm1_code", "#adm1+code"},
    {"adm2_name", "#adm2+name"},
    {"place_name", "#loc+name"},
    {"latitude", "#geo+lat"},
    {"longitude", "#geo+lon"},
    {"killed_min", "#affected+killed+min"},
    {"killed_max", "#affected+killed+max"},
    {"injured_min", "#affected+injured+min"},
    {"injured_max", "#affected+injured+max"},
    {"detained_min", "#affected+detained+min"},
    {"detained_max", "#affected+detained+max"},
    {"abducted_min", "#affected+abducted+min"},
    {"abducted_max", "#affected+abducted+max"},
    {"tortured_min", "#affected+tortured+min"},
    {"tortured_max", "#affected+tortured+max"},
    {"threatened_min", "#affected+threatened+min"},
    {"threatened_max", "#affected+threatened+max"},
    {"figures_provisional", "#meta+provisional"},
    {"perpetrators", "#group+name+perpetrator"},
    {"description_en", "#description+i_en"},
    {"description_ar", "#description+i_ar"},
};

// The flat description of one incident shared by CSV and GeoJSON.
struct Flat {
  json props = json::object();
  std::optional<double> lat, lon;
};

class Flattener {
 public:
  Flattener(store::Store& store, const ExportRequest& req) : store_(store), req_(req) {}

  Status Load() {
    DALIL_RETURN_IF_ERROR(places_.Load(store_));
    DALIL_RETURN_IF_ERROR(ForEach(store_, Spec("actor"), {}, [&](const json& a) {
      actors_[a["id"].get<int64_t>()] = a["name_en"].is_string() ? Str(a["name_en"]) : Str(a["name_ar"]);
      return Status::Ok();
    }));
    DALIL_ASSIGN_OR_RETURN(figures_, IncidentFigures(store_, req_.filter));
    return Status::Ok();
  }

  // Perpetrators of the incidents of one page.
  Status LoadPerpetrators(const std::vector<json>& incidents) {
    perpetrators_.clear();
    for (const json& inc : incidents) {
      store::ListQuery q;
      q.equals = {{"incident_id", inc["id"]}, {"role", "perpetrator"}};
      DALIL_RETURN_IF_ERROR(ForEach(store_, Spec("involvement"), q, [&](const json& v) {
        auto& list = perpetrators_[inc["id"].get<int64_t>()];
        if (!list.empty()) list += "; ";
        list += actors_[v["actor_id"].get<int64_t>()];
        return Status::Ok();
      }));
    }
    return Status::Ok();
  }

  Flat Of(const json& inc) const {
    Flat f;
    json& p = f.props;
    const int64_t id = inc["id"].get<int64_t>();
    p["event_id"] = id;
    for (const char* k : {"title_en", "title_ar", "start_date", "end_date", "date_precision",
                          "event_type", "sub_event_type", "review_status", "description_en",
                          "description_ar"}) {
      p[k] = inc[k];
    }
    const int64_t place = inc["place_id"].get<int64_t>();
    const json* gov = places_.At(place, "governorate");
    const json* dist = places_.At(place, "district");
    p["adm1_name"] = gov ? json(PlaceName(*gov)) : json();
    p["adm1_code"] = gov ? (*gov)["iso_code"] : json();
    p["adm2_name"] = dist ? json(PlaceName(*dist)) : json();
    auto pl = places_.byid.find(place);
    p["place_name"] = pl != places_.byid.end() ? json(PlaceName(pl->second)) : json();
    if (inc["latitude"].is_number() && inc["longitude"].is_number()) {
      f.lat = inc["latitude"].get<double>();
      f.lon = inc["longitude"].get<double>();
    } else if (pl != places_.byid.end() && pl->second["latitude"].is_number() &&
               pl->second["longitude"].is_number()) {
      f.lat = pl->second["latitude"].get<double>();
      f.lon = pl->second["longitude"].get<double>();
    }
    p["latitude"] = f.lat ? json(*f.lat) : json();
    p["longitude"] = f.lon ? json(*f.lon) : json();
    auto fig = figures_.find(id);
    bool provisional = false;
    for (Category c : figures::kCategories) {
      const std::string n = figures::CategoryName(c);
      json mn, mx;
      if (fig != figures_.end()) {
        auto it = fig->second.find(c);
        if (it != fig->second.end()) {
          mn = it->second.min;
          mx = it->second.max ? json(*it->second.max) : json();
          provisional = provisional || (it->second.provisional && (it->second.min > 0 || it->second.max != 0));
        }
      }
      p[n + "_min"] = mn;
      p[n + "_max"] = mx;
    }
    p["figures_provisional"] = fig != figures_.end() ? json(provisional) : json();
    auto perp = perpetrators_.find(id);
    p["perpetrators"] = perp != perpetrators_.end() ? json(perp->second) : json();
    return f;
  }

 private:
  store::Store& store_;
  const ExportRequest& req_;
  Places places_;
  std::map<int64_t, std::string> actors_;
  std::map<int64_t, std::string> perpetrators_;
  std::map<int64_t, std::map<Category, figures::Figure>> figures_;
};

// Pages of the selected incidents.
Status ForEachPage(store::Store& store, const ExportRequest& req,
                   const std::function<Status(const std::vector<json>&)>& fn) {
  store::ListQuery q = IncidentQuery(req);
  q.limit = 500;
  for (q.offset = 0;; q.offset += 500) {
    DALIL_ASSIGN_OR_RETURN(store::ListResult page, store.List(Spec("incident"), q));
    DALIL_RETURN_IF_ERROR(fn(page.items));
    if (page.items.size() < 500) return Status::Ok();
  }
}

Status WriteCsv(store::Store& store, const ExportRequest& req, std::ostream& out) {
  Flattener flat(store, req);
  DALIL_RETURN_IF_ERROR(flat.Load());
  std::string line;
  for (const Column& c : kColumns) {
    if (!line.empty()) line += ',';
    line += c.name;
  }
  out << line << "\r\n";
  if (req.format == ExportFormat::kHxl) {
    line.clear();
    for (const Column& c : kColumns) {
      if (!line.empty()) line += ',';
      line += c.hxl;
    }
    out << line << "\r\n";
  }
  return ForEachPage(store, req, [&](const std::vector<json>& page) -> Status {
    DALIL_RETURN_IF_ERROR(flat.LoadPerpetrators(page));
    for (const json& inc : page) {
      Flat f = flat.Of(inc);
      line.clear();
      bool first = true;
      for (const Column& c : kColumns) {
        if (!first) line += ',';
        first = false;
        const json& v = f.props[c.name];
        AppendCsvField(line, v.is_boolean() ? (v.get<bool>() ? "true" : "false") : Str(v));
      }
      out << line << "\r\n";
    }
    return out ? Status::Ok() : Status::Io("writing the export failed");
  });
}

Status WriteGeoJson(store::Store& store, const ExportRequest& req, std::ostream& out) {
  Flattener flat(store, req);
  DALIL_RETURN_IF_ERROR(flat.Load());
  out << "{\"type\":\"FeatureCollection\",\"features\":[";
  bool first = true;
  DALIL_RETURN_IF_ERROR(ForEachPage(store, req, [&](const std::vector<json>& page) -> Status {
    DALIL_RETURN_IF_ERROR(flat.LoadPerpetrators(page));
    for (const json& inc : page) {
      Flat f = flat.Of(inc);
      json feature = {{"type", "Feature"}, {"id", inc["id"]}, {"properties", f.props}};
      if (f.lat && f.lon) {
        feature["geometry"] = {{"type", "Point"}, {"coordinates", {*f.lon, *f.lat}}};
      } else {
        feature["geometry"] = nullptr;  // RFC 7946 3.2: an unlocated feature
      }
      out << (first ? "\n" : ",\n") << feature.dump();
      first = false;
    }
    return out ? Status::Ok() : Status::Io("writing the export failed");
  }));
  out << "\n]}\n";
  return out ? Status::Ok() : Status::Io("writing the export failed");
}

// The record as a bundle entry: "$key", fields without system or sensitive
// ones, references as "$<entity>-<id>". A person's free-text notes stay
// behind too: what documenters write about a person (relatives, where they
// live, what happened to them) can name or identify them.
json BundleRecord(const model::EntitySpec& spec, const json& rec) {
  json out = json::object();
  out["$key"] = std::string(spec.name) + "-" + std::to_string(rec["id"].get<int64_t>());
  for (const model::Field& f : spec.fields) {
    if (f.sensitive || f.access) continue;
    if (spec.name == "person" && f.name == "notes") continue;
    const json& v = rec[std::string(f.name)];
    if (v.is_null()) continue;
    if (f.type == model::FieldType::kRef) {
      out[std::string(f.name)] = "$" + std::string(f.ref) + "-" + std::to_string(v.get<int64_t>());
    } else {
      out[std::string(f.name)] = v;
    }
  }
  return out;
}

bool HasSelfReference(const model::EntitySpec& spec) {
  for (const model::Field& f : spec.fields) {
    if (f.type == model::FieldType::kRef && f.ref == spec.name) return true;
  }
  return false;
}

// Written record by record: first the ids of everything the export holds
// are gathered (ids only, never the records), then each entity's records
// are read one at a time and written, in model::AllEntities() order, so a
// record always comes after what it refers to and the file can be loaded
// in one pass.
Status WriteJson(store::Store& store, const ExportRequest& req, std::ostream& out) {
  // entity -> ids, ascending; scanned ones are appended in id order.
  std::map<std::string, std::vector<int64_t>> picked;
  // Records only referred to (places, actors, sources, persons...).
  std::map<std::string, std::set<int64_t>> referred;
  std::vector<std::pair<std::string, int64_t>> pending;
  auto refs_of = [&](const model::EntitySpec& spec, const json& r) {
    for (const model::Field& f : spec.fields) {
      if (f.type == model::FieldType::kRef && r[std::string(f.name)].is_number_integer()) {
        pending.emplace_back(std::string(f.ref), r[std::string(f.name)].get<int64_t>());
      }
    }
  };
  auto has = [](const std::vector<int64_t>& ids, const json& v) {
    return v.is_number_integer() && std::binary_search(ids.begin(), ids.end(), v.get<int64_t>());
  };
  std::vector<int64_t>& incidents = picked["incident"];
  DALIL_RETURN_IF_ERROR(ForEachPage(store, req, [&](const std::vector<json>& page) {
    for (const json& inc : page) {
      incidents.push_back(inc["id"].get<int64_t>());
      refs_of(Spec("incident"), inc);
    }
    return Status::Ok();
  }));
  std::sort(incidents.begin(), incidents.end());
  for (const char* entity : {"claim", "involvement", "outcome"}) {
    std::vector<int64_t>& ids = picked[entity];
    DALIL_RETURN_IF_ERROR(ForEach(store, Spec(entity), {.viewer = req.filter.viewer}, [&](const json& r) {
      if (has(incidents, r["incident_id"])) {
        ids.push_back(r["id"].get<int64_t>());
        refs_of(Spec(entity), r);
      }
      return Status::Ok();
    }));
  }
  const std::vector<int64_t>& outcomes = picked["outcome"];
  std::vector<int64_t>& updates = picked["outcome_update"];
  DALIL_RETURN_IF_ERROR(ForEach(store, Spec("outcome_update"), {.viewer = req.filter.viewer}, [&](const json& r) {
    if (has(outcomes, r["outcome_id"])) {
      updates.push_back(r["id"].get<int64_t>());
      refs_of(Spec("outcome_update"), r);
    }
    return Status::Ok();
  }));
  // Whatever the picked records refer to, and what that refers to, follows.
  while (!pending.empty()) {
    auto [entity, id] = pending.back();
    pending.pop_back();
    auto scanned = picked.find(entity);
    if (scanned != picked.end() && has(scanned->second, id)) continue;
    if (referred[entity].count(id)) continue;
    auto got = store.Get(Spec(entity), id, req.filter.viewer);
    if (got.status().code() == Code::kNotFound) continue;  // not the caller's to see
    DALIL_ASSIGN_OR_RETURN(json r, std::move(got));
    referred[entity].insert(id);
    refs_of(Spec(entity), r);
  }
  for (auto& [entity, ids] : referred) {
    std::vector<int64_t>& all = picked[entity];
    all.insert(all.end(), ids.begin(), ids.end());
    std::sort(all.begin(), all.end());
  }
  referred.clear();

  out << "{\"format\": \"dalil-json/1\",\n \"notice\": "
      << json("Exported by Dalil. Sensitive fields (person names, contacts, affiliations, "
              "witness identities) are never exported.").dump();
  for (const model::EntitySpec* spec : model::AllEntities()) {
    auto it = picked.find(std::string(spec->name));
    if (it == picked.end() || it->second.empty() || spec->name == "evidence") continue;
    const std::vector<int64_t>& ids = it->second;
    out << ",\n \"" << spec->plural << "\": [";
    bool first = true;
    auto write = [&](const json& r) {
      out << (first ? "\n  " : ",\n  ") << BundleRecord(*spec, r).dump();
      first = false;
    };
    if (!HasSelfReference(*spec)) {
      for (int64_t id : ids) {
        DALIL_ASSIGN_OR_RETURN(json r, store.Get(*spec, id, req.filter.viewer));
        write(r);
      }
    } else {
      // A record after the one of its own kind it refers to (a place after
      // its parent), as the bundle loader requires.
      std::set<int64_t> done;
      std::function<Status(int64_t, int)> emit = [&](int64_t id, int depth) -> Status {
        if (done.count(id) || depth > 64) return Status::Ok();
        DALIL_ASSIGN_OR_RETURN(json r, store.Get(*spec, id, req.filter.viewer));
        for (const model::Field& f : spec->fields) {
          const json& parent = r[std::string(f.name)];
          if (f.type == model::FieldType::kRef && f.ref == spec->name && has(ids, parent)) {
            DALIL_RETURN_IF_ERROR(emit(parent.get<int64_t>(), depth + 1));
          }
        }
        if (!done.insert(id).second) return Status::Ok();
        write(r);
        return Status::Ok();
      };
      for (int64_t id : ids) DALIL_RETURN_IF_ERROR(emit(id, 0));
    }
    out << "\n ]";
    if (!out) return Status::Io("writing the export failed");
  }
  out << "\n}\n";
  return out ? Status::Ok() : Status::Io("writing the export failed");
}

}  // namespace

Result<ExportRequest> ParseExportRequest(
    store::Store& store, const std::vector<std::pair<std::string, std::string>>& params,
    bool allow_all_statuses) {
  ExportRequest req;
  std::vector<std::pair<std::string, std::string>> filters;
  bool format_seen = false;
  for (const auto& [key, value] : params) {
    if (key == "format") {
      if (format_seen) return Status::Invalid("query.format", "is given more than once");
      format_seen = true;
      if (value == "csv") req.format = ExportFormat::kCsv;
      else if (value == "hxl") req.format = ExportFormat::kHxl;
      else if (value == "json") req.format = ExportFormat::kJson;
      else if (value == "geojson") req.format = ExportFormat::kGeoJson;
      else return Status::Invalid("query.format", "must be csv, hxl, json or geojson");
    } else if (key == "all_statuses" && allow_all_statuses) {
      req.all_statuses = value.empty() || value == "true" || value == "1";
    } else if (key == "place" || key == "from" || key == "to" || key == "type" ||
               key == "actor") {
      filters.emplace_back(key, value);
    } else {
      return Status::Invalid("query." + key, "is not a parameter of exports");
    }
  }
  DALIL_ASSIGN_OR_RETURN(figures::FigureRequest fr,
                         figures::ParseFigureRequest(store, filters, figures::Rules{}));
  req.filter = fr.filter;
  return req;
}

std::string ExportMediaType(ExportFormat format) {
  switch (format) {
    case ExportFormat::kCsv:
    case ExportFormat::kHxl:
      return "text/csv; charset=utf-8";
    case ExportFormat::kJson:
      return "application/json";
    case ExportFormat::kGeoJson:
      return "application/geo+json";
  }
  return "application/octet-stream";
}

Status WriteExport(store::Store& store, const ExportRequest& request, std::ostream& out) {
  switch (request.format) {
    case ExportFormat::kCsv:
    case ExportFormat::kHxl:
      return WriteCsv(store, request, out);
    case ExportFormat::kGeoJson:
      return WriteGeoJson(store, request, out);
    case ExportFormat::kJson:
      return WriteJson(store, request, out);
  }
  return Status::Internal("unknown export format");
}

}  // namespace dalil::importer
