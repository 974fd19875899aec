// The ledger's HTTP routes: the verifier key, signed checkpoints, inclusion
// and consistency proofs, raw leaves and each record's history. Hashes and
// leaf bytes travel as standard base64, as in the checkpoint format.
#include <memory>

#include "base/error_map.h"
#include "base/text.h"
#include "http/api/api.h"
#include "http/api/respond.h"

namespace dalil::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

Response Json(int status, const json& body) { return JsonResponse(status, body); }
Response Error(const Status& s) { return ErrorResponse(s); }
Response Text(std::string body) { return TextResponse(std::move(body)); }

std::string B64(const ledger::Hash& h) {
  return ledger::Base64Encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

json B64List(const std::vector<ledger::Hash>& hashes) {
  json out = json::array();
  for (const auto& h : hashes) out.push_back(B64(h));
  return out;
}

// Reads the named non-negative integer parameters; anything else is a 400.
Result<std::map<std::string, uint64_t>> Params(const Request& req,
                                               std::initializer_list<const char*> allowed) {
  std::map<std::string, uint64_t> out;
  for (const auto& [key, value] : req.query) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) return Status::Invalid("query." + key, "is not a parameter of this route");
    auto n = ParseInt(value);
    if (!n || *n < 0) return Status::Invalid("query." + key, "must be a non-negative integer");
    if (out.count(key)) return Status::Invalid("query." + key, "is given more than once");
    out[key] = static_cast<uint64_t>(*n);
  }
  return out;
}

json LeafJson(const store::LeafEntry& e) {
  json j = {{"index", e.index}, {"data", ledger::Base64Encode(e.data)}, {"hash", B64(e.hash)}};
  if (auto leaf = ledger::DecodeLeaf(e.data); leaf.ok()) {
    j["sequence"] = leaf->sequence;
    j["time"] = FormatTimestamp(static_cast<int64_t>(leaf->time));
    j["actor"] = leaf->actor;
    j["entity"] = leaf->entity;
    j["record_id"] = leaf->record_id;
    j["operation"] = ledger::OpName(leaf->op);
    j["version"] = leaf->version;
    j["content_hash"] = B64(leaf->content_hash);
  }
  return j;
}

}  // namespace

