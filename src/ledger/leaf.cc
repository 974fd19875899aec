#include "ledger/leaf.h"

#include <cstring>

#include "base/text.h"

namespace dalil::ledger {
namespace {

constexpr char kMagic[4] = {'D', 'L', 'L', '1'};

void PutU64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void PutStr(std::string& out, std::string_view s) {
  out.push_back(static_cast<char>((s.size() >> 8) & 0xFF));
  out.push_back(static_cast<char>(s.size() & 0xFF));
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool U64(uint64_t* v) {
    if (b_.size() - pos_ < 8) return false;
    *v = 0;
    for (int i = 0; i < 8; ++i) *v = (*v << 8) | static_cast<unsigned char>(b_[pos_ + i]);
    pos_ += 8;
    return true;
  }
  bool Str(std::string* s) {
    if (b_.size() - pos_ < 2) return false;
    size_t n = (static_cast<unsigned char>(b_[pos_]) << 8) | static_cast<unsigned char>(b_[pos_ + 1]);
    pos_ += 2;
    if (b_.size() - pos_ < n) return false;
    s->assign(b_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool Bytes(void* out, size_t n) {
    if (b_.size() - pos_ < n) return false;
    std::memcpy(out, b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool AtEnd() const { return pos_ == b_.size(); }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

}  // namespace

std::string_view OpName(Op op) {
  switch (op) {
    case Op::kCreate: return "create";
    case Op::kUpdate: return "update";
    case Op::kDelete: return "delete";
  }
  return "unknown";
}

std::string EncodeLeaf(const Leaf& leaf) {
  std::string out;
  out.reserve(4 + 8 + 8 + 2 + leaf.actor.size() + 2 + leaf.entity.size() + 8 + 1 + 8 + 32);
  out.append(kMagic, 4);
  PutU64(out, leaf.sequence);
  PutU64(out, leaf.time);
  PutStr(out, leaf.actor);
  PutStr(out, leaf.entity);
  PutU64(out, leaf.record_id);
  out.push_back(static_cast<char>(leaf.op));
  PutU64(out, leaf.version);
  out.append(reinterpret_cast<const char*>(leaf.content_hash.data()), leaf.content_hash.size());
  return out;
}

Result<Leaf> DecodeLeaf(std::string_view bytes) {
  if (bytes.size() < 4 || std::memcmp(bytes.data(), kMagic, 4) != 0) {
    return Status::Corruption("leaf does not start with DLL1");
  }
  Reader r(bytes.substr(4));
  Leaf leaf;
  uint8_t op = 0;
  if (!r.U64(&leaf.sequence) || !r.U64(&leaf.time) || !r.Str(&leaf.actor) ||
      !r.Str(&leaf.entity) || !r.U64(&leaf.record_id) || !r.Bytes(&op, 1) ||
      !r.U64(&leaf.version) || !r.Bytes(leaf.content_hash.data(), 32)) {
    return Status::Corruption("leaf is truncated");
  }
  if (!r.AtEnd()) return Status::Corruption("leaf has trailing bytes");
  if (op < 1 || op > 3) return Status::Corruption("leaf has unknown operation " + std::to_string(op));
  leaf.op = static_cast<Op>(op);
  return leaf;
}

std::string CommitSensitive(std::string_view salt, std::string_view field,
                            const nlohmann::json& value) {
  std::string input(salt);
  input.append(field);
  input.push_back('\0');
  input.append(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict));
  Hash h = Sha256(input);
  return "c:" + HexEncode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::string CanonicalContent(const model::EntitySpec& spec, const nlohmann::json& record,
                             std::string_view salt) {
  nlohmann::json fields = nlohmann::json::object();
  for (const model::Field& f : spec.fields) {
    const std::string name(f.name);
    auto it = record.find(name);
    nlohmann::json v = it == record.end() ? nlohmann::json() : *it;
    if (f.sensitive && !v.is_null()) v = CommitSensitive(salt, f.name, v);
    fields[name] = std::move(v);
  }
  nlohmann::json obj = {
      {"entity", spec.name},
      {"fields", std::move(fields)},
  };
  for (const char* k : {"id", "version", "created_at", "created_by", "updated_at", "updated_by"}) {
    auto it = record.find(k);
    obj[k] = it == record.end() ? nlohmann::json() : *it;
  }
  return obj.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
}

Hash ContentHash(Op op, std::string_view content) {
  if (op == Op::kDelete) return Hash{};
  return Sha256(content);
}

}  // namespace dalil::ledger
