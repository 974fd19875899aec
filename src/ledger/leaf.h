// Ledger leaves and the canonical content of record versions, as written
// down in docs/formats/ledger.md (sections 1 and 2). Pure functions.
#ifndef DALIL_LEDGER_LEAF_H_
#define DALIL_LEDGER_LEAF_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "ledger/merkle.h"
#include "model/schema.h"

namespace dalil::ledger {

enum class Op : uint8_t { kCreate = 1, kUpdate = 2, kDelete = 3 };
std::string_view OpName(Op op);  // "create", "update", "delete"

struct Leaf {
  uint64_t sequence = 0;
  uint64_t time = 0;  // seconds since the Unix epoch, UTC
  std::string actor;
  std::string entity;
  uint64_t record_id = 0;
  Op op = Op::kCreate;
  uint64_t version = 0;
  Hash content_hash{};
};

// The byte encoding of section 2. Actor and entity must be shorter than
// 65536 bytes (the store guarantees it).
std::string EncodeLeaf(const Leaf& leaf);
// Strict decoding: wrong magic, truncation, trailing bytes or an unknown
// operation are kCorruption errors saying which.
Result<Leaf> DecodeLeaf(std::string_view bytes);

// The canonical content (section 1.1) of a record as the store returns it
// ({"id", "version", <fields>, "created_at", ...}). `salt` (32 bytes) is
// used for the commitments of sensitive fields.
std::string CanonicalContent(const model::EntitySpec& spec,
                             const nlohmann::json& record,
                             std::string_view salt);

// The canonical content of a create (version 1) prepared before its write,
// off the writing thread: every value is known but the record's id, its
// time and actor, and the integer fields named as holes (references the
// write resolves, the owner it stamps). Fill gives exactly
// CanonicalContent of the record completed with those values; a hole left
// empty (nullopt) is an unset field, left out like any null.
class ContentTemplate {
 public:
  ContentTemplate() = default;
  // `record` holds the fields (holes need no value); `holes` name integer
  // or reference fields of `spec`, in the order Fill receives their values.
  static ContentTemplate Make(const model::EntitySpec& spec, const nlohmann::json& record,
                              std::string_view salt, const std::vector<std::string_view>& holes);
  // `values[i]` fills holes[i] of Make.
  std::string Fill(int64_t id, std::string_view time, std::string_view actor,
                   const std::vector<std::optional<int64_t>>& values) const;

 private:
  struct Piece {
    uint32_t begin = 0, end = 0;  // "key":value, or "key": for a hole, in text_
    int hole = -1;                // index into the values, or -1
  };
  std::string entity_;
  std::string text_;
  std::vector<Piece> pieces_;  // sorted by key
};

// "c:" + hex(SHA-256(salt || field || 0x00 || JSON(value))).
std::string CommitSensitive(std::string_view salt, std::string_view field,
                            const nlohmann::json& value);

// SHA-256 of the content; 32 zero bytes for a delete (empty content).
Hash ContentHash(Op op, std::string_view content);

// Events (section 1.3): facts recorded once and never changed, each the
// leaf of a create at version 1 of its own kind of entry.
inline constexpr std::string_view kAccountEvent = "account_event";  // a row of account_audit
inline constexpr std::string_view kReveal = "reveal";              // a row of reveals
bool IsEventKind(std::string_view entity);

// The canonical content of an event: {"actor", "at", "entity", "event",
// "id"} as canonical JSON, `event` an object whose null members are left
// out. `event` must hold only strings, integers, booleans, arrays and
// objects (no floating-point numbers).
std::string EventContent(std::string_view kind, int64_t id, int64_t at, std::string_view actor,
                         const nlohmann::json& event);

}  // namespace dalil::ledger

#endif  // DALIL_LEDGER_LEAF_H_
