#include "security/password.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

namespace dalil::security {
namespace {

// --- CheckPasswordStrength ---------------------------------------------

void ExpectRejected(std::string_view password, std::string_view user,
                    std::string_view why, const PasswordPolicy& policy = {}) {
  const Status s = CheckPasswordStrength(password, user, policy);
  ASSERT_FALSE(s.ok()) << "accepted a password that should fail: " << why;
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "password");
  EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
  // Messages may be logged or shown: they must never carry the secret.
  if (!password.empty()) {
    EXPECT_EQ(s.message().find(password), std::string::npos) << s.message();
  }
}

TEST(PasswordStrengthTest, AcceptsLongUncommonPassword) {
  EXPECT_TRUE(CheckPasswordStrength("violet-kettle-49-orbit", "amina").ok());
  EXPECT_TRUE(CheckPasswordStrength("Tigris&Euphrates", "").ok());
}

TEST(PasswordStrengthTest, MinimumLengthIsTwelveCodePoints) {
  ExpectRejected("vk3#Lm9!qZ2", "amina", "at least 12");             // 11
  EXPECT_TRUE(CheckPasswordStrength("vk3#Lm9!qZ2x", "amina").ok());  // 12
  ExpectRejected("", "amina", "at least 12");
}

TEST(PasswordStrengthTest, CountsCodePointsNotBytes) {
  // Six Arabic letters: 12 bytes of UTF-8 but only 6 characters.
  const std::string six = "\xd8\xaf\xd9\x84\xd9\x8a\xd9\x84\xd8\xb3\xd8\xb1";
  ASSERT_EQ(six.size(), 12u);
  ExpectRejected(six, "amina", "at least 12");
  // Twelve of them are enough, although that is 24 bytes.
  EXPECT_TRUE(CheckPasswordStrength(six + six, "amina").ok());
  // An emoji is one code point of 4 bytes: 11 of them are still too short.
  std::string emoji;
  for (int i = 0; i < 11; ++i) emoji += "\xf0\x9f\x8c\xb4";
  ExpectRejected(emoji, "amina", "at least 12");
  emoji += "\xf0\x9f\x8c\xb5";
  EXPECT_TRUE(CheckPasswordStrength(emoji, "amina").ok());
}

TEST(PasswordStrengthTest, MaximumLength) {
  EXPECT_TRUE(CheckPasswordStrength(std::string(1020, 'k') + "Q7-z", "amina")
                  .ok());  // exactly 1024
  ExpectRejected(std::string(1025, 'k'), "amina", "at most 1024");
  PasswordPolicy policy;
  policy.max_length = 20;
  ExpectRejected("violet-kettle-49-orbit", "amina", "at most 20", policy);
  EXPECT_TRUE(CheckPasswordStrength("violet-kettle-49", "amina", policy).ok());
  // The limit is in code points too: 20 Arabic letters are 40 bytes.
  std::string arabic;
  for (int i = 0; i < 20; ++i) arabic += "\xd8\xaf";
  EXPECT_TRUE(CheckPasswordStrength(arabic, "amina", policy).ok());
}

TEST(PasswordStrengthTest, RejectsInvalidUtf8) {
  ExpectRejected("valid-start-\xff-then-junk", "amina", "UTF-8");
  ExpectRejected("overlong-slash-\xc0\xaf-here", "amina", "UTF-8");
  ExpectRejected("surrogate-\xed\xa0\x80-inside", "amina", "UTF-8");
}

TEST(PasswordStrengthTest, RejectsUserName) {
  ExpectRejected("amina.rashid1", "amina.rashid1", "user name");
  ExpectRejected("AMINA.RASHID1", "amina.rashid1", "user name");
  ExpectRejected("my-name-is-Amina-ok", "amina", "user name");
  ExpectRejected("zzAMINAzzzzzz", "AmInA", "user name");
  // A very short name is not searched for inside the password.
  EXPECT_TRUE(CheckPasswordStrength("violet-kettle-49-orbit", "vi").ok());
  // Non-ASCII names match exactly (no Unicode case folding).
  const std::string name = "\xd8\xaf\xd9\x84\xd9\x8a\xd9\x84";  // 4 letters
  ExpectRejected("zz-" + name + "-violet-kettle", name, "user name");
}

TEST(PasswordStrengthTest, RejectsCommonPasswordsIgnoringCase) {
  for (std::string_view common :
       {"password1234", "PASSWORD1234", "qwertyuiop123", "QwErTyUiOp123",
        "123456789012", "1qaz2wsx3edc", "iloveyou1234", "administrator",
        "correcthorsebatterystaple", "abcdefghijkl"}) {
    ExpectRejected(common, "amina", "too common");
  }
  // Lower limits make the short entries matter too.
  PasswordPolicy lax;
  lax.min_length = 6;
  ExpectRejected("Qwerty", "amina", "too common", lax);
  ExpectRejected("123456", "amina", "too common", lax);
}

TEST(PasswordStrengthTest, CommentLinesAreNotEntries) {
  PasswordPolicy lax;
  lax.min_length = 1;
  // The list's first line is a comment; neither it nor "#" is an entry.
  EXPECT_TRUE(CheckPasswordStrength("#", "amina", lax).ok());
  EXPECT_TRUE(CheckPasswordStrength(
                  "# Common passwords refused by CheckPasswordStrength "
                  "(security/password.h).",
                  "amina", lax)
                  .ok());
}

// --- Hashing -------------------------------------------------------------
// Each hash costs ~19 MiB and tens of milliseconds, so the suite hashes as
// few times as it can and shares the result.

class PasswordHashTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<std::string> h = HashPassword("violet-kettle-49-orbit", kTestCost);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    hash_ = new std::string(*h);
  }
  static void TearDownTestSuite() {
    delete hash_;
    hash_ = nullptr;
  }
  static const std::string& hash() { return *hash_; }

 private:
  static std::string* hash_;
};
std::string* PasswordHashTest::hash_ = nullptr;

