#include <gtest/gtest.h>

#include <filesystem>

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

TEST_F(AccountStoreTest, NeedsTheMigratedSchema) {
  auto other = OpenSqliteAccounts((dir_ / "empty.db").string(), nullptr);
  EXPECT_FALSE(other.ok());
}

}  // namespace
}  // namespace dalil::store
