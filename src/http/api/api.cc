#include "http/api/api.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <memory>

#include "base/error_map.h"
#include "base/text.h"
#include "figures/duplicate_persons.h"
#include "figures/query.h"
#include "figures/render.h"
#include "figures/vague.h"
#include "http/api/respond.h"
#include "http/api/sensitive.h"

namespace dalil::embedded {
std::string_view index_html();
std::string_view style_css();
}  // namespace dalil::embedded

namespace dalil::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

using security::Access;
using security::Role;

Response Error(const Status& s) { return ErrorResponse(s); }

// The ledger actor of a write: "user:<id>" of the caller (the router set the
// principal, since no write route is public).
std::string ActorOf(const Request& req) {
  return req.principal ? req.principal->Actor() : std::string("anonymous");
}

bool IsReviewDecision(const json& v) {
  return v.is_string() && (v == "verified" || v == "disputed" || v == "rejected");
}

// Field-level rules below the route's documenter rule: deciding a review
// (an incident's review_status to or from verified, disputed or rejected)
// and merging persons (merged_into_id) are for reviewers and up.
// `current` is null on create.
Status CheckFieldRules(const Request& req, const model::EntitySpec& spec, const json& body,
                       const json* current) {
  if (req.principal && req.principal->AtLeast(Role::kReviewer)) return Status::Ok();
  if (!body.is_object()) return Status::Ok();
  auto changed = [&](const char* field) {
    auto it = body.find(field);
    if (it == body.end()) return false;
    const json before = current ? current->value(field, json()) : json();
    return *it != before;
  };
  auto denied = [](const char* field, const char* what) {
    return Status(Code::kPermissionDenied, std::string(what) + " needs the reviewer role or higher",
                  field);
  };
  if (spec.name == "incident" && changed("review_status")) {
    const json before = current ? current->value("review_status", json()) : json();
    if (IsReviewDecision(body["review_status"]) || IsReviewDecision(before)) {
      return denied("review_status", "deciding a review (verified, disputed, rejected)");
    }
  }
  // Publishing: making a record public, or taking it back, is a reviewer's decision.
  if (spec.IsOwned() && changed("visibility")) {
    const json before = current ? current->value("visibility", json()) : json();
    if (body["visibility"] == "public" || before == "public") {
      return denied("visibility", "publishing (visibility public, or withdrawing it)");
    }
  }
  if (spec.name == "person" && changed("merged_into_id") &&
      !(current == nullptr && body["merged_into_id"].is_null())) {
    return denied("merged_into_id", "merging persons");
  }
  return Status::Ok();
}

Result<int64_t> ParseId(const Request& req) {
  auto it = req.params.find("id");
  auto id = it == req.params.end() ? std::nullopt : ParseInt(it->second);
  if (!id || *id < 1) return Status::NotFound("no record with this id", "id");
  return *id;
}

Result<std::optional<int64_t>> ParseVersionParam(const Request& req) {
  auto v = req.Query("version");
  if (!v) return std::optional<int64_t>();
  auto n = ParseInt(*v);
  if (!n || *n < 1) return Status::Invalid("query.version", "must be a positive integer");
  return std::optional<int64_t>(*n);
}

// Writes take application/json only: a browser cannot send that type to
// another site without a CORS preflight (which Dalil never grants), so a
// page elsewhere cannot forge a write with a plain HTML form. An empty body
// is left to ParseJsonBody, which names the body.
bool IsJsonContentType(const Request& req) {
  if (req.body.empty()) return true;
  auto ct = req.Header("content-type");
  if (!ct) return false;
  std::string v = *ct;
  std::transform(v.begin(), v.end(), v.begin(), ::tolower);
  return v == "application/json" || v.rfind("application/json;", 0) == 0;
}

