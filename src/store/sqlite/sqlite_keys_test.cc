// Encryption at rest in the SQLite store: no sensitive value in the
// database's bytes, sealed values bound to their slot, the master key
// checked before anything is touched, databases from before encryption
// adopted, and key rotation under concurrent readers and writers.
#include "store/sqlite/sqlite_keys.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "store/crypto_codec.h"
#include "store/sqlite/db.h"
#include "store/sqlite/sqlite_store.h"

namespace dalil::store {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const model::EntitySpec& E(const char* name) { return *model::FindEntityByName(name); }

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

class SqliteKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ = fs::temp_directory_path() /
           ("dalil_keys_store_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    master_ = std::string(security::kKeyBytes, 'M');
    auto key = ledger::GenerateSigningKey("dalil/test");
    ASSERT_TRUE(key.ok());
    key_ = *key;
    verifier_ = *ledger::ParseVerifierKey(ledger::VerifierKey(key_));
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  std::string Path() const { return (dir_ / "t.db").string(); }
  // A keyring as a separate process would build it from the master key.
  std::shared_ptr<security::Keyring> Ring(const std::string& master) const {
    return std::make_shared<security::Keyring>(*security::SecretKey::FromBytes(master));
  }
  Result<std::unique_ptr<Store>> Open(std::shared_ptr<security::Keyring> ring) {
    return OpenSqliteStore({.path = Path(), .keyring = std::move(ring),
                            .new_master = {.kind = MasterKind::kFile}});
  }
  void OpenEncrypted() {
    ring_ = Ring(master_);
    auto s = Open(ring_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  void ExpectIntact() {
    ASSERT_TRUE(store_->SignCheckpoint(key_).ok());
    auto r = store_->VerifyLedger(verifier_, std::nullopt);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& p : r->problems) ADD_FAILURE() << p;
  }
  // Runs SQL behind the store's back.
  void Sql(const std::string& sql) {
    auto db = sqlite::Database::Open(Path(), false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec(sql).ok()) << sql;
  }
  std::string DatabaseBytes() {
    std::string all;
    for (const char* suffix : {"", "-wal", "-shm"}) all += ReadAll(Path() + suffix);
    return all;
  }

  fs::path dir_;
  std::string master_;
  std::shared_ptr<security::Keyring> ring_;
  std::unique_ptr<Store> store_;
  ledger::SigningKey key_;
  ledger::Verifier verifier_;
};

TEST_F(SqliteKeysTest, SensitiveValuesNeverReachTheFileInPlaintext) {
  OpenEncrypted();
  auto p = store_->Create("test", E("person"),
                          {{"name", "CANARY-store-name"},
                           {"name_variants", {"CANARY-store-variant"}},
                           {"contact", "CANARY-store-contact"},
                           {"home_location", "CANARY-store-home"},
                           {"affiliation", "CANARY-store-affiliation"}});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  auto upd = store_->Update("test", E("person"), (*p)["id"], {{"contact", "CANARY-store-newer"}});
  ASSERT_TRUE(upd.ok()) << upd.status().ToString();
  EXPECT_EQ((*store_->Get(E("person"), (*p)["id"]))["name"], "CANARY-store-name");
  EXPECT_EQ(DatabaseBytes().find("CANARY"), std::string::npos);
  ExpectIntact();
}

TEST_F(SqliteKeysTest, MovedCiphertextFailsWithACorruptionError) {
  OpenEncrypted();
  auto a = store_->Create("test", E("person"), {{"name", "Person A"}, {"contact", "A's phone"}});
  auto b = store_->Create("test", E("person"), {{"name", "Person B"}});
  auto src = store_->Create("test", E("source"), {{"kind", "witness_testimony"},
                                                   {"reliability", "reliable"},
                                                   {"witness_identity", "Witness W"}});
  ASSERT_TRUE(a.ok() && b.ok() && src.ok());
  const int64_t ia = (*a)["id"], ib = (*b)["id"], is = (*src)["id"];
  auto expect_corrupt = [&](const model::EntitySpec& spec, int64_t id, const std::string& where) {
    auto r = store_->Get(spec, id);
    ASSERT_EQ(r.status().code(), Code::kCorruption) << where;
    EXPECT_NE(r.status().message().find(where), std::string::npos) << r.status().message();
    for (const char* secret : {"Person", "phone", "Witness"}) {
      EXPECT_EQ(r.status().message().find(secret), std::string::npos);
    }
  };
  // Another row, same column.
  Sql("UPDATE persons SET name = (SELECT name FROM persons WHERE id = " + std::to_string(ia) +
      ") WHERE id = " + std::to_string(ib));
  expect_corrupt(E("person"), ib, "persons.name of row " + std::to_string(ib));
  // Same row, another column.
  Sql("UPDATE persons SET affiliation = contact WHERE id = " + std::to_string(ia));
  expect_corrupt(E("person"), ia, "persons.affiliation of row " + std::to_string(ia));
  // Another table.
  Sql("UPDATE sources SET witness_identity = (SELECT contact FROM persons WHERE id = " +
      std::to_string(ia) + ") WHERE id = " + std::to_string(is));
  expect_corrupt(E("source"), is, "sources.witness_identity of row " + std::to_string(is));
  // `dalil verify` names the damage too.
  ASSERT_TRUE(store_->SignCheckpoint(key_).ok());
  auto report = store_->VerifyLedger(verifier_, std::nullopt);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->intact());
}

TEST_F(SqliteKeysTest, WrongOrMissingMasterKeyTouchesNothing) {
  OpenEncrypted();
  ASSERT_TRUE(store_->Create("test", E("person"), {{"name", "Someone"}}).ok());
  store_.reset();
  const std::string before = DatabaseBytes();
  auto wrong = Open(Ring(std::string(security::kKeyBytes, 'W')));
  ASSERT_EQ(wrong.status().code(), Code::kUnauthenticated);
  EXPECT_NE(wrong.status().message().find("master key does not match"), std::string::npos);
  auto none = OpenSqliteStore({.path = Path()});
  EXPECT_EQ(none.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(DatabaseBytes(), before);
}

TEST_F(SqliteKeysTest, DatabaseFromBeforeEncryptionIsSealedWhenFirstOpenedWithAKey) {
  {
    auto plain = OpenSqliteStore({.path = Path()});
    ASSERT_TRUE(plain.ok());
    ASSERT_TRUE((*plain)->Create("test", E("person"), {{"name", "CANARY-legacy-name"}}).ok());
  }
  ASSERT_NE(DatabaseBytes().find("CANARY-legacy-name"), std::string::npos);
  OpenEncrypted();
  EXPECT_EQ((*store_->Get(E("person"), 1))["name"], "CANARY-legacy-name");
  ExpectIntact();
  // No page of the file or its WAL still holds the old plaintext.
  EXPECT_EQ(DatabaseBytes().find("CANARY-legacy-name"), std::string::npos);
  store_.reset();
  EXPECT_EQ(DatabaseBytes().find("CANARY-legacy-name"), std::string::npos);
}

TEST_F(SqliteKeysTest, RotationKeepsReadersWorkingAndRetiresTheOldKey) {
  OpenEncrypted();
  constexpr int kPersons = 120;
  for (int i = 0; i < kPersons; ++i) {
    ASSERT_TRUE(store_->Create("test", E("person"),
                               {{"name", "Person " + std::to_string(i)},
                                {"name_variants", {"Variant " + std::to_string(i)}}})
                    .ok());
  }
  const uint64_t leaves_before = *store_->LedgerSize();
  const ledger::Hash root_before = *store_->LedgerRoot(leaves_before);

  // Readers and a writer go on in this process while another keyring (as
  // `dalil keys rotate` in another process would) rotates.
  auto rotating = Ring(master_);
  auto opened = Open(rotating);  // loads the keys, as the CLI does
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::atomic<bool> stop{false};
  std::atomic<int64_t> reads{0}, bad_reads{0}, writes{0};
  std::string first_error;
  std::thread reader([&] {
    while (!stop) {
      for (int64_t id = 1; id <= kPersons && !stop; id += 7) {
        auto r = store_->Get(E("person"), id);
        if (!r.ok() || (*r)["name"] != "Person " + std::to_string(id - 1)) {
          if (bad_reads++ == 0) first_error = r.ok() ? "wrong value" : r.status().ToString();
        }
        ++reads;
      }
    }
  });
  std::thread writer([&] {
    while (!stop) {
      if (store_->Create("writer", E("person"), {{"name", "Written meanwhile"}}).ok()) ++writes;
      // Leave the rotation room to take the write lock between writes.
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  auto report = RotateDataKey(Path(), *rotating, {.batch_rows = 16});
  // Let the reader see the rotated values for a moment longer.
  const int64_t seen = reads.load();
  while (reads.load() < seen + 50) std::this_thread::yield();
  stop = true;
  reader.join();
  writer.join();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->new_version, 2u);
  EXPECT_EQ(report->retired, std::vector<uint32_t>{1});
  EXPECT_GE(report->values, 2 * kPersons);
  EXPECT_EQ(bad_reads.load(), 0) << first_error;

  // Every value is at version 2, key 1 is gone, everything still opens.
  auto status = ReadKeyStatus(Path(), nullptr);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(status->keys.size(), 1u);
  EXPECT_EQ(status->keys[0].version, 2u);
  ASSERT_EQ(status->values.size(), 1u);
  EXPECT_EQ(status->values.begin()->first, 2u);
  auto all = store_->List(E("person"), {.limit = 500});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->total, kPersons + writes.load());
  // A fresh process that never saw key 1 reads everything.
  opened->reset();
  store_.reset();
  OpenEncrypted();
  EXPECT_EQ((*store_->Get(E("person"), 5))["name_variants"], json::array({"Variant 4"}));
  // Rotation re-seals; it does not change any record: the leaves stand.
  EXPECT_EQ(*store_->LedgerRoot(leaves_before), root_before);
  ExpectIntact();
}

TEST_F(SqliteKeysTest, ChangingTheMasterKeyRewrapsTheDataKeysOnly) {
  OpenEncrypted();
  ASSERT_TRUE(store_->Create("test", E("person"), {{"name", "Still here"}}).ok());
  store_.reset();
  const std::string before = DatabaseBytes();
  const std::string fresh_master(security::kKeyBytes, 'N');
  auto fresh = Ring(fresh_master);
  ASSERT_TRUE(ChangeMasterKey(Path(), *ring_, *fresh, {.kind = MasterKind::kFile}).ok());
  EXPECT_EQ(Open(Ring(master_)).status().code(), Code::kUnauthenticated);
  auto reopened = Open(Ring(fresh_master));
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*(*reopened)->Get(E("person"), 1))["name"], "Still here");
  // The values were not re-encrypted: the same data key, wrapped anew.
  auto status = ReadKeyStatus(Path(), nullptr);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(status->keys.size(), 1u);
  EXPECT_EQ(status->keys[0].version, 1u);
  // A wrong current key changes nothing.
  reopened->reset();
  const std::string after = DatabaseBytes();
  EXPECT_NE(after, before);
  auto wrong = Ring(std::string(security::kKeyBytes, 'W'));
  EXPECT_EQ(ChangeMasterKey(Path(), *wrong, *Ring(master_), {.kind = MasterKind::kFile}).code(),
            Code::kUnauthenticated);
  EXPECT_EQ(DatabaseBytes(), after);
}

TEST_F(SqliteKeysTest, InterruptedRotationKeepsOldKeysAndCanBeRunAgain) {
  OpenEncrypted();
  ASSERT_TRUE(store_->Create("test", E("person"), {{"name", "Kept"}}).ok());
  // A value sealed with a key the database does not hold: rotation cannot
  // open it, so it stops and retires nothing.
  {
    auto stranger = Ring(master_);
    stranger->Add(9, security::SecretKey::Random());
    stranger->SetCurrent(9);
    auto codec = NewEncryptingCodec(stranger);
    auto sealed = codec->Seal({"persons", "contact", 1}, "x");
    auto db = sqlite::Database::Open(Path(), false);
    auto st = (*db)->Prepare("UPDATE persons SET contact = ? WHERE id = 1");
    st->BindBlob(1, *sealed);
    ASSERT_TRUE(st->Run().ok());
  }
  auto report = RotateDataKey(Path(), *ring_, {});
  EXPECT_EQ(report.status().code(), Code::kCorruption);
  auto status = ReadKeyStatus(Path(), nullptr);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->keys.size(), 2u);  // 1 and 2 both kept
  // Repair (clear the foreign value) and run again: it completes.
  Sql("UPDATE persons SET contact = NULL WHERE id = 1");
  report = RotateDataKey(Path(), *ring_, {});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->new_version, 3u);
  EXPECT_EQ(report->retired, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ((*store_->Get(E("person"), 1))["name"], "Kept");
}

}  // namespace
}  // namespace dalil::store