void RegisterLedgerRoutes(http::Router& router, store::Store* store, const ApiOptions& options) {
  const ledger::SigningKey* key = options.signing_key;
  const int64_t max_leaves = options.max_leaves_per_page;

  router.Add("GET", "/api/v1/ledger/key", "The ledger's verifier key (signed-note format)",
             http::Access::Public(), [key](Request&) {
               if (key == nullptr) return Error(Status::Unavailable("this server has no signing key"));
               return Text(ledger::VerifierKey(*key) + "\n");
             });

  router.Add("GET", "/api/v1/ledger/checkpoint",
             "The latest signed checkpoint (signed now if the log grew)", http::Access::Public(),
             [store, key](Request& req) {
               if (!req.query.empty()) return Error(Status::Invalid("query", "takes no parameters"));
               Result<store::SignedCheckpoint> cp = Status::Unavailable("no checkpoint yet");
               if (key != nullptr) {
                 cp = store->SignCheckpoint(*key);
               } else {
                 auto latest = store->LatestCheckpoint();
                 if (!latest.ok()) return Error(latest.status());
                 if (*latest) cp = **latest;
               }
               if (!cp.ok()) return Error(cp.status());
               return Text(cp->note);
             });

  router.Add("GET", "/api/v1/ledger/proof/inclusion",
             "Inclusion proof of leaf `index` in the tree of `size` leaves", http::Access::Public(),
             [store](Request& req) {
               auto p = Params(req, {"index", "size"});
               if (!p.ok()) return Error(p.status());
               if (!p->count("index")) return Error(Status::Invalid("query.index", "is required"));
               auto n = store->LedgerSize();
               if (!n.ok()) return Error(n.status());
               uint64_t size = p->count("size") ? p->at("size") : *n;
               uint64_t index = p->at("index");
               if (index >= size) {
                 return Error(Status::Invalid("query.index", "must be less than size " + std::to_string(size)));
               }
               auto proof = store->InclusionProof(index, size);
               if (!proof.ok()) return Error(proof.status());
               auto root = store->LedgerRoot(size);
               if (!root.ok()) return Error(root.status());
               auto leaves = store->Leaves(index, index + 1);
               if (!leaves.ok()) return Error(leaves.status());
               if (leaves->empty()) return Error(Status::Corruption("leaf is missing"));
               return Json(200, {{"index", index},
                                 {"size", size},
                                 {"leaf_hash", B64((*leaves)[0].hash)},
                                 {"root", B64(*root)},
                                 {"proof", B64List(*proof)}});
             });

  router.Add("GET", "/api/v1/ledger/proof/consistency",
             "Consistency proof between the trees of `from` and `to` leaves",
             http::Access::Public(), [store](Request& req) {
               auto p = Params(req, {"from", "to"});
               if (!p.ok()) return Error(p.status());
               if (!p->count("from")) return Error(Status::Invalid("query.from", "is required"));
               auto n = store->LedgerSize();
               if (!n.ok()) return Error(n.status());
               uint64_t from = p->at("from");
               uint64_t to = p->count("to") ? p->at("to") : *n;
               if (from == 0 || from > to) {
                 return Error(Status::Invalid("query.from", "must be between 1 and to"));
               }
               auto proof = store->ConsistencyProof(from, to);
               if (!proof.ok()) return Error(proof.status());
               auto r1 = store->LedgerRoot(from);
               auto r2 = store->LedgerRoot(to);
               if (!r1.ok()) return Error(r1.status());
               if (!r2.ok()) return Error(r2.status());
               return Json(200, {{"from", from}, {"to", to}, {"from_root", B64(*r1)},
                                 {"to_root", B64(*r2)}, {"proof", B64List(*proof)}});
             });

  router.Add("GET", "/api/v1/ledger/leaves", "Leaves [start, end), at most 1000",
             http::Access::AtLeast(security::Role::kViewer), [store, max_leaves](Request& req) {
               auto p = Params(req, {"start", "end"});
               if (!p.ok()) return Error(p.status());
               auto n = store->LedgerSize();
               if (!n.ok()) return Error(n.status());
               uint64_t start = p->count("start") ? p->at("start") : 0;
               uint64_t end = p->count("end") ? p->at("end") : std::min<uint64_t>(*n, start + max_leaves);
               if (end < start) return Error(Status::Invalid("query.end", "must not be below start"));
               if (end - start > static_cast<uint64_t>(max_leaves)) {
                 return Error(Status::Invalid("query.end", "at most " + std::to_string(max_leaves) +
                                                               " leaves per request"));
               }
               auto leaves = store->Leaves(start, end);
               if (!leaves.ok()) return Error(leaves.status());
               json items = json::array();
               for (const auto& e : *leaves) items.push_back(LeafJson(e));
               return Json(200, {{"items", items}, {"size", *n}});
             });

  for (const model::EntitySpec* spec : model::AllEntities()) {
    router.Add("GET", "/api/v1/" + std::string(spec->plural) + "/{id}/history",
               "Every version of one " + std::string(spec->name) +
                   ", with its leaf and inclusion proof",
               http::Access::Records(), [store, spec](Request& req) {
                 if (!req.query.empty()) return Error(Status::Invalid("query", "takes no parameters"));
                 auto id = ParseInt(req.params["id"]);
                 if (!id || *id < 1) return Error(Status::NotFound("no record with this id", "id"));
                 auto versions = store->History(*spec, *id, ViewerOf(req));
                 if (!versions.ok()) return Error(versions.status());
                 auto size = store->LedgerSize();
                 if (!size.ok()) return Error(size.status());
                 auto root = store->LedgerRoot(*size);
                 if (!root.ok()) return Error(root.status());
                 json out = json::array();
                 for (const auto& v : *versions) {
                   auto proof = store->InclusionProof(v.leaf_index, *size);
                   if (!proof.ok()) return Error(proof.status());
                   auto leaf = store->Leaves(v.leaf_index, v.leaf_index + 1);
                   if (!leaf.ok() || leaf->empty()) return Error(Status::Corruption("leaf is missing"));
                   out.push_back({{"version", v.version},
                                  {"operation", ledger::OpName(v.op)},
                                  {"time", FormatTimestamp(static_cast<int64_t>(v.time))},
                                  {"actor", v.actor},
                                  {"content", v.content.empty() ? json() : json(v.content)},
                                  {"content_hash", B64(v.content_hash)},
                                  {"leaf_index", v.leaf_index},
                                  {"leaf", ledger::Base64Encode((*leaf)[0].data)},
                                  {"inclusion_proof", B64List(*proof)}});
                 }
                 return Json(200, {{"entity", spec->name}, {"id", *id}, {"size", *size},
                                   {"root", B64(*root)}, {"versions", out}});
               });
  }
}

}  // namespace dalil::api