// A claim may be entered by its wording alone: with no count_min, the
// quote ("dozens injured", "أكثر من ٢٦٠ جريحاً", "10-12") is read the way
// ACLED codes vague numbers (figures/vague.h) into count_min and count_max.
Status CountFromWording(json& body) {
  if (!body.is_object() || body.contains("count_min")) return Status::Ok();
  auto quote = body.find("quote");
  if (quote == body.end() || !quote->is_string()) return Status::Ok();  // validation names count_min
  // Quotes name what was counted after the number ("dozens injured",
  // "أكثر من ٢٦٠ جريحاً"): drop trailing words until the rest reads as a
  // count, but never a word holding a digit, so "10 killed and 5 injured"
  // is refused rather than read as 10.
  const std::string text = quote->get<std::string>();
  std::string rest = text;
  auto range = figures::ParseCount(rest);
  while (!range.ok()) {
    const size_t cut = rest.find_last_of(' ');
    if (cut == std::string::npos) break;
    const std::string word = rest.substr(cut + 1);
    bool digit = false;
    for (size_t i = 0; i < word.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(word[i]);
      // ASCII digits, and Arabic-Indic / Eastern digits (U+0660..U+0669, U+06F0..U+06F9).
      if (std::isdigit(c)) digit = true;
      if ((c == 0xD9 || c == 0xDB) && i + 1 < word.size()) {
        const unsigned char n = static_cast<unsigned char>(word[i + 1]);
        if ((c == 0xD9 && n >= 0xA0 && n <= 0xA9) || (c == 0xDB && n >= 0xB0 && n <= 0xB9)) digit = true;
      }
    }
    if (digit) break;
    rest = rest.substr(0, cut);
    range = figures::ParseCount(rest);
  }
  if (!range.ok()) {
    return Status::Invalid("quote", "cannot read a count in \"" + text +
                                        "\"; give count_min and count_max");
  }
  if (body.contains("count_max")) {
    return Status::Invalid("count_max", "give count_min too, or only the quote");
  }
  body["count_min"] = range->min;
  body["count_max"] = range->max ? json(*range->max) : json();
  return Status::Ok();
}

class EntityHandlers {
 public:
  EntityHandlers(const model::EntitySpec& spec, store::Store* store,
                 const ApiOptions& opts)
      : spec_(spec), store_(store), opts_(opts) {}

  Response List(Request& req) {
    auto q = ParseListQuery(req);
    if (!q.ok()) return Error(q.status());
    q->viewer = ViewerOf(req);
    auto r = store_->List(spec_, *q);
    if (!r.ok()) return Error(r.status());
    json items = json::array();
    for (auto& it : r->items) items.push_back(WithholdSensitive(spec_, std::move(it)));
    return JsonResponse(200, {{"items", std::move(items)},
                              {"total", r->total},
                              {"limit", q->limit},
                              {"offset", q->offset}});
  }

  Response Get(Request& req) {
    auto id = ParseId(req);
    if (!id.ok()) return Error(id.status());
    auto r = store_->Get(spec_, *id, ViewerOf(req));
    if (!r.ok()) return Error(r.status());
    return JsonResponse(200, WithholdSensitive(spec_, std::move(r).value()));
  }

  Response Create(Request& req) {
    if (!IsJsonContentType(req)) {
      return Error(Status::Invalid("content-type", "must be application/json"));
    }
    auto body = ParseJsonBody(req.body, opts_.max_json_depth);
    if (!body.ok()) return Error(body.status());
    if (spec_.name == "claim") {
      Status s = CountFromWording(*body);
      if (!s.ok()) return Error(s);
    }
    if (Status s = CheckFieldRules(req, spec_, *body, nullptr); !s.ok()) return Error(s);
    auto r = WriteOne(req, [&](store::WriteTxn& txn) { return txn.Create(spec_, *body); });
    if (!r.ok()) return Error(r.status());
    Response resp = JsonResponse(201, WithholdSensitive(spec_, *r));
    resp.headers.emplace_back("Location", "/api/v1/" + std::string(spec_.plural) + "/" +
                                              std::to_string((*r)["id"].get<int64_t>()));
    return resp;
  }

  Response Update(Request& req) {
    auto id = ParseId(req);
    if (!id.ok()) return Error(id.status());
    if (!IsJsonContentType(req)) {
      return Error(Status::Invalid("content-type", "must be application/json"));
    }
    auto body = ParseJsonBody(req.body, opts_.max_json_depth);
    if (!body.ok()) return Error(body.status());
    if (!body->is_object()) return Error(Status::Invalid("body", "must be a JSON object"));
    auto r = WriteOne(req, [&](store::WriteTxn& txn) -> Result<json> {
      // Read in the write transaction, as the writer: a hidden record is 404.
      DALIL_ASSIGN_OR_RETURN(json current, txn.Get(spec_, *id));
      DALIL_RETURN_IF_ERROR(CheckFieldRules(req, spec_, *body, &current));
      return txn.Update(spec_, *id, *body);
    });
    if (!r.ok()) return Error(r.status());
    return JsonResponse(200, WithholdSensitive(spec_, std::move(r).value()));
  }

