// The database interface. Handlers, the CLI and importers talk to Store;
// store/sqlite/ implements it on SQLite (and a PostgreSQL implementation
// can slot in behind the same interface). Records travel as JSON objects
// shaped by the entity tables in model/schema.h:
//   {"id", "version", <every field of the entity, null when unset>,
//    "created_at", "created_by", "updated_at", "updated_by"}
// Every write is validated by model/validate.h and runs in one transaction.
//
// Thread safety: a Store is safe for concurrent use from many threads;
// writes are serialised, reads run in parallel.
#ifndef DALIL_STORE_STORE_H_
#define DALIL_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "model/schema.h"
#include "model/validate.h"

namespace dalil::store {

using nlohmann::json;

struct ListQuery {
  // Exact matches on filterable fields, values already parsed by
  // model::ParseFilterValue.
  std::vector<std::pair<std::string, json>> equals;
  // Places and incidents: only records at this place or any place under it.
  std::optional<int64_t> within_place;
  // Incidents: only those whose [start_date, end_date] overlaps [from, to].
  std::optional<std::string> from, to;
  // Incidents: only those with an involvement of this actor (or its units).
  std::optional<int64_t> actor;
  std::string sort = "id";  // a sortable field or a system field
  bool descending = false;
  int64_t limit = 50;
  int64_t offset = 0;
};

struct ListResult {
  std::vector<json> items;
  int64_t total = 0;  // matching records, ignoring limit/offset
};

// The operations of one write transaction. Obtained only inside
// Store::Write; invalid after the callback returns.
class WriteTxn {
 public:
  virtual ~WriteTxn() = default;
  // Validates `body` and inserts a record. Errors: kInvalidArgument naming
  // the field (bad value, reference to a missing record), kConflict (a
  // unique value already used).
  virtual Result<json> Create(const model::EntitySpec& spec, const json& body,
                              model::Writer writer = model::Writer::kClient) = 0;
  // Merge-patches the record. If `patch` holds "version", it must equal the
  // current version (else kConflict): optimistic concurrency for editors.
  virtual Result<json> Update(const model::EntitySpec& spec, int64_t id,
                              const json& patch) = 0;
  // Deletes the record; kConflict when other records still refer to it,
  // kNotFound when it does not exist, kConflict on a version mismatch.
  virtual Status Delete(const model::EntitySpec& spec, int64_t id,
                        std::optional<int64_t> expected_version) = 0;
  virtual Result<json> Get(const model::EntitySpec& spec, int64_t id) = 0;
  // Id of the place with this ISO code (e.g. "IQ-DQ"), or kNotFound.
  virtual Result<int64_t> PlaceIdByCode(const std::string& iso_code) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Runs `fn` in one write transaction on behalf of `actor` (an account
  // name or "system"): committed if fn returns OK, rolled back otherwise
  // (nothing half-written). Returns fn's status or the commit error.
  virtual Status Write(const std::string& actor,
                       const std::function<Status(WriteTxn&)>& fn) = 0;

  virtual Result<json> Get(const model::EntitySpec& spec, int64_t id) = 0;
  virtual Result<ListResult> List(const model::EntitySpec& spec,
                                  const ListQuery& query) = 0;
  // Resolves a place given as a numeric id or an ISO code ("IQ-DQ").
  virtual Result<int64_t> ResolvePlace(const std::string& id_or_code) = 0;
  // Number of records of an entity (for "is the database empty?").
  virtual Result<int64_t> Count(const model::EntitySpec& spec) = 0;
  // The schema version (number of applied migrations).
  virtual Result<int> SchemaVersion() = 0;

  // Convenience single-record writes, each its own transaction.
  Result<json> Create(const std::string& actor, const model::EntitySpec& spec,
                      const json& body,
                      model::Writer writer = model::Writer::kClient);
  Result<json> Update(const std::string& actor, const model::EntitySpec& spec,
                      int64_t id, const json& patch);
  Status Delete(const std::string& actor, const model::EntitySpec& spec,
                int64_t id, std::optional<int64_t> expected_version);
};

}  // namespace dalil::store

#endif  // DALIL_STORE_STORE_H_
