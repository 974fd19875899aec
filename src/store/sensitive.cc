#include "store/sensitive.h"

namespace dalil::store {
namespace {

class PlaintextCodec : public SensitiveCodec {
 public:
  Result<std::string> Seal(const FieldSlot&, std::string_view p) const override {
    return std::string(p);
  }
  Result<std::string> Open(const FieldSlot&, std::string_view s) const override {
    return std::string(s);
  }
};

}  // namespace

std::unique_ptr<SensitiveCodec> NewPlaintextCodec() {
  return std::make_unique<PlaintextCodec>();
}

}  // namespace dalil::store
