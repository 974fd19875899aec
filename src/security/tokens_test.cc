#include "security/tokens.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <unordered_set>

namespace dalil::security {
namespace {

bool IsUrlSafeBase64(std::string_view s) {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

TEST(TokenTest, FortyThreeUrlSafeCharacters) {
  for (int i = 0; i < 100; ++i) {
    const std::string t = NewToken();
    EXPECT_EQ(t.size(), 43u);
    EXPECT_TRUE(IsUrlSafeBase64(t)) << t;
    // 256 bits in 43 characters leave 2 unused bits in the last one, so
    // it is always one of the 16 symbols whose low 2 bits are zero.
    EXPECT_NE(std::string_view("AEIMQUYcgkosw048").find(t.back()),
              std::string_view::npos)
        << t;
  }
}

TEST(TokenTest, TenThousandAreDistinct) {
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    EXPECT_TRUE(seen.insert(NewToken()).second) << "repeat after " << i;
  }
}

TEST(TokenTest, HashIsStableLowerHexSha256) {
  // FIPS 180-2 test vectors.
  EXPECT_EQ(TokenHash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(TokenHash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string t = NewToken();
  EXPECT_EQ(TokenHash(t), TokenHash(t));
  EXPECT_EQ(TokenHash(t).size(), 64u);
  EXPECT_NE(TokenHash(t), TokenHash(NewToken()));
}

constexpr std::string_view kAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

void ExpectWellFormedCode(const std::string& code) {
  ASSERT_EQ(code.size(), 19u) << code;
  for (size_t i = 0; i < code.size(); ++i) {
    if (i % 5 == 4) {
      EXPECT_EQ(code[i], '-') << code;
    } else {
      EXPECT_NE(kAlphabet.find(code[i]), std::string_view::npos) << code;
    }
  }
}

TEST(RecoveryCodeTest, TenWellFormedDistinctCodesByDefault) {
  const std::vector<std::string> codes = NewRecoveryCodes();
  ASSERT_EQ(codes.size(), 10u);
  for (const std::string& c : codes) ExpectWellFormedCode(c);
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), 10u);
}

TEST(RecoveryCodeTest, UsesTheWholeAlphabetAndNothingElse) {
  std::set<char> used;
  for (const std::string& c : NewRecoveryCodes(200)) {
    ExpectWellFormedCode(c);
    for (char ch : c) used.insert(ch);
  }
  used.erase('-');
  // 3200 draws from 32 symbols: missing one has probability ~ 32 * e^-100.
  EXPECT_EQ(used.size(), 32u);
  for (char bad : {'0', 'O', '1', 'I'}) EXPECT_EQ(used.count(bad), 0u);
}

TEST(RecoveryCodeTest, Count) {
  EXPECT_TRUE(NewRecoveryCodes(0).empty());
  EXPECT_TRUE(NewRecoveryCodes(-3).empty());
  EXPECT_EQ(NewRecoveryCodes(1).size(), 1u);
}

TEST(RecoveryCodeTest, HashNormalisesCaseDashesAndSpaces) {
  const std::string h = RecoveryCodeHash("7KQF-M2XR-9TNB-H4WC");
  EXPECT_EQ(h, TokenHash("7KQFM2XR9TNBH4WC"));
  for (const char* typed :
       {"7kqf-m2xr-9tnb-h4wc", "7KQFM2XR9TNBH4WC", "7kqf m2xr 9tnb h4wc",
        " 7KqF-m2Xr 9tNb-H4wC ", "7KQF--M2XR-9TNB-H4WC"}) {
    EXPECT_EQ(RecoveryCodeHash(typed), h) << typed;
  }
  EXPECT_NE(RecoveryCodeHash("7KQF-M2XR-9TNB-H4WD"), h);
  EXPECT_NE(RecoveryCodeHash("7KQF-M2XR-9TNB-H4W"), h);
  for (const std::string& c : NewRecoveryCodes()) {
    EXPECT_EQ(RecoveryCodeHash(c), RecoveryCodeHash(c));
    EXPECT_NE(RecoveryCodeHash(c), h);
  }
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals(std::string_view(), ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret!"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  const std::string with_nul("a\0b", 3);
  EXPECT_FALSE(ConstantTimeEquals(with_nul, std::string("a\0c", 3)));
  EXPECT_TRUE(ConstantTimeEquals(with_nul, std::string("a\0b", 3)));
}

}  // namespace
}  // namespace dalil::security
