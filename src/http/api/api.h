// The JSON API v1: CRUD for every entity of model/schema.h under
// /api/v1/<plural>, evidence upload and download, the OpenAPI document and
// a health check. Handlers are thin: parse, call the Store, render.
#ifndef DALIL_HTTP_API_API_H_
#define DALIL_HTTP_API_API_H_

#include <string>

#include <nlohmann/json.hpp>

#include "figures/counting.h"
#include "http/router.h"
#include "ledger/checkpoint.h"
#include "store/blob_store.h"
#include "store/store.h"

namespace dalil::api {

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
