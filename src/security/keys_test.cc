// Keys for encryption at rest: sealing bound to its context and key version,
// wrapping under the master key, key files and passphrases.
#include "security/keys.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace dalil::security {
namespace {

namespace fs = std::filesystem;

SecretKey FixedKey(char fill) { return *SecretKey::FromBytes(std::string(kKeyBytes, fill)); }

class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    ring_ = std::make_unique<Keyring>(FixedKey('m'));
    ring_->Add(1, SecretKey::Random());
    ring_->SetCurrent(1);
  }
  std::unique_ptr<Keyring> ring_;
};

TEST_F(KeysTest, SealedValueOpensOnlyInItsContext) {
  auto sealed = ring_->Seal(kFieldMagic, "persons/name/1", "Canary Name");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("Canary Name"), std::string::npos);
  EXPECT_EQ(SealedVersion(*sealed), 1u);
  EXPECT_EQ(*ring_->Open(kFieldMagic, "persons/name/1", *sealed), "Canary Name");
  auto moved = ring_->Open(kFieldMagic, "persons/name/2", *sealed);
  EXPECT_EQ(moved.status().code(), Code::kCorruption);
  EXPECT_EQ(moved.status().message().find("Canary"), std::string::npos);
  // A field value is not a file, even in the same context.
  EXPECT_EQ(ring_->Open(kFileMagic, "persons/name/1", *sealed).status().code(),
            Code::kCorruption);
  // Every byte is covered: flipping any one fails.
  for (size_t i = 0; i < sealed->size(); ++i) {
    std::string bad = *sealed;
    bad[i] ^= 0x01;
    EXPECT_FALSE(ring_->Open(kFieldMagic, "persons/name/1", bad).ok()) << "byte " << i;
  }
  // Two seals of one value differ (fresh nonce).
  EXPECT_NE(*ring_->Seal(kFieldMagic, "c", "v"), *ring_->Seal(kFieldMagic, "c", "v"));
}

TEST_F(KeysTest, KeyVersionIsBoundAndOldVersionsStillOpen) {
  std::string v1 = *ring_->Seal(kFieldMagic, "ctx", "first");
  ring_->Add(2, SecretKey::Random());
  ring_->SetCurrent(2);
  std::string v2 = *ring_->Seal(kFieldMagic, "ctx", "second");
  EXPECT_EQ(SealedVersion(v2), 2u);
  EXPECT_EQ(*ring_->Open(kFieldMagic, "ctx", v1), "first");
  EXPECT_EQ(*ring_->Open(kFieldMagic, "ctx", v2), "second");
  // Relabelling a value with another version does not open.
  std::string relabelled = v1;
  relabelled[7] = 2;
  EXPECT_EQ(ring_->Open(kFieldMagic, "ctx", relabelled).status().code(), Code::kCorruption);
}

TEST_F(KeysTest, UnknownVersionAsksTheReloaderOnce) {
  // Another process added key 8 and sealed with it.
  Keyring other(FixedKey('m'));
  other.Add(8, FixedKey('k'));
  other.SetCurrent(8);
  std::string sealed = *other.Seal(kFieldMagic, "ctx", "from key 8");
  EXPECT_EQ(ring_->Open(kFieldMagic, "ctx", sealed).status().code(), Code::kCorruption);
  // The reloader plays the database: it hands over the wrapped key.
  const std::string wrapped = other.Wrap(8, FixedKey('k'));
  int calls = 0;
  ring_->SetReloader([&](Keyring& k) {
    ++calls;
    return k.AddWrapped(8, wrapped);
  });
  EXPECT_EQ(*ring_->Open(kFieldMagic, "ctx", sealed), "from key 8");
  EXPECT_EQ(*ring_->Open(kFieldMagic, "ctx", sealed), "from key 8");
  EXPECT_EQ(calls, 1);
}

TEST_F(KeysTest, WrappedKeysAndMasterCheckNeedTheRightMaster) {
  std::string check = ring_->MasterCheck();
  EXPECT_TRUE(ring_->MatchesMasterCheck(check));
  Keyring wrong(FixedKey('w'));
  EXPECT_FALSE(wrong.MatchesMasterCheck(check));
  std::string wrapped = ring_->Wrap(3, FixedKey('d'));
  EXPECT_EQ(wrong.AddWrapped(3, wrapped).code(), Code::kCorruption);
  Keyring right(FixedKey('m'));
  EXPECT_TRUE(right.AddWrapped(3, wrapped).ok());
  // A wrapped key cannot be passed off as another version.
  Keyring again(FixedKey('m'));
  EXPECT_EQ(again.AddWrapped(4, wrapped).code(), Code::kCorruption);
}

TEST(MasterKeyFileTest, CreateReadAndRefuseLoosePermissions) {
  ASSERT_GE(sodium_init(), 0);
  fs::path dir = fs::temp_directory_path() / ("dalil_keys_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "master.key").string();
  EXPECT_EQ(ReadMasterKeyFile(path).status().code(), Code::kNotFound);
  auto created = CreateMasterKeyFile(path);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(fs::status(path).permissions() & (fs::perms::group_all | fs::perms::others_all),
            fs::perms::none);
  auto read = ReadMasterKeyFile(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(sodium_memcmp(read->data(), created->data(), kKeyBytes), 0);
  EXPECT_EQ(CreateMasterKeyFile(path).status().code(), Code::kIoError);  // never overwrites

  ::chmod(path.c_str(), 0640);
  auto loose = ReadMasterKeyFile(path);
  EXPECT_EQ(loose.status().code(), Code::kPermissionDenied);
  EXPECT_NE(loose.status().message().find("chmod 600"), std::string::npos);
  ::chmod(path.c_str(), 0600);

  const std::string junk = (dir / "junk.key").string();
  { std::ofstream(junk) << "not a key\n"; }
  ::chmod(junk.c_str(), 0600);
  EXPECT_EQ(ReadMasterKeyFile(junk).status().code(), Code::kInvalidArgument);
  fs::remove_all(dir);
}

TEST(PassphraseTest, SameSaltSameKeyOtherPassphraseOtherKey) {
  ASSERT_GE(sodium_init(), 0);
  KdfParams p = NewKdfParams();
  p.ops = 1;
  p.mem = size_t{19} << 20;  // the cheapest accepted, for the test
  auto a = DeriveMasterKey("correct horse battery staple", p);
  auto b = DeriveMasterKey("correct horse battery staple", p);
  auto c = DeriveMasterKey("correct horse battery stapler", p);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(sodium_memcmp(a->data(), b->data(), kKeyBytes), 0);
  EXPECT_NE(sodium_memcmp(a->data(), c->data(), kKeyBytes), 0);
  EXPECT_EQ(DeriveMasterKey("", p).status().code(), Code::kInvalidArgument);
  p.mem = 1024;
  EXPECT_EQ(DeriveMasterKey("x", p).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace dalil::security
