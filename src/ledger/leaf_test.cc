#include "ledger/leaf.h"

#include <gtest/gtest.h>

#include <random>

namespace dalil::ledger {
namespace {

using nlohmann::json;

TEST(LeafTest, EncodeDecodeRoundTripAndDocumentedLayout) {
  Leaf leaf{.sequence = 0, .time = 1767225600, .actor = "system", .entity = "place",
            .record_id = 1, .op = Op::kCreate, .version = 1, .content_hash = Sha256("x")};
  std::string bytes = EncodeLeaf(leaf);
  // docs/formats/ledger.md section 2, the worked example.
  const std::string head = std::string("DLL1") + std::string(8, '\0') +
                           std::string("\x00\x00\x00\x00\x69\x55\xb9\x00", 8) +
                           std::string("\x00\x06system", 8) + std::string("\x00\x05place", 7) +
                           std::string("\x00\x00\x00\x00\x00\x00\x00\x01", 8) + "\x01" +
                           std::string("\x00\x00\x00\x00\x00\x00\x00\x01", 8);
  ASSERT_EQ(bytes.size(), head.size() + 32);
  EXPECT_EQ(bytes.substr(0, head.size()), head);
  auto back = DecodeLeaf(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->actor, "system");
  EXPECT_EQ(back->time, 1767225600u);
  EXPECT_EQ(back->content_hash, leaf.content_hash);
}

TEST(LeafTest, DecodeRejectsDamage) {
  Leaf leaf{.actor = "user:1", .entity = "incident", .record_id = 7, .op = Op::kUpdate,
            .version = 2};
  std::string bytes = EncodeLeaf(leaf);
  EXPECT_EQ(DecodeLeaf(bytes.substr(0, bytes.size() - 1)).status().code(), Code::kCorruption);
  EXPECT_EQ(DecodeLeaf(bytes + "x").status().code(), Code::kCorruption);
  std::string bad_magic = bytes;
  bad_magic[0] = 'X';
  EXPECT_FALSE(DecodeLeaf(bad_magic).ok());
  std::string bad_op = bytes;
  bad_op[4 + 8 + 8 + 2 + 6 + 2 + 8 + 8] = 9;
  EXPECT_FALSE(DecodeLeaf(bad_op).ok());
}

// The reference: the documented definition, built with nlohmann (whose
// dump matches Python's json.dumps with sort_keys and compact separators).
std::string Reference(const model::EntitySpec& spec, const json& record, std::string_view salt) {
  json fields = json::object();
  for (const auto& f : spec.fields) {
    json v = record.value(std::string(f.name), json());
    if (v.is_null()) continue;  // unset fields are left out
    if (f.sensitive) {
      std::string in(salt);
      in.append(f.name);
      in.push_back('\0');
      in += v.dump();
      Hash h = Sha256(in);
      std::string hex;
      for (uint8_t b : h) {
        static const char* k = "0123456789abcdef";
        hex.push_back(k[b >> 4]);
        hex.push_back(k[b & 15]);
      }
      v = "c:" + hex;
    }
    fields[std::string(f.name)] = v;
  }
  json obj = {{"entity", spec.name}, {"fields", fields}};
  for (const char* k : {"id", "version", "created_at", "created_by", "updated_at", "updated_by"}) {
    obj[k] = record.value(k, json());
  }
  return obj.dump();
}

TEST(CanonicalTest, MatchesTheDocumentedDefinitionOnAwkwardValues) {
  std::mt19937 rng(7);
  const std::vector<std::string> texts = {
      "", "plain", "قُتل ١٠ متظاهرين", "quote \" and \\ backslash", "tab\tnew\nline\r",
      std::string("nul \0 byte", 10), "\x01\x1f\x7f", "emoji \xF0\x9F\x98\x80", "/slash/"};
  for (const model::EntitySpec* spec : model::AllEntities()) {
    for (int round = 0; round < 50; ++round) {
      json r = {{"id", static_cast<int64_t>(rng() % 100000)}, {"version", 3},
                {"created_at", "2021-02-26T00:00:00Z"}, {"created_by", texts[rng() % texts.size()]},
                {"updated_at", "2021-02-27T00:00:00Z"}, {"updated_by", "user:1"}};
      for (const auto& f : spec->fields) {
        const std::string name(f.name);
        if (rng() % 4 == 0) {
          r[name] = nullptr;
          continue;
        }
        switch (f.type) {
          case model::FieldType::kInteger:
          case model::FieldType::kRef:
            r[name] = static_cast<int64_t>(rng() % 1000000);
            break;
          case model::FieldType::kNumber:
            r[name] = static_cast<double>(rng() % 1000000) / 997.0 - 300;
            break;
          case model::FieldType::kTextList:
            r[name] = json::array({texts[rng() % texts.size()], texts[rng() % texts.size()]});
            break;
          default:
            r[name] = texts[rng() % texts.size()];
        }
      }
      const std::string salt(32, static_cast<char>(rng()));
      EXPECT_EQ(CanonicalContent(*spec, r, salt), Reference(*spec, r, salt)) << spec->name;
    }
  }
}

TEST(CanonicalTest, DeleteHasZeroContentHash) {
  EXPECT_EQ(ContentHash(Op::kDelete, ""), Hash{});
  EXPECT_EQ(ContentHash(Op::kCreate, "{}"), Sha256("{}"));
}

}  // namespace
}  // namespace dalil::ledger
