// Keeps the figure index (migration 0005, docs/counting.md "Speed") in step
// with the records: each write transaction notes which incidents its changes
// touch, and before it commits their entries are recomputed from the
// records with the counting rules (figures/counting.h). Readers then sum
// compact per-incident entries instead of re-deriving every incident.
#ifndef DALIL_STORE_SQLITE_FIGURE_INDEX_H_
#define DALIL_STORE_SQLITE_FIGURE_INDEX_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "model/schema.h"
#include "store/sqlite/db.h"
#include "store/store.h"

namespace dalil::sqlite_figures {

// What a transaction's changes touch.
struct Dirty {
  std::set<int64_t> incidents;
  std::set<int64_t> sources;  // reliability changed: every incident citing them
  std::set<int64_t> persons;  // merge changed: every incident naming them or those merged into them
  // Incidents created in this transaction and not verified since: they
  // have no entry and need none, whatever is attached to them.
  std::set<int64_t> new_unverified;
  bool empty() const { return incidents.empty() && sources.empty() && persons.empty(); }
};

// Notes a change: `before` is null for a create, `after` for a delete.
Status Note(sqlite::Database* db, const model::EntitySpec& spec, const nlohmann::json* before,
            const nlohmann::json* after, Dirty* dirty);

// Recomputes the entries of everything noted; clears `dirty`.
Status Apply(sqlite::Database* db, Dirty* dirty);

// Rebuilds the whole index when it was built with another format (or never).
// Inside the caller's write transaction.
Status EnsureCurrent(sqlite::Database* db);

// Entries overlapping [scan.from_day, scan.to_day], with the columns asked for.
Status Scan(sqlite::Database* db, const store::FigureScan& scan,
            const std::function<Status(const store::FigureIndexRow&)>& each);

// Entries that differ from what the records give now.
Result<std::vector<std::string>> Check(sqlite::Database* db);

}  // namespace dalil::sqlite_figures

#endif  // DALIL_STORE_SQLITE_FIGURE_INDEX_H_
