#include "http/message.h"

#include <gtest/gtest.h>

namespace dalil::http {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(PercentDecodeTest, DecodesEscapes) {
  EXPECT_EQ(PercentDecode("a%20b"), "a b");
  EXPECT_EQ(PercentDecode("%41%42%43"), "ABC");
  EXPECT_EQ(PercentDecode("%c3%a9"), "\xc3\xa9");  // lower-case hex
  EXPECT_EQ(PercentDecode("%C3%A9"), "\xc3\xa9");
  EXPECT_EQ(PercentDecode(""), "");
  EXPECT_EQ(PercentDecode("plain"), "plain");
}

TEST(PercentDecodeTest, PlusIsLiteralUnlessFormEncoded) {
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("a+b", /*form_plus=*/true), "a b");
  EXPECT_EQ(PercentDecode("a%2Bb", /*form_plus=*/true), "a+b");
}

TEST(PercentDecodeTest, RejectsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("%"), std::nullopt);
  EXPECT_EQ(PercentDecode("abc%"), std::nullopt);
  EXPECT_EQ(PercentDecode("abc%4"), std::nullopt);
  EXPECT_EQ(PercentDecode("%zz"), std::nullopt);
  EXPECT_EQ(PercentDecode("%4g"), std::nullopt);
  EXPECT_EQ(PercentDecode("%g4"), std::nullopt);
  EXPECT_EQ(PercentDecode("100%"), std::nullopt);
  EXPECT_EQ(PercentDecode("%%41"), std::nullopt);
}

TEST(PercentDecodeTest, DoesNotDecodeTwice) {
  EXPECT_EQ(PercentDecode("%2541"), "%41");
}

TEST(ParseTargetTest, SplitsPathAndQuery) {
  std::string path;
  Pairs query;
  ASSERT_TRUE(
      ParseTarget("/api/v1/incidents?place=IQ-DQ&limit=10", &path, &query));
  EXPECT_EQ(path, "/api/v1/incidents");
  EXPECT_EQ(query, (Pairs{{"place", "IQ-DQ"}, {"limit", "10"}}));
}

TEST(ParseTargetTest, NoQuery) {
  std::string path;
  Pairs query{{"stale", "x"}};
  ASSERT_TRUE(ParseTarget("/", &path, &query));
  EXPECT_EQ(path, "/");
  EXPECT_TRUE(query.empty());
  ASSERT_TRUE(ParseTarget("/a?", &path, &query));
  EXPECT_EQ(path, "/a");
  EXPECT_TRUE(query.empty());
}

TEST(ParseTargetTest, RepeatedParamsKeepEveryValueInOrder) {
  std::string path;
  Pairs query;
  ASSERT_TRUE(ParseTarget("/s?tag=a&x=1&tag=b&tag=c", &path, &query));
  EXPECT_EQ(query,
            (Pairs{{"tag", "a"}, {"x", "1"}, {"tag", "b"}, {"tag", "c"}}));
  Request req;
  req.query = query;
  EXPECT_EQ(req.Query("tag"), "a");
  EXPECT_EQ(req.Query("x"), "1");
  EXPECT_EQ(req.Query("missing"), std::nullopt);
}

TEST(ParseTargetTest, PlusIsSpaceInQueryButNotInPath) {
  std::string path;
  Pairs query;
  ASSERT_TRUE(ParseTarget("/a+b/c%20d?q=x+y%2Bz&k%20ey=v", &path, &query));
  EXPECT_EQ(path, "/a+b/c d");
  EXPECT_EQ(query, (Pairs{{"q", "x y+z"}, {"k ey", "v"}}));
}

TEST(ParseTargetTest, KeysWithoutValuesAndEmptyPieces) {
  std::string path;
  Pairs query;
  ASSERT_TRUE(ParseTarget("/a?flag&&x=&=v&y=a=b&", &path, &query));
  EXPECT_EQ(query, (Pairs{{"flag", ""}, {"x", ""}, {"", "v"}, {"y", "a=b"}}));
}

TEST(ParseTargetTest, RejectsMalformedTargets) {
  std::string path = "untouched";
  Pairs query;
  EXPECT_FALSE(ParseTarget("", &path, &query));
  EXPECT_FALSE(ParseTarget("api/v1", &path, &query));
  EXPECT_FALSE(ParseTarget("*", &path, &query));
  EXPECT_FALSE(ParseTarget("http://example.com/a", &path, &query));
  EXPECT_FALSE(ParseTarget("/a%zz", &path, &query));
  EXPECT_FALSE(ParseTarget("/a?q=%", &path, &query));
  EXPECT_FALSE(ParseTarget("/a?%4=1", &path, &query));
  EXPECT_FALSE(ParseTarget("/a%00b", &path, &query));
  EXPECT_EQ(path, "untouched");
}

TEST(RequestTest, HeaderLookupUsesLowerCaseNames) {
  Request req;
  req.headers["content-type"] = "text/csv";
  EXPECT_EQ(req.Header("content-type"), "text/csv");
  EXPECT_EQ(req.Header("accept"), std::nullopt);
}

}  // namespace
}  // namespace dalil::http
