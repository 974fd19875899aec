// Row <-> JSON conversion shared by the SQLite store and its ledger code.
// Internal to store/sqlite/.
#ifndef DALIL_STORE_SQLITE_ROWS_H_
#define DALIL_STORE_SQLITE_ROWS_H_

#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "model/schema.h"
#include "store/sensitive.h"
#include "store/sqlite/db.h"

namespace dalil::store {

// "id, version, created_at, created_by, updated_at, updated_by, <fields>":
// identifiers from the static entity tables only.
std::string SelectColumns(const model::EntitySpec& spec);

// Reads the current row of `st` (selected with SelectColumns) into the JSON
// shape of store.h, opening sensitive fields through `codec`.
Result<nlohmann::json> RowToJson(sqlite::Statement& st, const model::EntitySpec& spec,
                                 const SensitiveCodec& codec);

}  // namespace dalil::store

#endif  // DALIL_STORE_SQLITE_ROWS_H_
