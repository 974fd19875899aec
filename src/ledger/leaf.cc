#include "ledger/leaf.h"

#include <algorithm>
#include <cstring>
#include <vector>

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

namespace {

// JSON text exactly as Python's json.dumps(..., ensure_ascii=False) and
// nlohmann's dump() write it: the short escapes, other control characters
// as \u00xx (lower-case hex), everything else as UTF-8 bytes.
void AppendString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void AppendValue(std::string& out, const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::string:
      AppendString(out, v.get_ref<const std::string&>());
      return;
    case nlohmann::json::value_t::number_integer:
      out += std::to_string(v.get<int64_t>());
      return;
    case nlohmann::json::value_t::number_unsigned:
      out += std::to_string(v.get<uint64_t>());
      return;
    case nlohmann::json::value_t::null:
      out += "null";
      return;
    case nlohmann::json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v) {
        if (!first) out.push_back(',');
        first = false;
        AppendValue(out, item);
      }
      out.push_back(']');
      return;
    }
    case nlohmann::json::value_t::object: {
      // nlohmann keeps members ordered by their UTF-8 bytes: code point order.
      out.push_back('{');
      bool first = true;
      for (const auto& [key, item] : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        AppendString(out, key);
        out.push_back(':');
        AppendValue(out, item);
      }
      out.push_back('}');
      return;
    }
    default:
      // Doubles (shortest round-trip text), booleans: rare here.
      out += v.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
  }
}

// An entity's fields in byte order of their names, computed once.
const std::vector<const model::Field*>& SortedFields(const model::EntitySpec& spec) {
  static const auto* table = [] {
    auto* t = new std::vector<std::pair<const model::EntitySpec*,
                                        std::vector<const model::Field*>>>();
    for (const model::EntitySpec* e : model::AllEntities()) {
      std::vector<const model::Field*> fields;
      for (const model::Field& f : e->fields) fields.push_back(&f);
      std::sort(fields.begin(), fields.end(),
                [](const model::Field* a, const model::Field* b) { return a->name < b->name; });
      t->emplace_back(e, std::move(fields));
    }
    return t;
  }();
  for (const auto& [e, fields] : *table) {
    if (e == &spec) return fields;
  }
  static const std::vector<const model::Field*> kNone;
  return kNone;
}

const nlohmann::json& Get(const nlohmann::json& record, const char* key) {
  static const nlohmann::json kNull;
  auto it = record.find(key);
  return it == record.end() ? kNull : *it;
}

}  // namespace

std::string CommitSensitive(std::string_view salt, std::string_view field,
                            const nlohmann::json& value) {
  std::string input(salt);
  input.append(field);
  input.push_back('\0');
  AppendValue(input, value);
  Hash h = Sha256(input);
  return "c:" + HexEncode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::string CanonicalContent(const model::EntitySpec& spec, const nlohmann::json& record,
                             std::string_view salt) {
  // Keys in sorted order: created_at, created_by, entity, fields, id,
  // updated_at, updated_by, version; the fields sorted by name.
  std::string out;
  out.reserve(512);
  out += "{\"created_at\":";
  AppendValue(out, Get(record, "created_at"));
  out += ",\"created_by\":";
  AppendValue(out, Get(record, "created_by"));
  out += ",\"entity\":";
  AppendString(out, spec.name);
  out += ",\"fields\":{";
  bool first = true;
  for (const model::Field* f : SortedFields(spec)) {
    // Unset fields are left out, so adding an optional field to an entity
    // later does not change the content of versions written before it.
    auto it = record.find(std::string(f->name));
    if (it == record.end() || it->is_null()) continue;
    if (!first) out.push_back(',');
    first = false;
    AppendString(out, f->name);
    out.push_back(':');
    if (f->sensitive) {
      AppendString(out, CommitSensitive(salt, f->name, *it));
    } else {
      AppendValue(out, *it);
    }
  }
  out += "},\"id\":";
  AppendValue(out, Get(record, "id"));
  out += ",\"updated_at\":";
  AppendValue(out, Get(record, "updated_at"));
  out += ",\"updated_by\":";
  AppendValue(out, Get(record, "updated_by"));
  out += ",\"version\":";
  AppendValue(out, Get(record, "version"));
  out.push_back('}');
  return out;
}

ContentTemplate ContentTemplate::Make(const model::EntitySpec& spec, const nlohmann::json& record,
                                      std::string_view salt,
                                      const std::vector<std::string_view>& holes) {
  ContentTemplate t;
  t.entity_ = spec.name;
  for (const model::Field* f : SortedFields(spec)) {
    Piece piece;
    for (size_t h = 0; h < holes.size(); ++h) {
      if (holes[h] == f->name) piece.hole = static_cast<int>(h);
    }
    auto it = record.end();
    if (piece.hole < 0) {
      it = record.find(std::string(f->name));
      if (it == record.end() || it->is_null()) continue;
    }
    piece.begin = static_cast<uint32_t>(t.text_.size());
    AppendString(t.text_, f->name);
    t.text_.push_back(':');
    if (piece.hole < 0) {
      if (f->sensitive) {
        AppendString(t.text_, CommitSensitive(salt, f->name, *it));
      } else {
        AppendValue(t.text_, *it);
      }
    }
    piece.end = static_cast<uint32_t>(t.text_.size());
    t.pieces_.push_back(piece);
  }
  return t;
}

std::string ContentTemplate::Fill(int64_t id, std::string_view time, std::string_view actor,
                                  const std::vector<std::optional<int64_t>>& values) const {
  // The layout of CanonicalContent, version 1, created = updated.
  std::string out;
  out.reserve(512);
  out += "{\"created_at\":";
  AppendString(out, time);
  out += ",\"created_by\":";
  AppendString(out, actor);
  out += ",\"entity\":";
  AppendString(out, entity_);
  out += ",\"fields\":{";
  bool first = true;
  for (const Piece& p : pieces_) {
    if (p.hole >= 0) {
      const size_t h = static_cast<size_t>(p.hole);
      if (h >= values.size() || !values[h]) continue;
    }
    if (!first) out.push_back(',');
    first = false;
    out.append(text_, p.begin, p.end - p.begin);
    if (p.hole >= 0) out += std::to_string(*values[static_cast<size_t>(p.hole)]);
  }
  out += "},\"id\":";
  out += std::to_string(id);
  out += ",\"updated_at\":";
  AppendString(out, time);
  out += ",\"updated_by\":";
  AppendString(out, actor);
  out += ",\"version\":1}";
  return out;
}

bool IsEventKind(std::string_view entity) { return entity == kAccountEvent || entity == kReveal; }

std::string EventContent(std::string_view kind, int64_t id, int64_t at, std::string_view actor,
                         const nlohmann::json& event) {
  nlohmann::json members = nlohmann::json::object();
  for (const auto& [key, value] : event.items()) {
    if (!value.is_null()) members[key] = value;
  }
  std::string out = "{\"actor\":";
  AppendString(out, actor);
  out += ",\"at\":" + std::to_string(at) + ",\"entity\":";
  AppendString(out, kind);
  out += ",\"event\":";
  AppendValue(out, members);
  out += ",\"id\":" + std::to_string(id) + "}";
  return out;
}

Hash ContentHash(Op op, std::string_view content) {
  if (op == Op::kDelete) return Hash{};
  return Sha256(content);
}

}  // namespace dalil::ledger
