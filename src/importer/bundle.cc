#include "importer/bundle.h"

#include "base/text.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"

namespace dalil::importer {

using nlohmann::json;

Result<BundleResult> LoadBundle(store::Store& store, const json& bundle,
                                const std::string& actor, const store::BlobStore* blobs,
                                const store::Viewer& writer) {
  BundleResult result;
  Status s = store.WriteAs(actor, writer, [&](store::WriteTxn& txn) -> Status {
    return LoadBundleInto(txn, bundle, BundleOptions{}, result, blobs);
  });
  if (!s.ok()) return s;
  return result;
}

Status LoadBundleInto(store::WriteTxn& txn, const json& bundle, const BundleOptions& options,
                      BundleResult& result, const store::BlobStore* blobs) {
  if (!bundle.is_object()) return Status::Invalid("bundle", "must be a JSON object");
  for (const auto& [key, value] : bundle.items()) {
    if (key == "format" || key == "notice") continue;
    if (model::FindEntityByPlural(key) == nullptr) {
      return Status::Invalid(key, "is not a kind of record");
    }
    if (!value.is_array()) return Status::Invalid(key, "must be an array of records");
  }
  BundleLoader loader(txn, options, result, blobs);
  for (const model::EntitySpec* spec : model::AllEntities()) {
    auto list = bundle.find(std::string(spec->plural));
    if (list == bundle.end()) continue;
    for (size_t i = 0; i < list->size(); ++i) {
      DALIL_RETURN_IF_ERROR(loader.Add(*spec, (*list)[i],
                                       std::string(spec->plural) + "[" + std::to_string(i) + "]"));
    }
  }
  return Status::Ok();
}

Status BundleLoader::Add(const model::EntitySpec& spec, json rec, const std::string& where) {
  if (!rec.is_object()) return Status::Invalid(where, "must be an object");
  std::string self_key;
  if (auto k = rec.find("$key"); k != rec.end()) {
    if (!k->is_string()) return Status::Invalid(where + ".$key", "must be a string");
    self_key = *k;
    rec.erase("$key");
  }
  const std::string label = where + (self_key.empty() ? "" : " ($key " + self_key + ")");
  ++seen_;
  const bool keyed = !options_.dataset.empty() && !self_key.empty();
  std::string hash;
  std::optional<store::ImportedRecord> prior;
  if (keyed) {
    // Hashed as the file gives it, references still "$key"s: the same
    // record exported again hashes the same in any database.
    const ledger::Hash h = ledger::Sha256(rec.dump());
    hash = HexEncode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
    DALIL_ASSIGN_OR_RETURN(prior, txn_.Imports().FindRecord(options_.dataset, self_key));
    if (prior && prior->entity != spec.name) {
      return Status::Invalid(label + ".$key", "was imported into this dataset as a " +
                                                  prior->entity + ", not a " +
                                                  std::string(spec.name));
    }
    if (prior) {
      auto current = txn_.Get(spec, prior->record_id);
      if (current.status().code() == Code::kNotFound) {
        prior.reset();  // deleted since: made again
      } else if (!current.ok()) {
        return Status(current.status().code(), current.status().message(), label);
      }
    }
    if (prior && prior->content_hash == hash) {
      if (!result_.ids.emplace(self_key, prior->record_id).second) {
        return Status::Invalid(label + ".$key", "is used twice");
      }
      ++result_.unchanged;
      return Status::Ok();
    }
  }
  for (const model::Field& f : spec.fields) {
    if (f.type != model::FieldType::kRef) continue;
    auto v = rec.find(std::string(f.name));
    if (v == rec.end() || !v->is_string()) continue;
    const std::string ref = *v;
    if (!ref.empty() && ref[0] == '$') {
      auto it = result_.ids.find(ref.substr(1));
      if (it == result_.ids.end()) {
        return Status::Invalid(label + "." + std::string(f.name),
                               "refers to " + ref + ", which is not loaded before it");
      }
      *v = it->second;
    } else if (f.ref == "place") {
      auto id = txn_.PlaceIdByCode(ref);
      if (!id.ok()) return Status::Invalid(label + "." + std::string(f.name), id.status().message());
      *v = *id;
    }
  }
  model::Writer writer = model::Writer::kClient;
  if (spec.name == "evidence") {
    // The file comes with the record; its hash and size are computed
    // here, never taken from the bundle.
    auto text = rec.find("$content");
    auto b64 = rec.find("$content_base64");
    if (text == rec.end() && b64 == rec.end()) {
      return Status::Invalid(label, "evidence needs its file as $content or $content_base64");
    }
    if (blobs_ == nullptr) return Status::Invalid(label, "evidence cannot be loaded here");
    std::string bytes;
    if (text != rec.end()) {
      if (!text->is_string()) return Status::Invalid(label + ".$content", "must be a string");
      bytes = text->get<std::string>();
    } else {
      auto decoded = b64->is_string() ? ledger::Base64Decode(b64->get<std::string>())
                                      : std::nullopt;
      if (!decoded) return Status::Invalid(label + ".$content_base64", "is not base64");
      bytes = *decoded;
    }
    rec.erase("$content");
    rec.erase("$content_base64");
    for (const char* k : {"sha256", "size"}) {
      if (rec.contains(k)) return Status::Invalid(label + "." + k, "is computed from the file");
    }
    DALIL_ASSIGN_OR_RETURN(std::string sha, blobs_->Put(bytes));
    rec["sha256"] = sha;
    rec["size"] = static_cast<int64_t>(bytes.size());
    writer = model::Writer::kServer;
  }
  if (prior && spec.name != "evidence") return UpdateKeyed(spec, *prior, rec, self_key, hash, label);
  if (options_.reuse_places_by_code && spec.name == "place" && rec.contains("iso_code") &&
      rec["iso_code"].is_string()) {
    auto existing = txn_.PlaceIdByCode(rec["iso_code"].get<std::string>());
    if (existing.ok()) {
      if (!self_key.empty()) result_.ids[self_key] = *existing;
      return Status::Ok();
    }
  }
  if (options_.withheld_names && spec.name == "person" &&
      (!rec.contains("name") || rec["name"].is_null())) {
    rec["name"] = "(name withheld: " + (self_key.empty() ? where : self_key) + ")";
  }
  auto created = txn_.Create(spec, rec, writer);
  if (!created.ok()) {
    const Status& e = created.status();
    return Status(e.code(), e.message(),
                  label + (e.field().empty() ? "" : "." + e.field()));
  }
  if (!self_key.empty() &&
      !result_.ids.emplace(self_key, (*created)["id"].get<int64_t>()).second) {
    return Status::Invalid(label + ".$key", "is used twice");
  }
  if (keyed) {
    DALIL_RETURN_IF_ERROR(txn_.Imports().PutRecord(
        options_.dataset, self_key,
        {.entity = std::string(spec.name), .record_id = (*created)["id"].get<int64_t>(),
         .content_hash = hash},
        options_.run_id));
  }
  ++result_.created[std::string(spec.plural)];
  ++result_.total;
  return Status::Ok();
}

Status BundleLoader::UpdateKeyed(const model::EntitySpec& spec,
                                 const store::ImportedRecord& prior, json rec,
                                 const std::string& self_key, const std::string& hash,
                                 const std::string& label) {
  // The file gives the whole record: a field it leaves out is cleared,
  // except those exports never carry (sensitive, access, read-only fields,
  // a person's notes), which stay as this database has them.
  for (const model::Field& f : spec.fields) {
    if (f.sensitive || f.access || f.read_only) continue;
    if (spec.name == "person" && f.name == "notes") continue;
    if (!rec.contains(std::string(f.name))) rec[std::string(f.name)] = nullptr;
  }
  auto updated = txn_.Update(spec, prior.record_id, rec);
  if (!updated.ok()) {
    const Status& e = updated.status();
    return Status(e.code(), e.message(), label + (e.field().empty() ? "" : "." + e.field()));
  }
  if (!result_.ids.emplace(self_key, prior.record_id).second) {
    return Status::Invalid(label + ".$key", "is used twice");
  }
  DALIL_RETURN_IF_ERROR(txn_.Imports().AddChange(options_.run_id, options_.dataset, self_key,
                                                 prior.record_id, seen_, prior.content_hash,
                                                 hash));
  DALIL_RETURN_IF_ERROR(txn_.Imports().PutRecord(
      options_.dataset, self_key,
      {.entity = std::string(spec.name), .record_id = prior.record_id, .content_hash = hash},
      options_.run_id));
  ++result_.updated;
  return Status::Ok();
}

}  // namespace dalil::importer
