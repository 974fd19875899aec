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

// A value of the field's type, drawn from `texts` for text.
json RandomValue(const model::Field& f, std::mt19937& rng, const std::vector<std::string>& texts) {
  switch (f.type) {
    case model::FieldType::kInteger:
    case model::FieldType::kRef:
      return static_cast<int64_t>(rng() % 1000000);
    case model::FieldType::kNumber:
      return static_cast<double>(rng() % 1000000) / 997.0 - 300;
    case model::FieldType::kTextList:
      return json::array({texts[rng() % texts.size()], texts[rng() % texts.size()]});
    default:
      return texts[rng() % texts.size()];
  }
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
        r[name] = RandomValue(f, rng, texts);
      }
      const std::string salt(32, static_cast<char>(rng()));
      EXPECT_EQ(CanonicalContent(*spec, r, salt), Reference(*spec, r, salt)) << spec->name;
    }
  }
}

// A template filled in gives the content of the completed record, whatever
// the entity, the values, which integer fields are holes and whether a
// hole stays empty.
TEST(CanonicalTest, TemplateFilledInEqualsTheContentOfTheCompletedRecord) {
  std::mt19937 rng(11);
  const std::vector<std::string> texts = {"", "plain", "قُتل ١٠ متظاهرين", "quote \" and \\",
                                          std::string("nul \0 byte", 10), "\x01\x1f"};
  for (const model::EntitySpec* spec : model::AllEntities()) {
    for (int round = 0; round < 40; ++round) {
      json r = json::object();
      std::vector<std::string_view> holes;
      std::vector<std::optional<int64_t>> values;
      for (const auto& f : spec->fields) {
        const std::string name(f.name);
        const bool integral = f.type == model::FieldType::kInteger ||
                              f.type == model::FieldType::kRef;
        if (integral && rng() % 2 == 0) {
          holes.push_back(f.name);
          values.push_back(rng() % 5 == 0 ? std::nullopt
                                          : std::optional<int64_t>(rng() % 1000000));
          continue;
        }
        if (rng() % 4 == 0) continue;
        r[name] = RandomValue(f, rng, texts);
      }
      const std::string salt(32, static_cast<char>(rng()));
      const std::string actor = texts[rng() % texts.size()];
      const ContentTemplate t = ContentTemplate::Make(*spec, r, salt, holes);
      json full = r;
      for (size_t h = 0; h < holes.size(); ++h) {
        full[std::string(holes[h])] = values[h] ? json(*values[h]) : json();
      }
      full["id"] = 4242;
      full["version"] = 1;
      full["created_at"] = full["updated_at"] = "2026-11-28T04:00:00Z";
      full["created_by"] = full["updated_by"] = actor;
      EXPECT_EQ(t.Fill(4242, "2026-11-28T04:00:00Z", actor, values),
                CanonicalContent(*spec, full, salt))
          << spec->name;
    }
  }
}

TEST(CanonicalTest, DeleteHasZeroContentHash) {
  EXPECT_EQ(ContentHash(Op::kDelete, ""), Hash{});
  EXPECT_EQ(ContentHash(Op::kCreate, "{}"), Sha256("{}"));
}

}  // namespace
}  // namespace dalil::ledger
