#include "http/api/sensitive.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "base/text.h"
#include "http/api/api.h"
#include "http/api/respond.h"

namespace dalil::api {

using nlohmann::json;
using security::Principal;

json WithholdSensitive(const model::EntitySpec& spec, json record) {
  if (!record.is_object()) return record;
  json withheld = json::array();
  for (const model::Field& f : spec.fields) {
    if (!f.sensitive) continue;
    auto it = record.find(std::string(f.name));
    if (it == record.end()) continue;
    if (!it->is_null()) withheld.push_back(f.name);
    record.erase(it);
  }
  if (!withheld.empty()) {
    std::string reveal = "POST /api/v1/" + std::string(spec.plural) + "/";
    auto id = record.find("id");
    reveal += id != record.end() && id->is_number_integer() ? std::to_string(id->get<int64_t>())
                                                            : "{id}";
    record["withheld"] = {{"fields", std::move(withheld)}, {"reveal", reveal + "/reveal"}};
  }
  return record;
}

Status CanReveal(const Principal& p, const model::EntitySpec& spec, const json& record,
                 int64_t now, int64_t reauth_seconds) {
  (void)record;  // per-record rules (the record's organisation) join here
  auto denied = [](const std::string& message, const char* field) {
    return Status(Code::kPermissionDenied, message, field);
  };
  if (!spec.HasSensitiveFields()) {
    return denied("a " + std::string(spec.name) + " has no sensitive field to reveal", "entity");
  }
  if (!p.AtLeast(kRevealRole)) {
    return denied("revealing identities needs the " + std::string(security::RoleName(kRevealRole)) +
                      " role or higher",
                  "role");
  }
  if (p.method != security::AuthMethod::kSession) {
    return denied("revealing identities needs a signed-in session with a recent password check; "
                  "API tokens cannot reveal",
                  "authorization");
  }
  if (now - p.reauth_at > reauth_seconds) {
    return denied("confirm your password first (POST /api/v1/session/reauth): a reveal needs a "
                  "check in the last " + std::to_string(reauth_seconds) + " seconds",
                  "reauthentication");
  }
  return Status::Ok();
}

namespace {

using http::Request;
using http::Response;

// The sensitive fields a reveal asks for: all of them with no body, or the
// names in {"fields": [...]}, each a sensitive field of the entity.
Result<std::vector<std::string>> RequestedFields(const Request& req, const model::EntitySpec& spec,
                                                 int max_depth) {
  std::vector<std::string> all;
  for (const model::Field& f : spec.fields) {
    if (f.sensitive) all.emplace_back(f.name);
  }
  if (req.body.empty()) return all;
  DALIL_ASSIGN_OR_RETURN(json body, ParseJsonBody(req.body, max_depth));
  if (!body.is_object()) return Status::Invalid("body", "must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    if (key != "fields") return Status::Invalid(key, "is not a parameter of a reveal (fields)");
  }
  auto fields = body.find("fields");
  if (fields == body.end()) return all;
  if (!fields->is_array() || fields->empty()) {
    return Status::Invalid("fields", "must be a non-empty list of sensitive field names");
  }
  std::vector<std::string> out;
  for (const json& name : *fields) {
    if (!name.is_string() ||
        std::find(all.begin(), all.end(), name.get<std::string>()) == all.end()) {
      std::string list;
      for (const std::string& a : all) list += (list.empty() ? "" : ", ") + a;
      return Status::Invalid("fields", "may name only sensitive fields of a " +
                                           std::string(spec.name) + " (" + list + ")");
    }
    if (std::find(out.begin(), out.end(), name.get<std::string>()) == out.end()) {
      out.push_back(name.get<std::string>());
    }
  }
  return out;
}

class RevealHandler {
 public:
  RevealHandler(const model::EntitySpec& spec, store::Store* store, const ApiOptions& options)
      : spec_(spec),
        store_(store),
        accounts_(options.accounts),
        clock_(options.clock ? options.clock : Clock::System()),
        reauth_seconds_(options.auth.reauth_seconds),
        max_depth_(options.max_json_depth) {}

