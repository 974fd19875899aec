#include "store/crypto_codec.h"

namespace dalil::store {
namespace {

class EncryptingCodec : public SensitiveCodec {
 public:
  explicit EncryptingCodec(std::shared_ptr<security::Keyring> keyring)
      : keyring_(std::move(keyring)) {}

  Result<std::string> Seal(const FieldSlot& slot, std::string_view plaintext) const override {
    return keyring_->Seal(security::kFieldMagic, FieldContext(slot), plaintext);
  }

  Result<std::string> Open(const FieldSlot& slot, std::string_view stored) const override {
    auto r = keyring_->Open(security::kFieldMagic, FieldContext(slot), stored);
    if (!r.ok()) {
      return Status(r.status().code(), std::string(slot.table) + "." + std::string(slot.column) +
                                           " of row " + std::to_string(slot.row_id) + " " +
                                           r.status().message());
    }
    return r;
  }

 private:
  std::shared_ptr<security::Keyring> keyring_;
};

}  // namespace

std::string FieldContext(const FieldSlot& slot) {
  std::string ad = "dalil/field/v1";
  ad.push_back('\0');
  ad.append(slot.table);
  ad.push_back('\0');
  ad.append(slot.column);
  ad.push_back('\0');
  const auto id = static_cast<uint64_t>(slot.row_id);
  for (int s = 56; s >= 0; s -= 8) ad.push_back(static_cast<char>((id >> s) & 0xff));
  return ad;
}

std::string FileContext(std::string_view sha256_hex) {
  std::string ad = "dalil/evidence/v1";
  ad.push_back('\0');
  ad.append(sha256_hex);
  return ad;
}

std::unique_ptr<SensitiveCodec> NewEncryptingCodec(std::shared_ptr<security::Keyring> keyring) {
  return std::make_unique<EncryptingCodec>(std::move(keyring));
}

}  // namespace dalil::store
