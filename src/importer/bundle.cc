#include "importer/bundle.h"

namespace dalil::importer {

using nlohmann::json;

Result<BundleResult> LoadBundle(store::Store& store, const json& bundle,
                                const std::string& actor) {
  if (!bundle.is_object()) return Status::Invalid("bundle", "must be a JSON object");
  for (const auto& [key, value] : bundle.items()) {
    if (key == "format" || key == "notice") continue;
    if (model::FindEntityByPlural(key) == nullptr) {
      return Status::Invalid(key, "is not a kind of record");
    }
    if (!value.is_array()) return Status::Invalid(key, "must be an array of records");
  }
  BundleResult result;
  Status s = store.Write(actor, [&](store::WriteTxn& txn) -> Status {
    std::map<std::string, int64_t> ids;  // $key -> id
    for (const model::EntitySpec* spec : model::AllEntities()) {
      auto list = bundle.find(std::string(spec->plural));
      if (list == bundle.end()) continue;
      for (size_t i = 0; i < list->size(); ++i) {
        json rec = (*list)[i];
        const std::string where = std::string(spec->plural) + "[" + std::to_string(i) + "]";
        if (!rec.is_object()) return Status::Invalid(where, "must be an object");
        std::string self_key;
        if (auto k = rec.find("$key"); k != rec.end()) {
          if (!k->is_string()) return Status::Invalid(where + ".$key", "must be a string");
          self_key = *k;
          rec.erase("$key");
        }
        const std::string label = where + (self_key.empty() ? "" : " ($key " + self_key + ")");
        for (const model::Field& f : spec->fields) {
          if (f.type != model::FieldType::kRef) continue;
          auto v = rec.find(std::string(f.name));
          if (v == rec.end() || !v->is_string()) continue;
          const std::string ref = *v;
          if (!ref.empty() && ref[0] == '$') {
            auto it = ids.find(ref.substr(1));
            if (it == ids.end()) {
              return Status::Invalid(label + "." + std::string(f.name),
                                     "refers to " + ref + ", which is not loaded before it");
            }
            *v = it->second;
          } else if (f.ref == "place") {
            auto id = txn.PlaceIdByCode(ref);
            if (!id.ok()) return Status::Invalid(label + "." + std::string(f.name), id.status().message());
            *v = *id;
          }
        }
        auto created = txn.Create(*spec, rec);
        if (!created.ok()) {
          const Status& e = created.status();
          return Status(e.code(), e.message(),
                        label + (e.field().empty() ? "" : "." + e.field()));
        }
        if (!self_key.empty()) {
          if (!ids.emplace(self_key, (*created)["id"].get<int64_t>()).second) {
            return Status::Invalid(label + ".$key", "is used twice");
          }
        }
        ++result.created[std::string(spec->plural)];
        ++result.total;
      }
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return result;
}

}  // namespace dalil::importer
