#include <gtest/gtest.h>

#include <filesystem>

#include "ledger/checkpoint.h"
#include "ledger/leaf.h"
#include "model/schema.h"
#include "store/accounts.h"
#include "store/sqlite/db.h"
#include "store/sqlite/sqlite_store.h"

namespace dalil::store {
namespace {

namespace fs = std::filesystem;

// Seals by reversing the text and remembers the slots it was asked for, so
// the test can see that TOTP secrets go through the codec, bound to their row.
class ReversingCodec : public SensitiveCodec {
 public:
  Result<std::string> Seal(const FieldSlot& slot, std::string_view plaintext) const override {
    last_slot = std::string(slot.table) + "." + std::string(slot.column) + "." +
                std::to_string(slot.row_id);
    return std::string(plaintext.rbegin(), plaintext.rend());
  }
  Result<std::string> Open(const FieldSlot&, std::string_view stored) const override {
    return std::string(stored.rbegin(), stored.rend());
  }
  mutable std::string last_slot;
};

class AccountStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dalil_accounts_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "t.db").string();
    auto s = OpenSqliteStore({.path = path_});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    codec_ = std::make_shared<ReversingCodec>();
    auto a = OpenSqliteAccounts(path_, codec_);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    accounts_ = std::move(a).value();
    auto org = accounts_->CreateOrganisation("test", "Org");
    ASSERT_TRUE(org.ok());
    User u;
    u.organisation_id = org->id;
    u.username = "Alice";
    u.role = "reviewer";
    u.password_hash = "hash";
    auto made = accounts_->CreateUser("test", u);
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    user_ = made->id;
  }
  void TearDown() override {
    accounts_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  fs::path dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
  std::shared_ptr<ReversingCodec> codec_;
  std::unique_ptr<AccountStore> accounts_;
  int64_t user_ = 0;
};

TEST_F(AccountStoreTest, TotpSecretIsSealedToItsUserRow) {
  ASSERT_TRUE(accounts_->SetTotp("test", user_, "ABCDEFGH", true).ok());
  EXPECT_EQ(codec_->last_slot, "users.totp_secret." + std::to_string(user_));
  auto db = sqlite::Database::Open(path_, false);
  ASSERT_TRUE(db.ok());
  auto st = (*db)->Prepare("SELECT totp_secret FROM users WHERE id = " + std::to_string(user_));
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(*st->Step());
  EXPECT_EQ(st->Text(0), "HGFEDCBA");  // what the codec made, not the secret
  auto u = accounts_->GetUser(user_);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->totp_secret, "ABCDEFGH");
  EXPECT_TRUE(u->totp_enabled);
}

TEST_F(AccountStoreTest, UserNamesAreUniqueIgnoringCase) {
  User u;
  u.organisation_id = 1;
  u.username = "ALICE";
  u.role = "viewer";
  u.password_hash = "hash";
  EXPECT_EQ(accounts_->CreateUser("test", u).status().code(), Code::kConflict);
  EXPECT_TRUE(accounts_->FindUser("alice").ok());
  u.username = "bob";
  u.organisation_id = 99;
  EXPECT_EQ(accounts_->CreateUser("test", u).status().field(), "organisation_id");
}

TEST_F(AccountStoreTest, AuditTrailIsAppendOnly) {
  auto audit = accounts_->ListAudit(10);
  ASSERT_TRUE(audit.ok());
  ASSERT_FALSE(audit->empty());
  EXPECT_EQ(audit->front().action, "user.create");
  auto db = sqlite::Database::Open(path_, false);
  ASSERT_TRUE(db.ok());
  EXPECT_FALSE((*db)->Exec("UPDATE account_audit SET actor = 'someone else'").ok());
  EXPECT_FALSE((*db)->Exec("DELETE FROM account_audit").ok());
  EXPECT_EQ(accounts_->ListAudit(10)->size(), audit->size());
}

TEST_F(AccountStoreTest, RecoveryCodesAreUsedOnce) {
  ASSERT_TRUE(accounts_->ReplaceRecoveryCodes("test", user_, {"h1", "h2"}).ok());
  EXPECT_EQ(*accounts_->UnusedRecoveryCodes(user_), 2);
  EXPECT_TRUE(*accounts_->UseRecoveryCode("test", user_, "h1"));
  EXPECT_FALSE(*accounts_->UseRecoveryCode("test", user_, "h1"));
  EXPECT_FALSE(*accounts_->UseRecoveryCode("test", user_ + 1, "h2"));
  EXPECT_EQ(*accounts_->UnusedRecoveryCodes(user_), 1);
}

