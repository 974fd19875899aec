#include "store/store.h"

#include <sodium.h>

namespace dalil::store {

void AsStored(const model::EntitySpec& spec, json& record) {
  for (const model::Field& f : spec.fields) {
    auto it = record.find(std::string(f.name));
    if (it == record.end() || it->is_null()) continue;
    if (f.type == model::FieldType::kNumber) *it = it->get<double>();
    if (f.type == model::FieldType::kInteger || f.type == model::FieldType::kRef) {
      *it = it->get<int64_t>();
    }
  }
}

Result<PreparedCreate> PrepareCreate(const model::EntitySpec& spec, json body,
                                     std::vector<std::string_view> refs, model::Writer writer) {
  PreparedCreate p;
  p.spec = &spec;
  for (std::string_view r : refs) {
    const model::Field* f = spec.FindField(r);
    if (f == nullptr || f->type != model::FieldType::kRef) {
      return Status::Internal(std::string(r) + " is not a reference of " + std::string(spec.name));
    }
    p.refs.push_back(static_cast<size_t>(f - spec.fields.data()));
    body[std::string(r)] = 1;  // any valid id, for the validation; the write puts the real one
  }
  DALIL_ASSIGN_OR_RETURN(json record, model::ValidateCreate(spec, body, writer));
  AsStored(spec, record);
  std::vector<std::string_view> holes = std::move(refs);
  if (spec.IsOwned()) holes.push_back("owner_organisation_id");
  if (spec.HasSensitiveFields()) {
    p.salt.resize(32);
    randombytes_buf(p.salt.data(), p.salt.size());
  }
  p.content = ledger::ContentTemplate::Make(spec, record, p.salt, holes);
  p.values.reserve(spec.fields.size());
  for (const model::Field& f : spec.fields) {
    auto it = record.find(std::string(f.name));
    p.values.push_back(it == record.end() ? json() : std::move(*it));
    if (f.sensitive && !p.values.back().is_null()) p.secrets[std::string(f.name)] = p.values.back();
  }
  return p;
}

Result<json> Store::Create(const std::string& actor,
                           const model::EntitySpec& spec, const json& body,
                           model::Writer writer) {
  json out;
  Status s = Write(actor, [&](WriteTxn& txn) -> Status {
    DALIL_ASSIGN_OR_RETURN(out, txn.Create(spec, body, writer));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<json> Store::Update(const std::string& actor,
                           const model::EntitySpec& spec, int64_t id,
                           const json& patch) {
  json out;
  Status s = Write(actor, [&](WriteTxn& txn) -> Status {
    DALIL_ASSIGN_OR_RETURN(out, txn.Update(spec, id, patch));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status Store::Delete(const std::string& actor, const model::EntitySpec& spec,
                     int64_t id, std::optional<int64_t> expected_version) {
  return Write(actor, [&](WriteTxn& txn) {
    return txn.Delete(spec, id, expected_version);
  });
}

bool DecodeIndexActors(std::string_view bytes, std::vector<InvolvedActor>* out) {
  out->clear();
  uint64_t v = 0;
  int shift = 0;
  for (char ch : bytes) {
    const uint8_t b = static_cast<uint8_t>(ch);
    if (shift > 56) return false;
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    shift += 7;
    if (b & 0x80) continue;
    out->push_back({static_cast<int64_t>(v >> 1), (v & 1) != 0});
    v = 0;
    shift = 0;
  }
  return shift == 0;
}

std::string EncodeIndexActors(const std::vector<InvolvedActor>& actors) {
  std::string out;
  for (const InvolvedActor& a : actors) {
    uint64_t v = (static_cast<uint64_t>(a.actor) << 1) | (a.perpetrator ? 1 : 0);
    while (v >= 0x80) {
      out.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  }
  return out;
}

}  // namespace dalil::store