  Response Delete(Request& req) {
    auto id = ParseId(req);
    if (!id.ok()) return Error(id.status());
    auto version = ParseVersionParam(req);
    if (!version.ok()) return Error(version.status());
    Status s = store_->WriteAs(ActorOf(req), ViewerOf(req), [&](store::WriteTxn& txn) {
      return txn.Delete(spec_, *id, *version);
    });
    if (!s.ok()) return Error(s);
    Response resp;
    resp.status = 204;
    resp.content_type.clear();
    return resp;
  }

 private:
  bool IsIncident() const { return spec_.name == "incident"; }

  // One write transaction as the caller (ownership rules in the store).
  Result<json> WriteOne(const Request& req,
                        const std::function<Result<json>(store::WriteTxn&)>& fn) {
    json out;
    Status s = store_->WriteAs(ActorOf(req), ViewerOf(req), [&](store::WriteTxn& txn) -> Status {
      DALIL_ASSIGN_OR_RETURN(out, fn(txn));
      return Status::Ok();
    });
    if (!s.ok()) return s;
    return out;
  }

  Result<store::ListQuery> ParseListQuery(const Request& req) {
    store::ListQuery q;
    q.limit = opts_.default_page_size;
    std::vector<std::string> seen;
    for (const auto& [key, value] : req.query) {
      const std::string field = "query." + key;
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        return Status::Invalid(field, "is given more than once");
      }
      seen.push_back(key);
      if (!IsValidUtf8(value)) return Status::Invalid(field, "is not valid UTF-8");
      if (key == "limit" || key == "offset") {
        auto n = ParseInt(value);
        if (!n || *n < 0 || (key == "limit" && (*n < 1 || *n > opts_.max_page_size))) {
          return Status::Invalid(field, key == "limit"
                                            ? "must be between 1 and " +
                                                  std::to_string(opts_.max_page_size)
                                            : "must be a non-negative integer");
        }
        (key == "limit" ? q.limit : q.offset) = *n;
      } else if (key == "sort") {
        std::string s = value;
        if (!s.empty() && s[0] == '-') {
          q.descending = true;
          s.erase(0, 1);
        }
        const model::Field* f = spec_.FindField(s);
        if (!model::IsSystemField(s) && !(f && f->sortable)) {
          return Status::Invalid(field, "cannot sort " + std::string(spec_.plural) +
                                            " by this field");
        }
        q.sort = s;
      } else if (key == "place" && (IsIncident() || spec_.name == "place")) {
        DALIL_ASSIGN_OR_RETURN(int64_t p, store_->ResolvePlace(value));
        q.within_place = p;
      } else if ((key == "from" || key == "to") && IsIncident()) {
        if (!ParseDate(value)) {
          return Status::Invalid(field, "is not a date that exists (want YYYY-MM-DD)");
        }
        (key == "from" ? q.from : q.to) = value;
      } else if (key == "actor" && IsIncident()) {
        auto n = ParseInt(value);
        if (!n || *n < 1) return Status::Invalid(field, "must be an actor id");
        q.actor = *n;
      } else {
        // "status" is the short name of review_status in incident lists.
        std::string name = (key == "status" && IsIncident()) ? "review_status" : key;
        const model::Field* f = spec_.FindField(name);
        if (f == nullptr || !f->filterable) {
          return Status::Invalid(field, "is not a parameter of /api/v1/" +
                                            std::string(spec_.plural));
        }
        auto v = model::ParseFilterValue(*f, value);
        if (!v.ok()) return Status::Invalid(field, v.status().message());
        q.equals.emplace_back(name, *v);
      }
    }
    if (q.from && q.to && *ParseDate(*q.to) < *ParseDate(*q.from)) {
      return Status::Invalid("query.to", "must not be before from");
    }
    return q;
  }

  const model::EntitySpec& spec_;
  store::Store* store_;
  ApiOptions opts_;
};

class EvidenceHandlers {
 public:
  EvidenceHandlers(store::Store* store, const store::BlobStore* blobs)
      : store_(store), blobs_(blobs) {}