// Account events and reveals are ledger leaves written on the accounts'
// own connection; record writes on the store's connection interleave with
// them in one tree, which verifies whole (docs/formats/ledger.md 1.3).
TEST_F(AccountStoreTest, AccountEventsAndRevealsInterleaveWithRecordWritesInOneTree) {
  const model::EntitySpec& incidents = *model::FindEntityByName("incident");
  const json incident = {{"title_en", "Sit-in"}, {"start_date", "2021-03-01"}, {"place_id", 13},
                         {"event_type", "protests"}};
  const uint64_t before = *store_->LedgerSize();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->Create("user:1", incidents, incident).ok());
    ASSERT_TRUE(accounts_->Audit("system", "login.failure", user_, json::object()).ok());
    auto r = accounts_->RecordReveal({.user_id = user_, .organisation_id = 1, .entity = "person",
                                      .record_id = 7, .fields = {"name"}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->leaf, before + 3 * i + 2);
  }
  ASSERT_EQ(*store_->LedgerSize(), before + 15);
  auto leaves = store_->Leaves(before, before + 3);
  ASSERT_TRUE(leaves.ok());
  std::vector<std::string> kinds;
  for (const auto& l : *leaves) kinds.push_back(ledger::DecodeLeaf(l.data)->entity);
  EXPECT_EQ(kinds, (std::vector<std::string>{"incident", "account_event", "reveal"}));
  auto key = ledger::GenerateSigningKey("dalil/accounts-test");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(store_->SignCheckpoint(*key).ok());
  auto report = store_->VerifyLedger(ledger::VerifierOf(*key), std::nullopt);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->intact()) << json(report->problems).dump(1);
  EXPECT_EQ(report->events, 2u + 5u + 5u);  // organisation, user, then the loop

  // Rows changed behind Dalil's back (triggers dropped first) are named.
  auto db = sqlite::Database::Open(path_, false);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("DROP TRIGGER reveals_no_update; DROP TRIGGER account_audit_no_delete; "
                          "UPDATE reveals SET fields = '[\"contact\"]' WHERE id = 2; "
                          "DELETE FROM account_audit WHERE id = 3").ok());
  report = store_->VerifyLedger(ledger::VerifierOf(*key), std::nullopt);
  ASSERT_TRUE(report.ok());
  const std::string found = json(report->problems).dump();
  EXPECT_NE(found.find("reveal 2 differs from its leaf"), std::string::npos) << found;
  EXPECT_NE(found.find("account_event 3 recorded at leaf"), std::string::npos) << found;
  EXPECT_EQ(report->problems.size(), 2u) << found;
}

// A database from before events joined the ledger: the migration that
// creates `reveals` appends the existing audit rows, in id order.
TEST_F(AccountStoreTest, MigrationAppendsTheAuditRowsWrittenBefore) {
  const uint64_t size = *store_->LedgerSize();  // places, then the two audit rows
  accounts_.reset();
  store_.reset();
  {
    auto db = sqlite::Database::Open(path_, false);
    ASSERT_TRUE(db.ok());
    // Back to schema 9: migration 10 made `reveals`; the later ones (11,
    // import_records) are dropped too, to be made again.
    ASSERT_TRUE((*db)->Exec("DELETE FROM ledger WHERE idx >= " + std::to_string(size - 2) +
                            "; DROP TABLE reveals; DROP TABLE import_records; "
                            "PRAGMA user_version = 9").ok());
  }
  auto s = OpenSqliteStore({.path = path_});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  store_ = std::move(s).value();
  ASSERT_EQ(*store_->LedgerSize(), size);
  auto leaves = store_->Leaves(size - 2, size);
  ASSERT_TRUE(leaves.ok());
  for (uint64_t i = 0; i < 2; ++i) {
    auto leaf = ledger::DecodeLeaf((*leaves)[i].data);
    ASSERT_TRUE(leaf.ok());
    EXPECT_EQ(leaf->entity, "account_event");
    EXPECT_EQ(leaf->record_id, i + 1);
  }
  auto key = ledger::GenerateSigningKey("dalil/accounts-test");
  ASSERT_TRUE(store_->SignCheckpoint(*key).ok());
  auto report = store_->VerifyLedger(ledger::VerifierOf(*key), std::nullopt);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact()) << json(report->problems).dump(1);
}

TEST_F(AccountStoreTest, NeedsTheMigratedSchema) {
  auto other = OpenSqliteAccounts((dir_ / "empty.db").string(), nullptr);
  EXPECT_FALSE(other.ok());
}

}  // namespace
}  // namespace dalil::store
