#include "figures/duplicate_persons.h"

#include <map>

#include "base/text.h"
#include "figures/query.h"

namespace dalil::figures {
namespace {

using nlohmann::json;

// Every record of an entity, page by page.
Result<std::vector<json>> All(store::Store& store, const char* entity,
                              const store::Viewer& viewer) {
  std::vector<json> out;
  store::ListQuery q;
  q.limit = 500;
  q.viewer = viewer;
  while (true) {
    DALIL_ASSIGN_OR_RETURN(store::ListResult page,
                           store.List(*model::FindEntityByName(entity), q));
    for (auto& r : page.items) out.push_back(std::move(r));
    if (page.items.size() < static_cast<size_t>(q.limit)) return out;
    q.offset += q.limit;
  }
}

std::optional<int64_t> Int(const json& r, const char* k) {
  return r[k].is_number_integer() ? std::optional<int64_t>(r[k].get<int64_t>()) : std::nullopt;
}

}  // namespace

Result<std::vector<Candidate>> SuggestPersonDuplicates(store::Store& store, double threshold,
                                                       const store::Viewer& viewer) {
  DALIL_ASSIGN_OR_RETURN(auto places, All(store, "place", viewer));
  DALIL_ASSIGN_OR_RETURN(auto incidents, All(store, "incident", viewer));
  DALIL_ASSIGN_OR_RETURN(auto outcomes, All(store, "outcome", viewer));
  DALIL_ASSIGN_OR_RETURN(auto persons, All(store, "person", viewer));

  std::map<int64_t, store::FigureRows::Place> place_of;
  for (const auto& p : places) place_of[p["id"]] = {Int(p, "parent_id"), p["level"], "", "", ""};
  std::map<int64_t, std::pair<std::optional<int64_t>, int64_t>> incident_facts;  // gov, day
  for (const auto& i : incidents) {
    incident_facts[i["id"]] = {AncestorAt(place_of, i["place_id"], "governorate"), *ParseDate(i["start_date"].get<std::string>())};
  }
  std::map<int64_t, PersonFacts> facts;
  for (const auto& p : persons) {
    if (!p["merged_into_id"].is_null()) continue;
    PersonFacts f;
    f.id = p["id"];
    if (p["name"].is_string()) f.names.push_back(p["name"]);
    if (p["name_variants"].is_array()) {
      for (const auto& v : p["name_variants"]) f.names.push_back(v);
    }
    if (auto v = Int(p, "age_min")) f.age_min = static_cast<int>(*v);
    if (auto v = Int(p, "age_max")) f.age_max = static_cast<int>(*v);
    if (p["sex"].is_string()) f.sex = p["sex"];
    facts[f.id] = std::move(f);
  }
  for (const auto& o : outcomes) {
    auto f = facts.find(o["person_id"]);
    auto inc = incident_facts.find(o["incident_id"]);
    if (f == facts.end() || inc == incident_facts.end()) continue;
    if (inc->second.first) f->second.governorate_ids.push_back(*inc->second.first);
    f->second.event_days.push_back(inc->second.second);
  }
  std::vector<PersonFacts> list;
  for (auto& [id, f] : facts) list.push_back(std::move(f));
  return SuggestDuplicates(list, threshold);
}

}  // namespace dalil::figures