  // POST /api/v1/evidence: the raw file is the body; metadata comes in the
  // query (name, incident_id, source_id, description) and Content-Type.
  Response Upload(Request& req) {
    if (req.body.empty()) return Error(Status::Invalid("body", "the file is empty"));
    json meta = json::object();
    for (const auto& [key, value] : req.query) {
      if (!IsValidUtf8(value)) return Error(Status::Invalid("query." + key, "is not valid UTF-8"));
      if (key == "name") {
        meta["original_name"] = value;
      } else if (key == "description") {
        meta["description"] = value;
      } else if (key == "incident_id" || key == "source_id") {
        auto n = ParseInt(value);
        if (!n) return Error(Status::Invalid("query." + key, "must be an integer"));
        meta[key] = *n;
      } else {
        return Error(Status::Invalid("query." + key, "is not a parameter of evidence upload"));
      }
    }
    std::string media = req.Header("content-type").value_or("application/octet-stream");
    if (!IsValidUtf8(media) || media.size() > 200) {
      return Error(Status::Invalid("content-type", "is not a valid media type"));
    }
    meta["media_type"] = media;
    // The bytes are stored (and fsynced) before the record that names them,
    // so a record never points at a missing file.
    auto sha = blobs_->Put(req.body);
    if (!sha.ok()) return Error(sha.status());
    auto existing = store_->List(*model::FindEntityByName("evidence"),
                                 {.equals = {{"sha256", *sha}}, .limit = 1, .viewer = ViewerOf(req)});
    if (!existing.ok()) return Error(existing.status());
    if (!existing->items.empty()) {
      return JsonResponse(200, WithholdSensitive(*model::FindEntityByName("evidence"),
                                                 existing->items[0]));
    }
    meta["sha256"] = *sha;
    meta["size"] = static_cast<int64_t>(req.body.size());
    json created;
    Status s = store_->WriteAs(ActorOf(req), ViewerOf(req), [&](store::WriteTxn& txn) -> Status {
      DALIL_ASSIGN_OR_RETURN(created, txn.Create(*model::FindEntityByName("evidence"), meta,
                                                 model::Writer::kServer));
      return Status::Ok();
    });
    Result<json> r = s.ok() ? Result<json>(std::move(created)) : Result<json>(s);
    if (!r.ok()) return Error(r.status());
    Response resp = JsonResponse(201, WithholdSensitive(*model::FindEntityByName("evidence"), *r));
    resp.headers.emplace_back("Location",
                              "/api/v1/evidence/" + std::to_string((*r)["id"].get<int64_t>()));
    return resp;
  }

 private:
  store::Store* store_;
  const store::BlobStore* blobs_;
};

}  // namespace

Result<json> ParseJsonBody(const std::string& body, int max_depth) {
  if (body.empty()) return Status::Invalid("body", "is empty; a JSON object is expected");
  if (!IsValidUtf8(body)) return Status::Invalid("body", "is not valid UTF-8");
  // Check depth before parsing so a hostile body cannot exhaust the stack.
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') {
      if (++depth > max_depth) {
        return Status::Invalid("body", "nests deeper than " + std::to_string(max_depth) +
                                           " levels");
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    // Re-parse with exceptions only to learn where it broke.
    try {
      json ignored = json::parse(body);
      (void)ignored;
    } catch (const json::parse_error& e) {
      return Status::Invalid("body", "is not valid JSON (error at byte " +
                                         std::to_string(e.byte) + ")");
    }
    return Status::Invalid("body", "is not valid JSON");
  }
  return j;
}