TEST_F(PasswordHashTest, EncodesArgon2idWithTheCost) {
  EXPECT_EQ(hash().rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << hash();
  EXPECT_LT(hash().size(), 128u);
  EXPECT_EQ(hash().find("violet"), std::string::npos);
}

TEST_F(PasswordHashTest, VerifiesOnlyTheRightPassword) {
  EXPECT_TRUE(VerifyPassword(hash(), "violet-kettle-49-orbit"));
  EXPECT_FALSE(VerifyPassword(hash(), "violet-kettle-49-orbiT"));
  EXPECT_FALSE(VerifyPassword(hash(), "violet-kettle-49-orbit "));
  EXPECT_FALSE(VerifyPassword(hash(), ""));
}

TEST_F(PasswordHashTest, RejectsMalformedHashes) {
  EXPECT_FALSE(VerifyPassword("", "violet-kettle-49-orbit"));
  EXPECT_FALSE(VerifyPassword("$argon2id$garbage", "violet-kettle-49-orbit"));
  std::string with_nul = hash();
  with_nul[5] = '\0';
  EXPECT_FALSE(VerifyPassword(with_nul, "violet-kettle-49-orbit"));
  EXPECT_FALSE(
      VerifyPassword(hash() + std::string(200, 'A'), "violet-kettle-49-orbit"));
  // A flipped character of the digest.
  std::string tampered = hash();
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyPassword(tampered, "violet-kettle-49-orbit"));
}

TEST_F(PasswordHashTest, NeedsRehashWhenCostOrAlgorithmDiffers) {
  EXPECT_FALSE(NeedsRehash(hash(), kTestCost));
  EXPECT_TRUE(NeedsRehash(hash(), kDefaultCost));
  EXPECT_TRUE(NeedsRehash(hash(), HashCost{3, kTestCost.mem}));
  EXPECT_TRUE(NeedsRehash("", kTestCost));
  EXPECT_TRUE(NeedsRehash("$argon2id$garbage", kTestCost));
  // An Argon2i hash with the very same parameters is still replaced.
  ASSERT_GE(sodium_init(), 0);
  char argon2i[crypto_pwhash_STRBYTES];
  ASSERT_EQ(crypto_pwhash_str_alg(argon2i, "pw", 2, 3, 8192,
                                  crypto_pwhash_ALG_ARGON2I13),
            0);
  EXPECT_TRUE(NeedsRehash(argon2i, HashCost{3, 8192}));
}

TEST_F(PasswordHashTest, SaltsEveryHash) {
  Result<std::string> again = HashPassword("violet-kettle-49-orbit", kTestCost);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*again, hash());
  EXPECT_TRUE(VerifyPassword(*again, "violet-kettle-49-orbit"));
}

TEST(PasswordHashCostTest, DefaultCostMeetsOwaspMinimum) {
  // OWASP: Argon2id with at least m = 19 MiB and t = 2.
  EXPECT_GE(kDefaultCost.ops, 2u);
  EXPECT_GE(kDefaultCost.mem, size_t{19} << 20);
  EXPECT_GE(kTestCost.ops, 2u);
  EXPECT_GE(kTestCost.mem, size_t{19} << 20);
}

TEST(PasswordHashCostTest, DefaultCostHashes) {
  Result<std::string> h = HashPassword("Tigris&Euphrates");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->rfind("$argon2id$v=19$m=65536,t=3,p=1$", 0), 0u) << *h;
  EXPECT_FALSE(NeedsRehash(*h));
  EXPECT_TRUE(VerifyPassword(*h, "Tigris&Euphrates"));
}

TEST(PasswordHashCostTest, RefusesCostBelowMinimum) {
  for (HashCost weak : {HashCost{1, kTestCost.mem},
                        HashCost{2, kTestCost.mem - 1024}, HashCost{0, 0}}) {
    Result<std::string> h = HashPassword("violet-kettle-49-orbit", weak);
    ASSERT_FALSE(h.ok());
    EXPECT_EQ(h.status().code(), Code::kInternal);
  }
}

}  // namespace
}  // namespace dalil::security
