// The documentation data model as tables: each entity (place, incident,
// actor, ...) is an EntitySpec listing its fields. Validation, SQL, the JSON
// API and the OpenAPI document are all driven from these tables, so adding a
// field is one line here plus a migration. See docs/data-model.md.
//
// Thread safe: the specs are immutable after static initialisation.
#ifndef DALIL_MODEL_SCHEMA_H_
#define DALIL_MODEL_SCHEMA_H_

#include <span>
#include <string_view>
#include <vector>

namespace dalil::model {

enum class FieldType {
  kInteger,   // JSON integer
  kNumber,    // JSON number (stored as REAL)
  kText,      // UTF-8 string
  kDate,      // "YYYY-MM-DD", a date that exists
  kEnum,      // one of Field::values
  kRef,       // id of a record of Field::ref (JSON integer)
  kTextList,  // array of UTF-8 strings (stored as JSON text)
};

struct Field {
  std::string_view name;
  FieldType type;
  bool required = false;
  // Sensitive fields (identities, contacts) are read and written only
  // through the store's sensitive-field codec and never logged or exported
  // publicly. Keep this set small.
  bool sensitive = false;
  std::span<const std::string_view> values = {};  // kEnum
  std::string_view ref = {};                       // kRef: entity name
  double min = 0, max = 0;   // kInteger/kNumber bounds when min < max
  size_t max_length = 0;     // kText (bytes) / kTextList (items); 0 = default
  bool filterable = false;   // exact-match ?name= filter in list queries
  bool sortable = false;
  bool read_only = false;    // set by the server (e.g. evidence sha256)
  // Decides who may see the record (owner, visibility, restricted roles;
  // docs/security.md, "Ownership and visibility"): belongs to one
  // installation, so exports leave it out.
  bool access = false;
  std::string_view description = {};
};

struct EntitySpec {
  std::string_view name;     // "incident": ledger entity type, error texts
  std::string_view plural;   // "incidents": URL segment
  std::string_view table;    // SQL table
  std::span<const Field> fields;
  std::string_view description;

  const Field* FindField(std::string_view field) const;
  bool HasSensitiveFields() const;
  // Records of this entity belong to an organisation and carry their own
  // visibility (incidents, sources, persons, evidence); the others either
  // take their incident's (IncidentRef) or are shared reference data.
  bool IsOwned() const { return FindField("owner_organisation_id") != nullptr; }
};

// The visibilities of an owned record and the role names a restricted one
// may name, lowest role first.
std::span<const std::string_view> Visibilities();
std::span<const std::string_view> RoleNames();

// Every entity, in dependency order (a record only refers to entities
// earlier in the list, or to its own kind): load and export in this order.
std::span<const EntitySpec* const> AllEntities();
const EntitySpec* FindEntityByPlural(std::string_view plural);
const EntitySpec* FindEntityByName(std::string_view name);

// Fields every record has, set by the store, read-only through the API.
inline constexpr std::string_view kSystemFields[] = {
    "id", "version", "created_at", "created_by", "updated_at", "updated_by"};
bool IsSystemField(std::string_view name);

// The ACLED event types and the sub-event types that belong to each.
struct EventType {
  std::string_view type;
  std::span<const std::string_view> sub_types;
};
std::span<const EventType> EventTypes();

}  // namespace dalil::model

#endif  // DALIL_MODEL_SCHEMA_H_
