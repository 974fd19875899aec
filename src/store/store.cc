#include "store/store.h"

namespace dalil::store {

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

}  // namespace dalil::store