void RegisterRoutes(http::Router& router, store::Store* store,
                    const store::BlobStore* blobs, ApiOptions options) {
  for (const model::EntitySpec* spec : model::AllEntities()) {
    auto h = std::make_shared<EntityHandlers>(*spec, store, options);
    const std::string base = "/api/v1/" + std::string(spec->plural);
    const std::string name(spec->name);
    router.Add("GET", base, "List " + std::string(spec->plural), Access::Records(),
               [h](Request& r) { return h->List(r); });
    router.Add("GET", base + "/{id}", "Get one " + name, Access::Records(),
               [h](Request& r) { return h->Get(r); });
    router.Add("PATCH", base + "/{id}", "Change fields of one " + name,
               Access::AtLeast(Role::kDocumenter), [h](Request& r) { return h->Update(r); });
    router.Add("DELETE", base + "/{id}", "Delete one " + name,
               Access::AtLeast(Role::kReviewer), [h](Request& r) { return h->Delete(r); });
    if (spec->name == "evidence") {
      auto e = std::make_shared<EvidenceHandlers>(store, blobs);
      // Its contents come back only through a reveal (RegisterRevealRoutes).
      router.AddUpload("POST", base, "Upload an evidence file (raw body)",
                       Access::AtLeast(Role::kDocumenter), [e](Request& r) { return e->Upload(r); });
    } else {
      router.Add("POST", base, "Create a " + name, Access::AtLeast(Role::kDocumenter),
                 [h](Request& r) { return h->Create(r); });
    }
  }
  RegisterLedgerRoutes(router, store, options);
  RegisterImportRoutes(router, store, blobs, options);
  RegisterAuthRoutes(router, options.accounts, options);
  RegisterRevealRoutes(router, store, blobs, options);
  router.Add("GET", "/api/v1/figures",
             "Casualty figures from verified records, with the records behind them",
             Access::Records(), [store, options](Request& req) {
               // digits=western|arabic-indic chooses the Arabic phrase's digits.
               std::vector<std::pair<std::string, std::string>> params;
               figures::RenderOptions render;
               for (const auto& [k, v] : req.query) {
                 if (k != "digits") {
                   params.emplace_back(k, v);
                 } else if (v == "western") {
                   render.arabic_digits = figures::Digits::kWestern;
                 } else if (v != "arabic-indic") {
                   return Error(Status::Invalid("query.digits", "must be western or arabic-indic"));
                 }
               }
               auto request = figures::ParseFigureRequest(*store, params, options.figure_rules);
               if (!request.ok()) return Error(request.status());
               request->filter.viewer = ViewerOf(req);
               auto groups = figures::ComputeFigures(*store, *request);
               if (!groups.ok()) return Error(groups.status());
               return JsonResponse(200, {{"groups", figures::FiguresJson(*groups, render)}});
             });
  router.Add("GET", "/api/v1/persons/duplicates",
             "Pairs of person records that may be one person, with the reasons (for reviewers)",
             Access::AtLeast(Role::kViewer), [store](Request& req) {
               double threshold = figures::kDefaultDuplicateThreshold;
               for (const auto& [k, v] : req.query) {
                 if (k != "threshold") {
                   return Error(Status::Invalid("query." + k, "is not a parameter of this route"));
                 }
                 char* end = nullptr;
                 threshold = std::strtod(v.c_str(), &end);
                 if (v.empty() || *end != '\0' || !(threshold >= 0 && threshold <= 1)) {
                   return Error(Status::Invalid("query.threshold", "must be a number from 0 to 1"));
                 }
               }
               auto found = figures::SuggestPersonDuplicates(*store, threshold, ViewerOf(req));
               if (!found.ok()) return Error(found.status());
               json items = json::array();
               for (const auto& c : *found) {
                 items.push_back({{"person_a", c.a}, {"person_b", c.b}, {"score", c.score},
                                  {"reasons", c.reasons_without_names}});
               }
               return JsonResponse(200, {{"items", items}, {"threshold", threshold}});
             });
  router.Add("GET", "/api/v1/event-types", "ACLED event and sub-event types", Access::Public(),
             [](Request&) {
               json out = json::array();
               for (const auto& et : model::EventTypes()) {
                 json subs = json::array();
                 for (auto s : et.sub_types) subs.push_back(s);
                 out.push_back({{"event_type", et.type}, {"sub_event_types", subs}});
               }
               return JsonResponse(200, {{"items", out}});
             });
  router.Add("GET", "/api/v1/health", "Liveness and schema version", Access::Public(),
             [store, options](Request&) {
               auto v = store->SchemaVersion();
               if (!v.ok()) return Error(v.status());
               return JsonResponse(200, {{"status", "ok"},
                                         {"version", options.version},
                                         {"schema_version", *v}});
             });
  // The landing page: static, Arabic first, no script.
  router.Add("GET", "/", "Landing page", Access::Public(), [](Request&) {
    Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::string(embedded::index_html());
    return r;
  });
  router.Add("GET", "/static/style.css", "Style sheet", Access::Public(), [](Request&) {
    Response r;
    r.content_type = "text/css; charset=utf-8";
    r.body = std::string(embedded::style_css());
    r.headers.emplace_back("Cache-Control", "public, max-age=3600");
    return r;
  });
  router.Add("GET", "/api/v1/openapi.json", "This API's OpenAPI 3 document", Access::Public(),
             [](Request&) {
               Response r;
               r.body = std::string(OpenApiDocument());
               return r;
             });
}

}  // namespace dalil::api
