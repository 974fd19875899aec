#include "http/api/sensitive.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/text.h"
#include "http/api/api.h"
#include "http/api/respond.h"

namespace dalil::api {

using nlohmann::json;
using security::Principal;

std::vector<std::string> RevealableFields(const model::EntitySpec& spec) {
  if (spec.name == "evidence") return {std::string(kEvidenceContent)};
  std::vector<std::string> out;
  for (const model::Field& f : spec.fields) {
    if (f.sensitive) out.emplace_back(f.name);
  }
  return out;
}

json WithholdSensitive(const model::EntitySpec& spec, json record) {
  if (!record.is_object()) return record;
  json withheld = json::array();
  for (const std::string& name : RevealableFields(spec)) {
    if (name == kEvidenceContent) {  // not a field: the file, always there
      withheld.push_back(name);
      continue;
    }
    auto it = record.find(name);
    if (it == record.end()) continue;
    if (!it->is_null()) withheld.push_back(name);
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

namespace {

// The organisation owning `record`: its own owner, or for a record that
// follows its incident (an involvement) the incident's.
Result<std::optional<int64_t>> OwnerOrganisation(store::Store& store,
                                                 const model::EntitySpec& spec,
                                                 const json& record) {
  auto owner_of = [](const json& r) -> std::optional<int64_t> {
    auto it = r.find("owner_organisation_id");
    if (it == r.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int64_t>();
  };
  if (spec.IsOwned()) return owner_of(record);
  auto incident = record.find("incident_id");
  if (incident == record.end() || !incident->is_number_integer()) {
    return std::optional<int64_t>();
  }
  DALIL_ASSIGN_OR_RETURN(json parent, store.Get(*model::FindEntityByName("incident"),
                                                incident->get<int64_t>()));
  return owner_of(parent);
}

}  // namespace

Status CanReveal(const Principal& p, const model::EntitySpec& spec, std::optional<int64_t> owner,
                 int64_t now, int64_t reauth_seconds) {
  auto denied = [](const std::string& message, const char* field) {
    return Status(Code::kPermissionDenied, message, field);
  };
  if (RevealableFields(spec).empty()) {
    return denied("a " + std::string(spec.name) + " has no sensitive field to reveal", "entity");
  }
  if (!p.AtLeast(kRevealRole)) {
    return denied("revealing identities or evidence files needs the " +
                      std::string(security::RoleName(kRevealRole)) + " role or higher",
                  "role");
  }
  if (!owner || *owner != p.organisation_id) {
    return denied("only the organisation that owns this record may reveal its identities or "
                  "evidence files",
                  "organisation");
  }
  if (p.method != security::AuthMethod::kSession) {
    return denied("revealing identities or evidence files needs a signed-in session with a "
                  "recent password check; API tokens cannot reveal",
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

// What a reveal asks for: everything revealable with no body, or the names
// in {"fields": [...]}, each revealable (RevealableFields).
Result<std::vector<std::string>> RequestedFields(const Request& req, const model::EntitySpec& spec,
                                                 int max_depth) {
  const std::vector<std::string> all = RevealableFields(spec);
  if (req.body.empty()) return all;
  DALIL_ASSIGN_OR_RETURN(json body, ParseJsonBody(req.body, max_depth));
  if (!body.is_object()) return Status::Invalid("body", "must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    if (key != "fields") return Status::Invalid(key, "is not a parameter of a reveal (fields)");
  }
  auto fields = body.find("fields");
  if (fields == body.end()) return all;
  if (!fields->is_array() || fields->empty()) {
    return Status::Invalid("fields", "must be a non-empty list of names to reveal");
  }
  std::vector<std::string> out;
  for (const json& name : *fields) {
    if (!name.is_string() ||
        std::find(all.begin(), all.end(), name.get<std::string>()) == all.end()) {
      std::string list;
      for (const std::string& a : all) list += (list.empty() ? "" : ", ") + a;
      return Status::Invalid("fields", "may name only what a reveal of " + std::string(spec.plural) +
                                           " shows: " + list);
    }
    if (std::find(out.begin(), out.end(), name.get<std::string>()) == out.end()) {
      out.push_back(name.get<std::string>());
    }
  }
  return out;
}

// Media types that browsers may render inline without risk of running
// script; any other evidence file is served as an opaque download.
bool IsSafeInlineType(const std::string& t) {
  static const char* kSafe[] = {"image/png", "image/jpeg", "image/gif",
                                "image/webp", "application/pdf", "audio/mpeg",
                                "audio/ogg", "video/mp4", "video/webm",
                                "text/plain"};
  return std::any_of(std::begin(kSafe), std::end(kSafe),
                     [&](const char* s) { return t == s; });
}

// The per-account limits on reveals (docs/security.md 14, "Limits"): one
// rate for reveals CanReveal allows, one for those it refuses, so neither
// bulk reveals nor refusals (each an audit row and a ledger leaf) run at
// request rate. Thread safe.
class RevealLimits {
 public:
  RevealLimits(security::Rate reveals, store::AccountStore* accounts)
      : reveals_(reveals), refusals_(kRefusedRevealRate), accounts_(accounts) {}

  // Admits one attempt by `p` at `now`; `allowed` is CanReveal's answer and
  // `what` the attempt (entity, record_id, fields). Over the limit: counts
  // the attempt and returns the 429 answer. The count reaches the audit
  // trail as "reveal.throttled" rows, at most one per account every
  // kThrottledRowSeconds: the first throttled attempt of such a spell
  // writes one with the count so far (this attempt included); a count left
  // over is written by the account's next attempt once the spell has passed,
  // throttled or not. An audit row that cannot be written is the answer
  // (nothing is shown) and its count is kept.
  std::optional<Response> Admit(const Principal& p, bool allowed, const json& what, int64_t now) {
    const int64_t wait = (allowed ? reveals_ : refusals_).Take(p.user_id, now);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = throttled_.find(p.user_id);
    if (wait == 0) {
      if (it == throttled_.end() || now - it->second.written_at < kThrottledRowSeconds) {
        return std::nullopt;
      }
      if (it->second.unwritten == 0) {
        throttled_.erase(it);
        return std::nullopt;
      }
      return WriteRow(p, it->second, {{"count", it->second.unwritten}}, now);
    }
    if (it == throttled_.end()) it = throttled_.emplace(p.user_id, Throttled{}).first;
    Throttled& t = it->second;
    ++t.unwritten;
    if (now - t.written_at >= kThrottledRowSeconds) {
      json detail = what;
      detail["count"] = t.unwritten;
      detail["limit"] = allowed ? "reveals" : "refusals";
      detail["retry_after"] = wait;
      if (auto failed = WriteRow(p, t, std::move(detail), now)) return failed;
    }
    Response r = http::ErrorResponse(
        429, "too_many_reveals",
        std::string(allowed ? "too many reveals from this account"
                            : "too many refused reveals from this account") +
            "; try again in " + std::to_string(wait) + " seconds");
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    return r;
  }

 private:
  struct Throttled {
    int64_t unwritten = 0;  // throttled attempts not yet in a row
    int64_t written_at = std::numeric_limits<int64_t>::min() / 2;  // the last row
  };

  std::optional<Response> WriteRow(const Principal& p, Throttled& t, json detail, int64_t now) {
    Status s = accounts_->Audit(p.Actor(), "reveal.throttled", p.user_id, detail);
    if (!s.ok()) return ErrorResponse(s);
    t.unwritten = 0;
    t.written_at = now;
    return std::nullopt;
  }

  security::RateLimiter reveals_;
  security::RateLimiter refusals_;
  store::AccountStore* accounts_;
  std::mutex mu_;
  std::unordered_map<int64_t, Throttled> throttled_;  // guarded by mu_
};

class RevealHandler {
 public:
  RevealHandler(const model::EntitySpec& spec, store::Store* store, const store::BlobStore* blobs,
                std::shared_ptr<RevealLimits> limits, const ApiOptions& options)
      : spec_(spec),
        store_(store),
        blobs_(blobs),
        limits_(std::move(limits)),
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
    // A record the caller may not see answers as a missing one.
    auto record = store_->Get(spec_, *id, ViewerOf(req));
    if (!record.ok()) return ErrorResponse(record.status());
    auto owner = OwnerOrganisation(*store_, spec_, *record);
    if (!owner.ok()) return ErrorResponse(owner.status());
    const int64_t now = clock_->NowSeconds();
    const Status allowed = CanReveal(p, spec_, *owner, now, reauth_seconds_);
    const json what = {{"entity", spec_.name}, {"record_id", *id}, {"fields", *fields}};
    if (auto limited = limits_->Admit(p, allowed.ok(), what, now)) return *std::move(limited);
    if (!allowed.ok()) {
      // A refusal is an account event (and so a ledger leaf) too.
      json detail = what;
      detail["reason"] = allowed.field();
      Status audited = accounts_->Audit(p.Actor(), "reveal.refused", p.user_id, detail);
      return ErrorResponse(audited.ok() ? allowed : audited);
    }
    // An evidence file is read (and its hash checked) before the reveal is
    // recorded, so a reveal on record always showed something.
    std::string file;
    if (spec_.name == "evidence") {
      auto bytes = blobs_->Get(record->value("sha256", std::string()));
      if (!bytes.ok()) return ErrorResponse(bytes.status());
      file = std::move(bytes).value();
    }
    store::Reveal r{.user_id = p.user_id, .organisation_id = p.organisation_id,
                    .entity = std::string(spec_.name), .record_id = *id, .fields = *fields};
    // Recorded first: if the ledger cannot record it, nothing is shown.
    auto recorded = accounts_->RecordReveal(r);
    if (!recorded.ok()) return ErrorResponse(recorded.status());
    if (spec_.name == "evidence") return FileResponse(*record, *recorded, std::move(file));
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
  // The file as a download: never rendered as HTML or script (the server
  // adds nosniff and no-store to every response), with its hash and the
  // reveal that let it out.
  static Response FileResponse(const json& record, const store::Reveal& reveal, std::string file) {
    Response r;
    const std::string media = record.value("media_type", std::string());
    r.content_type = IsSafeInlineType(media) ? media : "application/octet-stream";
    r.body = std::move(file);
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"evidence-" +
                                                      std::to_string(reveal.record_id) + "\"");
    r.headers.emplace_back("Digest", "sha-256=" + record.value("sha256", std::string()));
    r.headers.emplace_back("Dalil-Reveal-Id", std::to_string(reveal.id));
    r.headers.emplace_back("Dalil-Ledger-Leaf", std::to_string(reveal.leaf));
    return r;
  }

  const model::EntitySpec& spec_;
  store::Store* store_;
  const store::BlobStore* blobs_;
  std::shared_ptr<RevealLimits> limits_;
  store::AccountStore* accounts_;
  const Clock* clock_;
  int64_t reauth_seconds_;
  int max_depth_;
};

// GET /api/v1/reveals: who saw which identities and files, when (never a
// value).
Response ListReveals(store::AccountStore* accounts, const Request& req) {
  std::string entity;
  int64_t record_id = 0, user_id = 0, limit = 100;
  for (const auto& [key, value] : req.query) {
    if (key == "entity") {
      const model::EntitySpec* spec = model::FindEntityByName(value);
      if (spec == nullptr || RevealableFields(*spec).empty()) {
        return ErrorResponse(
            Status::Invalid("query.entity", "must be person, source, involvement or evidence"));
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

void RegisterRevealRoutes(http::Router& router, store::Store* store,
                          const store::BlobStore* blobs, const ApiOptions& options) {
  // One set of limits for every kind of reveal: an account's reveals of
  // persons, sources, involvements and files count together.
  auto limits = std::make_shared<RevealLimits>(options.auth.reveal_rate, options.accounts);
  for (const model::EntitySpec* spec : model::AllEntities()) {
    if (RevealableFields(*spec).empty()) continue;
    auto h = std::make_shared<RevealHandler>(*spec, store, blobs, limits, options);
    const std::string summary =
        spec->name == "evidence"
            ? "Download one evidence file (documenter and up, signed in, re-authenticated; "
              "recorded in the ledger)"
            : "Show the sensitive fields of one " + std::string(spec->name) +
                  " (documenter and up, signed in, re-authenticated; recorded in the ledger)";
    // The rule is viewer so that a refusal reaches the handler and is
    // audited; CanReveal decides.
    router.Add("POST", "/api/v1/" + std::string(spec->plural) + "/{id}/reveal", summary,
               security::Access::AtLeast(security::Role::kViewer),
               [h](Request& r) { return h->Reveal(r); });
  }
  store::AccountStore* accounts = options.accounts;
  router.Add("GET", "/api/v1/reveals",
             "Who revealed which sensitive fields or files of which record, and when (never the values)",
             security::Access::AtLeast(security::Role::kAdmin),
             [accounts](Request& r) { return ListReveals(accounts, r); });
}

}  // namespace dalil::api