  // POST /api/v1/<plural>/{id}/reveal
  Response Reveal(Request& req) {
    const Principal& p = *req.principal;
    auto id = ParseInt(req.params["id"]);
    if (!id || *id < 1) return ErrorResponse(Status::NotFound("no record with this id", "id"));
    auto fields = RequestedFields(req, spec_, max_depth_);
    if (!fields.ok()) return ErrorResponse(fields.status());
    auto record = store_->Get(spec_, *id);
    if (!record.ok()) return ErrorResponse(record.status());
    if (Status allowed = CanReveal(p, spec_, *record, clock_->NowSeconds(), reauth_seconds_);
        !allowed.ok()) {
      // A refusal is an account event (and so a ledger leaf) too.
      Status audited = accounts_->Audit(p.Actor(), "reveal.refused", p.user_id,
                                        {{"entity", spec_.name}, {"record_id", *id},
                                         {"fields", *fields}, {"reason", allowed.field()}});
      return ErrorResponse(audited.ok() ? allowed : audited);
    }
    store::Reveal r{.user_id = p.user_id, .organisation_id = p.organisation_id,
                    .entity = std::string(spec_.name), .record_id = *id, .fields = *fields};
    // Recorded first: if the ledger cannot record it, nothing is shown.
    auto recorded = accounts_->RecordReveal(r);
    if (!recorded.ok()) return ErrorResponse(recorded.status());
    json values = json::object();
    for (const std::string& f : *fields) values[f] = record->value(f, json());
    return JsonResponse(200, {{"entity", spec_.name},
                              {"id", *id},
                              {"fields", std::move(values)},
                              {"revealed_at", FormatTimestamp(recorded->at)},
                              {"reveal_id", recorded->id},
                              {"ledger_leaf", recorded->leaf}});
  }

 private:
  const model::EntitySpec& spec_;
  store::Store* store_;
  store::AccountStore* accounts_;
  const Clock* clock_;
  int64_t reauth_seconds_;
  int max_depth_;
};

// GET /api/v1/reveals: who saw which identities, when (never a value).
Response ListReveals(store::AccountStore* accounts, const Request& req) {
  std::string entity;
  int64_t record_id = 0, user_id = 0, limit = 100;
  for (const auto& [key, value] : req.query) {
    if (key == "entity") {
      const model::EntitySpec* spec = model::FindEntityByName(value);
      if (spec == nullptr || !spec->HasSensitiveFields()) {
        return ErrorResponse(Status::Invalid("query.entity", "must be person, source or involvement"));
      }
      entity = value;
      continue;
    }
    int64_t* target = key == "record_id" ? &record_id : key == "user_id" ? &user_id
                      : key == "limit"   ? &limit     : nullptr;
    if (target == nullptr) {
      return ErrorResponse(Status::Invalid("query." + key, "is not a parameter of this route"));
    }
    auto n = ParseInt(value);
    if (!n || *n < 1 || (key == "limit" && *n > 1000)) {
      return ErrorResponse(Status::Invalid(
          "query." + key, key == "limit" ? "must be from 1 to 1000" : "must be a positive integer"));
    }
    *target = *n;
  }
  if (entity.empty() != (record_id == 0)) {
    return ErrorResponse(Status::Invalid(entity.empty() ? "query.entity" : "query.record_id",
                                         "entity and record_id go together"));
  }
  auto list = accounts->ListReveals(entity, record_id, user_id, limit);
  if (!list.ok()) return ErrorResponse(list.status());
  json items = json::array();
  for (const store::Reveal& r : *list) {
    items.push_back({{"id", r.id},
                     {"at", FormatTimestamp(r.at)},
                     {"actor", "user:" + std::to_string(r.user_id)},
                     {"user_id", r.user_id},
                     {"organisation_id", r.organisation_id},
                     {"entity", r.entity},
                     {"record_id", r.record_id},
                     {"fields", r.fields}});
  }
  return JsonResponse(200, {{"items", std::move(items)}});
}

}  // namespace

void RegisterRevealRoutes(http::Router& router, store::Store* store, const ApiOptions& options) {
  for (const model::EntitySpec* spec : model::AllEntities()) {
    if (!spec->HasSensitiveFields()) continue;
    auto h = std::make_shared<RevealHandler>(*spec, store, options);
    // The rule is viewer so that a refusal reaches the handler and is
    // audited; CanReveal decides.
    router.Add("POST", "/api/v1/" + std::string(spec->plural) + "/{id}/reveal",
               "Show the sensitive fields of one " + std::string(spec->name) +
                   " (documenter and up, signed in, re-authenticated; recorded in the ledger)",
               security::Access::AtLeast(security::Role::kViewer),
               [h](Request& r) { return h->Reveal(r); });
  }
  store::AccountStore* accounts = options.accounts;
  router.Add("GET", "/api/v1/reveals",
             "Who revealed which sensitive fields of which record, and when (never the values)",
             security::Access::AtLeast(security::Role::kAdmin),
             [accounts](Request& r) { return ListReveals(accounts, r); });
}

}  // namespace dalil::api
