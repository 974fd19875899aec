// Validation of record bodies against the entity tables in schema.h. Pure
// functions: no database. Reference existence is checked by the store.
#ifndef DALIL_MODEL_VALIDATE_H_
#define DALIL_MODEL_VALIDATE_H_

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "model/schema.h"

namespace dalil::model {

// What a write may touch: the API may not set read-only fields, the server
// itself may (evidence sha256 and size).
enum class Writer { kClient, kServer };

// Checks a create body: a JSON object whose keys are fields of `spec`, each
// of the right type, range and length, required fields present, then fills
// defaults and checks cross-field rules (CheckRecord). Returns the record's
// fields: every field of spec present, null when unset. Errors name the
// field ("start_date") and the reason.
Result<nlohmann::json> ValidateCreate(const EntitySpec& spec,
                                      const nlohmann::json& body,
                                      Writer writer = Writer::kClient);

// Applies a JSON merge-patch style body (a key set to null clears an
// optional field) to `current` (fields as returned by ValidateCreate) and
// validates the result. A "version" key, if present, is ignored here (the
// store compares it).
Result<nlohmann::json> ValidatePatch(const EntitySpec& spec,
                                     const nlohmann::json& current,
                                     const nlohmann::json& patch,
                                     Writer writer = Writer::kClient);

// Checks one value against one field. `path` is the field name used in the
// error ("name_variants[2]").
Status CheckValue(const Field& field, const nlohmann::json& value);

// Parses a query-string value for a filterable field into the JSON value the
// store compares with (integers for refs and integers, strings otherwise).
Result<nlohmann::json> ParseFilterValue(const Field& field,
                                        const std::string& text);

// Cross-field rules: end_date >= start_date, count_min <= count_max,
// sub_event_type belongs to event_type, a title in some language, both or
// neither of latitude/longitude, age_min <= age_max...
Status CheckRecord(const EntitySpec& spec, const nlohmann::json& record);

}  // namespace dalil::model

#endif  // DALIL_MODEL_VALIDATE_H_
