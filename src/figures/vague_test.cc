#include "figures/vague.h"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace dalil::figures {

// Readable failures: "[261, open)".
void PrintTo(const Range& r, std::ostream* os) {
  *os << "[" << r.min << ", ";
  if (r.max) {
    *os << *r.max << "]";
  } else {
    *os << "open)";
  }
}

namespace {

constexpr std::optional<int64_t> kOpen = std::nullopt;

struct Case {
  std::string_view text;
  Range want;
};

void ExpectParses(const Case* begin, const Case* end) {
  for (const Case* c = begin; c != end; ++c) {
    Result<Range> r = ParseCount(c->text);
    ASSERT_TRUE(r.ok()) << "\"" << c->text << "\": " << r.status().ToString();
    EXPECT_EQ(*r, c->want) << "\"" << c->text << "\"";
  }
}

// The error for `text`; fails the test if `text` parses.
Status ErrorFor(std::string_view text) {
  Result<Range> r = ParseCount(text);
  EXPECT_FALSE(r.ok()) << "\"" << text << "\" parsed";
  return r.status();
}

TEST(ParseCountTest, PlainNumbersInEveryDigitSystem) {
  const Case kCases[] = {
      {"260", {260, 260}},
      {"٢٦٠", {260, 260}},
      {"۲۶۰", {260, 260}},  // Eastern Arabic-Indic, as Kurdish writes it
      {"0", {0, 0}},
      {"٠", {0, 0}},
      {"  12 ", {12, 12}},
      {"1,000", {1000, 1000}},
      {"١٬٠٠٠", {1000, 1000}},
      {"1,234,567", {1234567, 1234567}},
      {"1000000000", {kMaxCount, kMaxCount}},
  };
  ExpectParses(std::begin(kCases), std::end(kCases));
}

TEST(ParseCountTest, AtLeast) {
  const Case kCases[] = {
      {"at least 10", {10, kOpen}},      {"At Least 10", {10, kOpen}},
      {"no fewer than 10", {10, kOpen}}, {"no less than 10", {10, kOpen}},
      {"10 or more", {10, kOpen}},       {"ما لا يقل عن ١٠", {10, kOpen}},
      {"لا يقل عن 10", {10, kOpen}},     {"١٠ على الأقل", {10, kOpen}},
      {"على الأقل ١٠", {10, kOpen}},     {"at least 0", {0, kOpen}},
  };
  ExpectParses(std::begin(kCases), std::end(kCases));
}

TEST(ParseCountTest, MoreThanIsOneAbove) {
  const Case kCases[] = {
      {"more than 260", {261, kOpen}},    {"over 260", {261, kOpen}},
      {"MORE THAN 1,000", {1001, kOpen}}, {"أكثر من ٢٦٠", {261, kOpen}},
      {"اكثر من 260", {261, kOpen}},  // typed without the hamza
      {"ما يزيد عن ٢٦٠", {261, kOpen}},   {"ما يزيد على ٢٦٠", {261, kOpen}},
      {"more than 0", {1, kOpen}},
  };
  ExpectParses(std::begin(kCases), std::end(kCases));
}

TEST(ParseCountTest, CeilingsStartAtZero) {
  const Case kCases[] = {
      {"up to 15", {0, 15}},        {"at most 15", {0, 15}},
      {"no more than 15", {0, 15}}, {"ما يصل إلى ١٥", {0, 15}},
      {"ما يصل الى 15", {0, 15}},   {"حتى ١٥", {0, 15}},
      {"لا يزيد عن ١٥", {0, 15}},   {"fewer than 15", {0, 14}},
      {"less than 15", {0, 14}},    {"أقل من ١٥", {0, 14}},
      {"fewer than 1", {0, 0}},
  };
  ExpectParses(std::begin(kCases), std::end(kCases));
}

TEST(ParseCountTest, Ranges) {
  const Case kCases[] = {
      {"10-12", {10, 12}},
      {"10–12", {10, 12}},    // en dash
      {"10 — 12", {10, 12}},  // em dash, spaced
      {"١٠–١٢", {10, 12}},
      {"١٠-١٢", {10, 12}},
      {"10 to 12", {10, 12}},
      {"between 10 and 12", {10, 12}},
      {"from 10 to 12", {10, 12}},
      {"between 12 and 15", {12, 15}},
      {"ما بين ١٢ و١٥", {12, 15}},
      {"بين ١٢ و ١٥", {12, 15}},
      {"من ١٠ إلى ١٢", {10, 12}},
      {"من 10 الى 12", {10, 12}},
      {"من ١٠ حتى ١٢", {10, 12}},
      {"10-10", {10, 10}},
      {"0-5", {0, 5}},
      {"1,000-1,200", {1000, 1200}},
  };
  ExpectParses(std::begin(kCases), std::end(kCases));
}

TEST(ParseCountTest, VagueWordsGiveAConservativeFloor) {
  const Case kCases[] = {
      {"tens", {10, kOpen}},
      {"عشرات", {10, kOpen}},
      {"العشرات", {10, kOpen}},
      {"dozens", {12, kOpen}},  // ACLED codes 12
      {"Dozens", {12, kOpen}},
      {"scores", {20, kOpen}},
      {"hundreds", {100, kOpen}},
      {"مئات", {100, kOpen}},
      {"المئات", {100, kOpen}},
      {"thousands", {1000, kOpen}},
      {"آلاف", {1000, kOpen}},
      {"الآلاف", {1000, kOpen}},
      {"tens of thousands", {10000, kOpen}},
      {"عشرات الآلاف", {10000, kOpen}},
      {"several", {3, kOpen}},
      {"عدة", {3, kOpen}},
      {"بضعة", {3, kOpen}},
      {"بضع", {3, kOpen}},
      {"a few", {2, kOpen}},
  };
  ExpectParses(std::begin(kCases), std::end(kCases));
}

TEST(ParseCountTest, IgnoresWhatReadersDoNotSee) {
  const Case kCases[] = {
      {"أكثـــر من ٢٦٠", {261, kOpen}},       // tatweel
      {"أَكْثَرُ مِنْ ٢٦٠", {261, kOpen}},          // diacritics
      {"\u200F٢٦٠\u200F", {260, 260}},        // right-to-left marks
      {"\u2067عشرات\u2069", {10, kOpen}},     // an isolate
      {"more\u00A0than  260", {261, kOpen}},  // no-break and double space
      {"ما\tبين ١٢\nو١٥", {12, 15}},
      {"عـشـرات", {10, kOpen}},
      {"حتى ١٥", {0, 15}},
      {"حتي ١٥", {0, 15}},  // ى typed as ي
  };
  ExpectParses(std::begin(kCases), std::end(kCases));
}

TEST(ParseCountTest, ErrorsNameWhatWasNotUnderstood) {
  const struct {
    std::string_view text;
    std::string_view in_message;
  } kCases[] = {
      {"", "empty"},
      {"   ", "empty"},
      {"\u200F", "empty"},
      {"many", "\"many\""},
      {"كثير", "\"كثير\""},
      {"10 killed", "\"killed\""},
      {"more than dozens", "\"dozens\""},
      {"more than", "expected a number"},
      {"between 10", "expected \"and\""},
      {"between 10 or 12", "\"or 12\""},
      {"from 10 and 12", "expected \"to\""},
      {"overall 10", "\"overall 10\""},
      {"2.5", "whole number"},
      {"٢٫٥", "whole number"},
      {"15-12", "backwards"},
      {"1,00", "\"1,00\" is not grouped"},
      {"1234,567", "\"1234,567\" is not grouped"},
      {"10,12", "not grouped"},
      {",123", "expected a number"},
      {"-5", "expected a number"},
      {"fewer than 0", "fewer than 0"},
      {"1000000001", "above 1000000000"},
      {"more than 1000000000", "above 1000000000"},
      {"99999999999999999999999", "above 1000000000"},
      {"about 100", "approximate"},
      {"around 100", "approximate"},
      {"nearly 100", "approximate"},
      {"some 200", "approximate"},
      {"~100", "approximate"},
      {"100 or so", "approximate"},
      {"نحو ١٠٠", "approximate"},
      {"حوالي ١٠٠", "approximate"},
      {"حوالى ١٠٠", "approximate"},
      {"قرابة ١٠٠", "approximate"},
      {"ما يقارب ١٠٠", "approximate"},
      {"١٠٠ تقريباً", "approximate"},
  };
  for (const auto& c : kCases) {
    const Status s = ErrorFor(c.text);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << c.text;
    EXPECT_NE(s.message().find(c.in_message), std::string::npos)
        << "\"" << c.text << "\": " << s.message();
    EXPECT_TRUE(s.field().empty());
  }
}

TEST(ParseCountTest, ErrorsQuoteTheOriginalText) {
  const Status s = ErrorFor("أكثر من كثير");
  EXPECT_NE(s.message().find("\"أكثر من كثير\""), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("\"كثير\""), std::string::npos) << s.message();
}

TEST(ParseCountTest, RejectsInvalidUtf8) {
  for (std::string_view bad :
       {std::string_view("\xff"), std::string_view("10\xC3"),
        std::string_view("\xED\xA0\x80")}) {
    EXPECT_EQ(ErrorFor(bad).code(), Code::kInvalidArgument);
  }
}

// A source's words, read and then phrased, come back as the statement's.
TEST(ParseCountTest, RoundTripsThroughPhrase) {
  const struct {
    std::string_view text;
    std::string_view category;
    Lang lang;
    std::string_view phrase;
  } kCases[] = {
      {"at least 10", "killed", Lang::kEnglish, "at least 10 killed"},
      {"more than 260", "injured", Lang::kEnglish, "more than 260 injured"},
      {"between 12 and 15", "detained", Lang::kEnglish,
       "between 12 and 15 detained"},
      {"dozens", "injured", Lang::kEnglish, "at least 12 injured"},
      {"ما لا يقل عن ١٠", "killed", Lang::kArabic, "ما لا يقل عن ١٠ قتلى"},
      {"أكثر من ٢٦٠", "injured", Lang::kArabic, "أكثر من ٢٦٠ جريحاً"},
      {"١٢–١٥", "detained", Lang::kArabic, "ما بين ١٢ و١٥ معتقلاً"},
      {"مئات", "injured", Lang::kArabic, "ما لا يقل عن ١٠٠ جريح"},
      {"2", "killed", Lang::kArabic, "قتيلان"},
  };
  for (const auto& c : kCases) {
    Result<Range> r = ParseCount(c.text);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    Result<std::string> s =
        Phrase(c.category, *r, c.lang, Digits::kArabicIndic);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(*s, c.phrase);
  }
}

}  // namespace
}  // namespace dalil::figures
