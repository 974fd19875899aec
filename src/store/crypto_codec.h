// The encrypting SensitiveCodec: XChaCha20-Poly1305 with a data key from a
// security::Keyring, the associated data binding (table, column, row id,
// key version), so a sealed value opens only in the field it was sealed
// for. Byte format: docs/security.md, "Sealed values".
#ifndef DALIL_STORE_CRYPTO_CODEC_H_
#define DALIL_STORE_CRYPTO_CODEC_H_

#include <memory>
#include <string>

#include "security/keys.h"
#include "store/sensitive.h"

namespace dalil::store {

// Seals with the keyring's current data key; opens any version the keyring
// holds (asking it to reload its keys when it meets a newer one). Open errors
// are kCorruption naming the table, column and row, never the value.
// Thread safe.
std::unique_ptr<SensitiveCodec> NewEncryptingCodec(std::shared_ptr<security::Keyring> keyring);

// The associated data of a field slot (without the key version, which the
// keyring appends).
std::string FieldContext(const FieldSlot& slot);
// The associated data of an evidence file stored under `sha256_hex`.
std::string FileContext(std::string_view sha256_hex);

}  // namespace dalil::store

#endif  // DALIL_STORE_CRYPTO_CODEC_H_
