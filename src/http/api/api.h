// The JSON API v1: CRUD for every entity of model/schema.h under
// /api/v1/<plural>, evidence upload (its contents come back only through a
// reveal, sensitive.h), the OpenAPI document and
// a health check. Handlers are thin: parse, call the Store, render.
#ifndef DALIL_HTTP_API_API_H_
#define DALIL_HTTP_API_API_H_

#include <string>

#include <nlohmann/json.hpp>

#include "figures/counting.h"
#include "http/router.h"
#include "ledger/checkpoint.h"
#include "security/password.h"
#include "security/rate_limit.h"
#include "store/accounts.h"
#include "store/blob_store.h"
#include "store/store.h"

namespace dalil::api {

// Sessions and passwords (dalil.toml [accounts]; docs/security.md).
struct AuthOptions {
  int64_t idle_timeout_seconds = 15 * 60;      // a session unused this long ends (ASVS L3)
  int64_t session_lifetime_seconds = 12 * 3600;  // and ends this long after login
  int64_t reauth_seconds = 5 * 60;             // a password check counts this long
  int64_t max_token_days = 365;
  security::HashCost hash_cost = security::kDefaultCost;  // new hashes; older ones rehashed at login
  std::string totp_issuer = "Dalil";
  // Reveals (identities, evidence files) per account: a burst, then one
  // every interval (docs/security.md 14, "Limits"); interval 0: no limit.
  security::Rate reveal_rate{.burst = 60, .interval_seconds = 10};
};

struct ApiOptions {
  int max_json_depth = 32;     // deeper bodies get 400
  int64_t max_page_size = 500;
  int64_t default_page_size = 50;
  std::string version;         // reported by /api/v1/health
  // The ledger's signing key, for checkpoints signed on demand; when null
  // the checkpoint route serves the latest stored one. Must outlive the
  // router.
  const ledger::SigningKey* signing_key = nullptr;
  int64_t max_leaves_per_page = 1000;
  figures::Rules figure_rules;  // credible reliability, sources for non-provisional
  // The account tables; when null no caller can be identified and only
  // public routes answer. Must outlive the router.
  store::AccountStore* accounts = nullptr;
  AuthOptions auth;
  const Clock* clock = nullptr;  // sessions and throttling; the system clock when null
  // A private directory (0700) where exports are written before they are
  // sent, so a response never holds a whole export in memory; each file is
  // unlinked as soon as it is open. Empty: exports are built in memory.
  std::string scratch_dir;
};

// Registers every route. `store` and `blobs` must outlive the router.
void RegisterRoutes(http::Router& router, store::Store* store,
                    const store::BlobStore* blobs, ApiOptions options);

// The ledger routes (/api/v1/ledger/... and /api/v1/<plural>/{id}/history);
// called by RegisterRoutes.
void RegisterLedgerRoutes(http::Router& router, store::Store* store,
                          const ApiOptions& options);

// POST /api/v1/imports, GET /api/v1/imports/{id}, GET /api/v1/export
// (import_api.cc); called by RegisterRoutes.
void RegisterImportRoutes(http::Router& router, store::Store* store,
                          const store::BlobStore* blobs, const ApiOptions& options);
// The account routes (/api/v1/session, sessions, me/..., tokens, users,
// organisations) and the router's caller identification; called by
// RegisterRoutes.
void RegisterAuthRoutes(http::Router& router, store::AccountStore* accounts,
                        const ApiOptions& options);

// POST /api/v1/<plural>/{id}/reveal for every entity with sensitive fields
// and for evidence files (read from `blobs`), and GET /api/v1/reveals
// (sensitive.cc); called by RegisterRoutes.
void RegisterRevealRoutes(http::Router& router, store::Store* store,
                          const store::BlobStore* blobs, const ApiOptions& options);

// The login_throttle key of a user's failure counter; the CLI clears it when
// it resets a password.
std::string AccountKey(int64_t user_id);

// The OpenAPI 3 document describing the routes of `router` (generated from
// the route table and the entity tables). docs/openapi.json is its output,
// committed; OpenApiDocument() is that committed file, served as is.
nlohmann::json BuildOpenApi(const http::Router& router);
std::string_view OpenApiDocument();

// Parses a request body as JSON: checks size was enforced upstream, then
// valid UTF-8, nesting depth, syntax. Errors name "body" and say why.
Result<nlohmann::json> ParseJsonBody(const std::string& body, int max_depth);

}  // namespace dalil::api

#endif  // DALIL_HTTP_API_API_H_
