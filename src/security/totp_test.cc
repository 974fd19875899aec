#include "security/totp.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <optional>
#include <string>

namespace dalil::security {
namespace {

// The seeds of RFC 6238 Appendix B: "1234567890" repeated to the hash's
// output length (20, 32 and 64 bytes).
const std::string kSeed20 = "12345678901234567890";
const std::string kSeed32 = "12345678901234567890123456789012";
const std::string kSeed64 =
    "1234567890123456789012345678901234567890123456789012345678901234";

struct Rfc6238Vector {
  int64_t time;
  Algo algo;
  const char* totp;
};

// RFC 6238 Appendix B, all 18 rows (8 digits, 30-second steps).
constexpr Rfc6238Vector kRfc6238[] = {
    {59, Algo::kSha1, "94287082"},
    {59, Algo::kSha256, "46119246"},
    {59, Algo::kSha512, "90693936"},
    {1111111109, Algo::kSha1, "07081804"},
    {1111111109, Algo::kSha256, "68084774"},
    {1111111109, Algo::kSha512, "25091201"},
    {1111111111, Algo::kSha1, "14050471"},
    {1111111111, Algo::kSha256, "67062674"},
    {1111111111, Algo::kSha512, "99943326"},
    {1234567890, Algo::kSha1, "89005924"},
    {1234567890, Algo::kSha256, "91819424"},
    {1234567890, Algo::kSha512, "93441116"},
    {2000000000, Algo::kSha1, "69279037"},
    {2000000000, Algo::kSha256, "90698825"},
    {2000000000, Algo::kSha512, "38618901"},
    {20000000000, Algo::kSha1, "65353130"},
    {20000000000, Algo::kSha256, "77737706"},
    {20000000000, Algo::kSha512, "47863826"},
};

const std::string& SeedFor(Algo algo) {
  switch (algo) {
    case Algo::kSha1:
      return kSeed20;
    case Algo::kSha256:
      return kSeed32;
    case Algo::kSha512:
      return kSeed64;
  }
  return kSeed20;
}

TEST(TotpTest, Rfc6238AppendixB) {
  for (const Rfc6238Vector& v : kRfc6238) {
    SCOPED_TRACE(testing::Message()
                 << "time " << v.time << " algo " << static_cast<int>(v.algo));
    EXPECT_EQ(Totp(SeedFor(v.algo), v.time, 8, 30, v.algo), v.totp);
    // And each is accepted by VerifyTotp at that time, without drift.
    TotpOptions options;
    options.digits = 8;
    options.algo = v.algo;
    std::optional<int64_t> step;
    EXPECT_TRUE(VerifyTotp(SeedFor(v.algo), v.totp, v.time, std::nullopt, &step,
                           0, options));
    EXPECT_EQ(step, v.time / 30);
  }
}

TEST(HotpTest, Rfc4226AppendixD) {
  constexpr const char* kExpected[] = {"755224", "287082", "359152", "969429",
                                       "338314", "254676", "287922", "162583",
                                       "399871", "520489"};
  for (uint64_t counter = 0; counter < 10; ++counter) {
    EXPECT_EQ(Hotp(kSeed20, counter), kExpected[counter]) << counter;
  }
}

TEST(HotpTest, InvalidParametersGiveEmptyCode) {
  EXPECT_EQ(Hotp(kSeed20, 0, 5), "");
  EXPECT_EQ(Hotp(kSeed20, 0, 9), "");
  EXPECT_EQ(Hotp(kSeed20, 0, 6, static_cast<Algo>(7)), "");
  EXPECT_EQ(Totp(kSeed20, -1), "");
  EXPECT_EQ(Totp(kSeed20, 59, 6, 0), "");
  EXPECT_EQ(Totp(kSeed20, 59, 6, -30), "");
  // 7 digits is allowed, and is the low digits of the same 31-bit value.
  EXPECT_EQ(Hotp(kSeed20, 0, 7), "4755224");  // 1284755224 mod 10^7
}

TEST(TotpTest, StepIsFloorOfTimeOverPeriod) {
  EXPECT_EQ(TotpStep(0), 0);
  EXPECT_EQ(TotpStep(29), 0);
  EXPECT_EQ(TotpStep(30), 1);
  EXPECT_EQ(TotpStep(-1), -1);
  EXPECT_EQ(TotpStep(-30), -1);
  EXPECT_EQ(TotpStep(-31), -2);
  EXPECT_EQ(TotpStep(119, 60), 1);
}

TEST(TotpTest, DefaultsAreSha1SixDigitsThirtySeconds) {
  // The low six digits of the SHA-1 vector at 59 s: 94287082.
  EXPECT_EQ(Totp(kSeed20, 59), "287082");
  EXPECT_EQ(Totp(kSeed20, 59), Hotp(kSeed20, 1));
}

constexpr int64_t kNow = 1111111111;  // step 37037037
constexpr int64_t kStep = kNow / 30;

TEST(VerifyTotpTest, AcceptsCurrentCodeAndReportsStep) {
  std::optional<int64_t> step;
  EXPECT_TRUE(
      VerifyTotp(kSeed20, Totp(kSeed20, kNow), kNow, std::nullopt, &step));
  EXPECT_EQ(step, kStep);
  // matched_step may be null.
  EXPECT_TRUE(
      VerifyTotp(kSeed20, Totp(kSeed20, kNow), kNow, std::nullopt, nullptr));
}

TEST(VerifyTotpTest, DriftWindow) {
  const std::string prev = Hotp(kSeed20, kStep - 1);
  const std::string next = Hotp(kSeed20, kStep + 1);
  const std::string far = Hotp(kSeed20, kStep + 2);
  std::optional<int64_t> step;
  EXPECT_TRUE(VerifyTotp(kSeed20, prev, kNow, std::nullopt, &step));
  EXPECT_EQ(step, kStep - 1);
  EXPECT_TRUE(VerifyTotp(kSeed20, next, kNow, std::nullopt, &step));
  EXPECT_EQ(step, kStep + 1);
  EXPECT_FALSE(VerifyTotp(kSeed20, far, kNow, std::nullopt, &step));
  EXPECT_FALSE(
      VerifyTotp(kSeed20, Hotp(kSeed20, kStep - 2), kNow, std::nullopt, &step));
  // No drift: only the current step.
  EXPECT_FALSE(VerifyTotp(kSeed20, prev, kNow, std::nullopt, &step, 0));
  EXPECT_FALSE(VerifyTotp(kSeed20, next, kNow, std::nullopt, &step, 0));
  // Wider drift reaches further.
  EXPECT_TRUE(VerifyTotp(kSeed20, far, kNow, std::nullopt, &step, 2));
  EXPECT_EQ(step, kStep + 2);
  // Out-of-range drift is refused outright.
  EXPECT_FALSE(
      VerifyTotp(kSeed20, Totp(kSeed20, kNow), kNow, std::nullopt, &step, -1));
  EXPECT_FALSE(
      VerifyTotp(kSeed20, Totp(kSeed20, kNow), kNow, std::nullopt, &step, 11));
}

TEST(VerifyTotpTest, RejectsReplayAndOlderCodes) {
  const std::string code = Totp(kSeed20, kNow);
  std::optional<int64_t> used;
  ASSERT_TRUE(VerifyTotp(kSeed20, code, kNow, std::nullopt, &used));
  ASSERT_EQ(used, kStep);
  // The same code again, even a few seconds later in the same step.
  std::optional<int64_t> step;
  EXPECT_FALSE(VerifyTotp(kSeed20, code, kNow + 5, used, &step));
  EXPECT_EQ(step, std::nullopt);  // untouched on failure
  // An older code inside the window is refused too.
  EXPECT_FALSE(
      VerifyTotp(kSeed20, Hotp(kSeed20, kStep - 1), kNow, used, &step));
  // The next step's code is fine.
  EXPECT_TRUE(
      VerifyTotp(kSeed20, Hotp(kSeed20, kStep + 1), kNow + 30, used, &step));
  EXPECT_EQ(step, kStep + 1);
  // A last-used step before the window changes nothing.
  EXPECT_TRUE(VerifyTotp(kSeed20, code, kNow, kStep - 5, &step));
}

TEST(VerifyTotpTest, RejectsMalformedCodes) {
  const std::string code = Totp(kSeed20, kNow);
  std::optional<int64_t> step;
  EXPECT_FALSE(VerifyTotp(kSeed20, "", kNow, std::nullopt, &step));
  EXPECT_FALSE(
      VerifyTotp(kSeed20, code.substr(0, 5), kNow, std::nullopt, &step));
  EXPECT_FALSE(VerifyTotp(kSeed20, code + "0", kNow, std::nullopt, &step));
  std::string spaced = code;
  spaced[0] = ' ';
  EXPECT_FALSE(VerifyTotp(kSeed20, spaced, kNow, std::nullopt, &step));
  std::string wrong = code;
  wrong[0] = wrong[0] == '9' ? '0' : static_cast<char>(wrong[0] + 1);
  EXPECT_FALSE(VerifyTotp(kSeed20, wrong, kNow, std::nullopt, &step));
  // Wrong key.
  EXPECT_FALSE(VerifyTotp(kSeed32, code, kNow, std::nullopt, &step));
  EXPECT_EQ(step, std::nullopt);
}

TEST(VerifyTotpTest, NoCodesBeforeTheEpoch) {
  std::optional<int64_t> step;
  // At t = 10 the window is steps -1..1; step -1 does not exist.
  EXPECT_TRUE(VerifyTotp(kSeed20, Hotp(kSeed20, 0), 10, std::nullopt, &step));
  EXPECT_EQ(step, 0);
  EXPECT_FALSE(
      VerifyTotp(kSeed20, Hotp(kSeed20, UINT64_MAX), 10, std::nullopt, &step));
  // Extreme times do not overflow.
  EXPECT_FALSE(VerifyTotp(kSeed20, "000000", INT64_MAX, std::nullopt, &step));
  EXPECT_FALSE(VerifyTotp(kSeed20, "000000", INT64_MIN, std::nullopt, &step));
  TotpOptions one_second;
  one_second.period = 1;
  EXPECT_TRUE(VerifyTotp(kSeed20, Hotp(kSeed20, INT64_MAX), INT64_MAX,
                         std::nullopt, &step, 1, one_second));
  EXPECT_EQ(step, INT64_MAX);
}

TEST(VerifyTotpTest, OtherOptions) {
  TotpOptions options;
  options.digits = 8;
  options.period = 60;
  options.algo = Algo::kSha512;
  const std::string code = Totp(kSeed64, kNow, 8, 60, Algo::kSha512);
  ASSERT_EQ(code.size(), 8u);
  std::optional<int64_t> step;
  EXPECT_TRUE(VerifyTotp(kSeed64, code, kNow, std::nullopt, &step, 0, options));
  EXPECT_EQ(step, kNow / 60);
  // The same code under the default options is not accepted.
  EXPECT_FALSE(VerifyTotp(kSeed64, code, kNow, std::nullopt, &step));
  options.digits = 9;
  EXPECT_FALSE(
      VerifyTotp(kSeed64, code + "0", kNow, std::nullopt, &step, 0, options));
}

TEST(Base32Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},
      {"f", "MY"},
      {"fo", "MZXQ"},
      {"foo", "MZXW6"},
      {"foob", "MZXW6YQ"},
      {"fooba", "MZXW6YTB"},
      {"foobar", "MZXW6YTBOI"},
  };
  for (const auto& [bytes, text] : kVectors) {
    EXPECT_EQ(Base32Encode(bytes), text);
    EXPECT_EQ(Base32Decode(text), std::optional<std::string>(bytes)) << text;
  }
  EXPECT_EQ(Base32Encode(kSeed20), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

TEST(Base32Test, RoundTripsEveryLength) {
  ASSERT_GE(sodium_init(), 0);
  for (size_t n = 0; n <= 64; ++n) {
    std::string bytes(n, '\0');
    randombytes_buf(bytes.data(), n);
    const std::string text = Base32Encode(bytes);
    EXPECT_EQ(text.size(), (n * 8 + 4) / 5);
    EXPECT_EQ(Base32Decode(text), std::optional<std::string>(bytes)) << n;
  }
  const std::string all = [] {
    std::string s;
    for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
    return s;
  }();
  EXPECT_EQ(Base32Decode(Base32Encode(all)), std::optional<std::string>(all));
}

TEST(Base32Test, DecodeIsStrict) {
  for (const char* bad :
       {"MY======", "MZXW6YTBOI======", "MZXQ====", "my", "mzxw6ytboi", "MY ",
        " MY", "MZ\nXQ", "M", "MZX", "MZXW6Y", "MZ", "MZXR", "MY0", "MZXW1YTB",
        "MZXW8YTB"}) {
    EXPECT_EQ(Base32Decode(bad), std::nullopt) << bad;
  }
}

TEST(TotpSecretTest, TwentyRandomBytesInBase32) {
  const std::string a = NewTotpSecret();
  const std::string b = NewTotpSecret();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  const std::optional<std::string> raw = Base32Decode(a);
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->size(), 20u);
}

TEST(TotpUriTest, BuildsKeyUri) {
  const Result<std::string> uri =
      TotpUri("Dalil", "amina@example.org", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  ASSERT_TRUE(uri.ok()) << uri.status().ToString();
  EXPECT_EQ(*uri,
            "otpauth://totp/Dalil:amina%40example.org"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Dalil"
            "&algorithm=SHA1&digits=6&period=30");
}

TEST(TotpUriTest, PercentEncodesAndCarriesOptions) {
  TotpOptions options;
  options.digits = 8;
  options.period = 60;
  options.algo = Algo::kSha256;
  const Result<std::string> uri =
      TotpUri("Dalil Iraq & Co", "\xd8\xaf\xd9\x84 x+y/z?",
              "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", options);
  ASSERT_TRUE(uri.ok()) << uri.status().ToString();
  EXPECT_EQ(*uri,
            "otpauth://totp/Dalil%20Iraq%20%26%20Co:%D8%AF%D9%84%20x%2By%2Fz%3F"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=Dalil%20Iraq%20%26%20Co&algorithm=SHA256&digits=8"
            "&period=60");
  options.algo = Algo::kSha512;
  EXPECT_NE(TotpUri("D", "a", NewTotpSecret(), options)->find("SHA512"),
            std::string::npos);
}

TEST(TotpUriTest, RejectsBadInput) {
  const std::string secret = NewTotpSecret();
  struct Case {
    std::string issuer, account, secret;
    const char* field;
  };
  const Case kCases[] = {
      {"", "amina", secret, "issuer"},
      {"Da:lil", "amina", secret, "issuer"},
      {"Dalil", "", secret, "account"},
      {"Dalil", "a:b", secret, "account"},
      {"Dalil", "bad\xff", secret, "account"},
      {"Dalil", "amina", "", "secret"},
      {"Dalil", "amina", "not base32!", "secret"},
      {"Dalil", "amina", "MZXW6YTBOI", "secret"},  // 6 bytes: too short
      {"Dalil", "amina", "GEZDGNBVGY3TQOJQGEZDGNBV", "secret"},  // 15 bytes
  };
  for (const Case& c : kCases) {
    const Result<std::string> uri = TotpUri(c.issuer, c.account, c.secret);
    ASSERT_FALSE(uri.ok()) << c.issuer << " " << c.account << " " << c.secret;
    EXPECT_EQ(uri.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(uri.status().field(), c.field);
  }
  // 16 bytes is the minimum.
  EXPECT_TRUE(TotpUri("Dalil", "amina", "GEZDGNBVGY3TQOJQGEZDGNBVGY").ok());
  TotpOptions bad;
  bad.digits = 10;
  EXPECT_EQ(TotpUri("Dalil", "amina", secret, bad).status().field(), "options");
  bad = {};
  bad.period = 0;
  EXPECT_EQ(TotpUri("Dalil", "amina", secret, bad).status().field(), "options");
}

}  // namespace
}  // namespace dalil::security
