#include "base/text.h"

#include <gtest/gtest.h>

namespace dalil {
namespace {

TEST(Utf8Test, AcceptsArabicAndEmoji) {
  EXPECT_TRUE(IsValidUtf8("الناصرية"));
  EXPECT_TRUE(IsValidUtf8("ascii"));
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_TRUE(IsValidUtf8(""));
}

TEST(Utf8Test, RejectsMalformed) {
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("ab\x80"));
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // truncated 3-byte
}

TEST(DateTest, ParsesOnlyDatesThatExist) {
  EXPECT_EQ(ParseDate("1970-01-01"), 0);
  EXPECT_EQ(ParseDate("2021-02-26"), 18684);
  EXPECT_TRUE(ParseDate("2020-02-29"));
  EXPECT_TRUE(ParseDate("2000-02-29"));
  EXPECT_FALSE(ParseDate("2021-02-29"));
  EXPECT_FALSE(ParseDate("1900-02-29"));
  EXPECT_FALSE(ParseDate("2021-04-31"));
  EXPECT_FALSE(ParseDate("2021-13-01"));
  EXPECT_FALSE(ParseDate("2021-00-10"));
  EXPECT_FALSE(ParseDate("2021-1-01"));
  EXPECT_FALSE(ParseDate("21-01-01xx"));
  EXPECT_FALSE(ParseDate("2021-02-2a"));
}

TEST(DateTest, FormatRoundTrips) {
  for (int64_t d = -1000; d < 30000; d += 7) {
    EXPECT_EQ(ParseDate(FormatDate(d)), d);
  }
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(1614297600 + 3661), "2021-02-26T01:01:01Z");
}

TEST(ParseIntTest, StrictDigits) {
  EXPECT_EQ(ParseInt("42"), 42);
  EXPECT_EQ(ParseInt("-3"), -3);
  EXPECT_FALSE(ParseInt(""));
  EXPECT_FALSE(ParseInt("4x"));
  EXPECT_FALSE(ParseInt("99999999999999999999"));
}

}  // namespace
}  // namespace dalil
