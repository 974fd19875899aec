// The one accessor for sensitive fields (model::Field::sensitive): every
// read and write of such a column goes through a SensitiveCodec, which knows
// the table, column and row it belongs to. Today's codec stores plaintext;
// the encryption issue replaces it with XChaCha20-Poly1305 whose associated
// data binds (table, column, row id, key version), without touching callers.
#ifndef DALIL_STORE_SENSITIVE_H_
#define DALIL_STORE_SENSITIVE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace dalil::store {

struct FieldSlot {
  std::string_view table;
  std::string_view column;
  int64_t row_id;
};

class SensitiveCodec {
 public:
  virtual ~SensitiveCodec() = default;
  // Turns a field's value (UTF-8 text; list fields as JSON text) into the
  // bytes stored in its column.
  virtual Result<std::string> Seal(const FieldSlot& slot,
                                   std::string_view plaintext) const = 0;
  // The inverse. kCorruption if the stored bytes do not open for this slot.
  virtual Result<std::string> Open(const FieldSlot& slot,
                                   std::string_view stored) const = 0;
};

// Stores values as they are. Used until encryption at rest exists; the
// server refuses non-loopback addresses meanwhile (see cli/serve).
std::unique_ptr<SensitiveCodec> NewPlaintextCodec();

}  // namespace dalil::store

#endif  // DALIL_STORE_SENSITIVE_H_
