#include "figures/phrasing.h"

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <string>
#include <string_view>

namespace dalil::figures {
namespace {

Range Exact(int64_t n) { return Range{n, n}; }
Range AtLeast(int64_t n) { return Range{n, std::nullopt}; }
Range Between(int64_t lo, int64_t hi) { return Range{lo, hi}; }

constexpr std::array<std::string_view, 6> kCategoryNames = {
    "killed", "injured", "detained", "abducted", "tortured", "threatened"};

constexpr std::array<int64_t, 19> kNumbers = {
    0,   1,   2,   3,   10,  11,  12,  99,   100, 101,
    102, 103, 110, 111, 200, 260, 261, 1000, 1001};

std::string Say(std::string_view category, const Range& r, Lang lang,
                Digits digits = Digits::kWestern) {
  Result<std::string> s = Phrase(category, r, lang, digits);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : std::string();
}

// Western digits and commas to Arabic-Indic digits and ٬.
std::string ToIndic(std::string_view s) {
  static constexpr std::string_view kIndic[] = {"٠", "١", "٢", "٣", "٤",
                                                "٥", "٦", "٧", "٨", "٩"};
  std::string out;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      out += kIndic[c - '0'];
    } else if (c == ',') {
      out += "٬";
    } else {
      out += c;
    }
  }
  return out;
}

struct Golden {
  std::string_view category;
  Range range;
  std::string_view english;
  std::string_view arabic;        // Western digits
  std::string_view arabic_indic;  // Arabic-Indic digits
};

void ExpectGoldens(const Golden* begin, const Golden* end) {
  for (const Golden* g = begin; g != end; ++g) {
    SCOPED_TRACE(std::string(g->category) + " " + std::string(g->english));
    EXPECT_EQ(Say(g->category, g->range, Lang::kEnglish), g->english);
    EXPECT_EQ(Say(g->category, g->range, Lang::kEnglish, Digits::kArabicIndic),
              g->english);
    EXPECT_EQ(Say(g->category, g->range, Lang::kArabic), g->arabic);
    EXPECT_EQ(Say(g->category, g->range, Lang::kArabic, Digits::kArabicIndic),
              g->arabic_indic);
  }
}

TEST(PhraseTest, StatementFiguresOfMarch2021) {
  // "At least 10 young protesters have been killed and more than 260 others
  // injured": the joint statement's own figures, as ranges.
  EXPECT_EQ(Say("killed", AtLeast(10), Lang::kEnglish), "at least 10 killed");
  EXPECT_EQ(Say("injured", AtLeast(261), Lang::kEnglish),
            "more than 260 injured");
  EXPECT_EQ(Say("detained", Between(12, 15), Lang::kEnglish),
            "between 12 and 15 detained");
  EXPECT_EQ(Say("killed", Exact(2), Lang::kArabic), "قتيلان");
  EXPECT_EQ(Say("killed", Exact(10), Lang::kArabic, Digits::kArabicIndic),
            "١٠ قتلى");
  EXPECT_EQ(Say("killed", AtLeast(10), Lang::kArabic, Digits::kArabicIndic),
            "ما لا يقل عن ١٠ قتلى");
  EXPECT_EQ(Say("injured", AtLeast(261), Lang::kArabic, Digits::kArabicIndic),
            "أكثر من ٢٦٠ جريحاً");
  EXPECT_EQ(
      Say("detained", Between(12, 15), Lang::kArabic, Digits::kArabicIndic),
      "ما بين ١٢ و١٥ معتقلاً");
}

TEST(PhraseTest, ExactKilledEveryAgreementClass) {
  const Golden kGoldens[] = {
      {"killed", Exact(0), "no one killed", "لم يُقتل أحد", "لم يُقتل أحد"},
      {"killed", Exact(1), "1 killed", "قتيل واحد", "قتيل واحد"},
      {"killed", Exact(2), "2 killed", "قتيلان", "قتيلان"},
      {"killed", Exact(3), "3 killed", "3 قتلى", "٣ قتلى"},
      {"killed", Exact(10), "10 killed", "10 قتلى", "١٠ قتلى"},
      {"killed", Exact(11), "11 killed", "11 قتيلاً", "١١ قتيلاً"},
      {"killed", Exact(12), "12 killed", "12 قتيلاً", "١٢ قتيلاً"},
      {"killed", Exact(99), "99 killed", "99 قتيلاً", "٩٩ قتيلاً"},
      {"killed", Exact(100), "100 killed", "100 قتيل", "١٠٠ قتيل"},
      {"killed", Exact(101), "101 killed", "101 قتيل", "١٠١ قتيل"},
      {"killed", Exact(102), "102 killed", "102 قتيل", "١٠٢ قتيل"},
      {"killed", Exact(103), "103 killed", "103 قتلى", "١٠٣ قتلى"},
      {"killed", Exact(110), "110 killed", "110 قتلى", "١١٠ قتلى"},
      {"killed", Exact(111), "111 killed", "111 قتيلاً", "١١١ قتيلاً"},
      {"killed", Exact(200), "200 killed", "200 قتيل", "٢٠٠ قتيل"},
      {"killed", Exact(260), "260 killed", "260 قتيلاً", "٢٦٠ قتيلاً"},
      {"killed", Exact(261), "261 killed", "261 قتيلاً", "٢٦١ قتيلاً"},
      {"killed", Exact(1000), "1,000 killed", "1,000 قتيل", "١٬٠٠٠ قتيل"},
      {"killed", Exact(1001), "1,001 killed", "1,001 قتيل", "١٬٠٠١ قتيل"},
      {"killed", Exact(1234567), "1,234,567 killed", "1,234,567 قتيلاً",
       "١٬٢٣٤٬٥٦٧ قتيلاً"},
  };
  ExpectGoldens(std::begin(kGoldens), std::end(kGoldens));
}

TEST(PhraseTest, ExactEveryCategory) {
  const Golden kGoldens[] = {
      {"injured", Exact(0), "no one injured", "لم يُصب أحد بجروح",
       "لم يُصب أحد بجروح"},
      {"injured", Exact(1), "1 injured", "جريح واحد", "جريح واحد"},
      {"injured", Exact(2), "2 injured", "جريحان", "جريحان"},
      {"injured", Exact(3), "3 injured", "3 جرحى", "٣ جرحى"},
      {"injured", Exact(260), "260 injured", "260 جريحاً", "٢٦٠ جريحاً"},
      {"injured", Exact(1000), "1,000 injured", "1,000 جريح", "١٬٠٠٠ جريح"},
      {"detained", Exact(0), "no one detained", "لم يُعتقل أحد", "لم يُعتقل أحد"},
      {"detained", Exact(1), "1 detained", "معتقل واحد", "معتقل واحد"},
      {"detained", Exact(2), "2 detained", "معتقلان", "معتقلان"},
      {"detained", Exact(10), "10 detained", "10 معتقلين", "١٠ معتقلين"},
      {"detained", Exact(12), "12 detained", "12 معتقلاً", "١٢ معتقلاً"},
      {"detained", Exact(101), "101 detained", "101 معتقل", "١٠١ معتقل"},
      {"abducted", Exact(0), "no one abducted", "لم يُختطف أحد", "لم يُختطف أحد"},
      {"abducted", Exact(1), "1 abducted", "مختطف واحد", "مختطف واحد"},
      {"abducted", Exact(2), "2 abducted", "مختطفان", "مختطفان"},
      {"abducted", Exact(103), "103 abducted", "103 مختطفين", "١٠٣ مختطفين"},
      {"abducted", Exact(111), "111 abducted", "111 مختطفاً", "١١١ مختطفاً"},
      {"abducted", Exact(200), "200 abducted", "200 مختطف", "٢٠٠ مختطف"},
      {"tortured", Exact(0), "no one tortured", "لم يتعرض أحد للتعذيب",
       "لم يتعرض أحد للتعذيب"},
      {"tortured", Exact(1), "1 tortured", "شخص واحد تعرض للتعذيب",
       "شخص واحد تعرض للتعذيب"},
      {"tortured", Exact(2), "2 tortured", "شخصان تعرضا للتعذيب",
       "شخصان تعرضا للتعذيب"},
      {"tortured", Exact(3), "3 tortured", "3 أشخاص تعرضوا للتعذيب",
       "٣ أشخاص تعرضوا للتعذيب"},
      {"tortured", Exact(11), "11 tortured", "11 شخصاً تعرضوا للتعذيب",
       "١١ شخصاً تعرضوا للتعذيب"},
      {"tortured", Exact(100), "100 tortured", "100 شخص تعرضوا للتعذيب",
       "١٠٠ شخص تعرضوا للتعذيب"},
      {"threatened", Exact(0), "no one threatened", "لم يتعرض أحد للتهديد",
       "لم يتعرض أحد للتهديد"},
      {"threatened", Exact(1), "1 threatened", "شخص واحد تعرض للتهديد",
       "شخص واحد تعرض للتهديد"},
      {"threatened", Exact(2), "2 threatened", "شخصان تعرضا للتهديد",
       "شخصان تعرضا للتهديد"},
      {"threatened", Exact(110), "110 threatened", "110 أشخاص تعرضوا للتهديد",
       "١١٠ أشخاص تعرضوا للتهديد"},
      {"threatened", Exact(99), "99 threatened", "99 شخصاً تعرضوا للتهديد",
       "٩٩ شخصاً تعرضوا للتهديد"},
      {"threatened", Exact(1001), "1,001 threatened",
       "1,001 شخص تعرضوا للتهديد", "١٬٠٠١ شخص تعرضوا للتهديد"},
  };
  ExpectGoldens(std::begin(kGoldens), std::end(kGoldens));
}

// Every category at every test number: the agreement class of each number
// (written out by hand here) picks the category's form.
TEST(PhraseTest, ExactMatrixFollowsAgreementClasses) {
  enum Form { kNone, kOne, kTwo, kPlural, kAccusative, kGenitive };
  struct Forms {
    std::string_view category;
    std::array<std::string_view, 6> arabic;  // indexed by Form
  };
  const Forms kForms[] = {
      {"killed",
       {"لم يُقتل أحد", "قتيل واحد", "قتيلان", "قتلى", "قتيلاً", "قتيل"}},
      {"injured",
       {"لم يُصب أحد بجروح", "جريح واحد", "جريحان", "جرحى", "جريحاً", "جريح"}},
      {"detained",
       {"لم يُعتقل أحد", "معتقل واحد", "معتقلان", "معتقلين", "معتقلاً", "معتقل"}},
      {"abducted",
       {"لم يُختطف أحد", "مختطف واحد", "مختطفان", "مختطفين", "مختطفاً", "مختطف"}},
      {"tortured",
       {"لم يتعرض أحد للتعذيب", "شخص واحد تعرض للتعذيب", "شخصان تعرضا للتعذيب",
        "أشخاص تعرضوا للتعذيب", "شخصاً تعرضوا للتعذيب", "شخص تعرضوا للتعذيب"}},
      {"threatened",
       {"لم يتعرض أحد للتهديد", "شخص واحد تعرض للتهديد", "شخصان تعرضا للتهديد",
        "أشخاص تعرضوا للتهديد", "شخصاً تعرضوا للتهديد", "شخص تعرضوا للتهديد"}},
  };
  const struct {
    int64_t n;
    std::string_view western;
    std::string_view indic;
    Form form;
  } kClasses[] = {
      {0, "0", "٠", kNone},
      {1, "1", "١", kOne},
      {2, "2", "٢", kTwo},
      {3, "3", "٣", kPlural},
      {10, "10", "١٠", kPlural},
      {11, "11", "١١", kAccusative},
      {12, "12", "١٢", kAccusative},
      {99, "99", "٩٩", kAccusative},
      {100, "100", "١٠٠", kGenitive},
      {101, "101", "١٠١", kGenitive},
      {102, "102", "١٠٢", kGenitive},
      {103, "103", "١٠٣", kPlural},
      {110, "110", "١١٠", kPlural},
      {111, "111", "١١١", kAccusative},
      {200, "200", "٢٠٠", kGenitive},
      {260, "260", "٢٦٠", kAccusative},
      {261, "261", "٢٦١", kAccusative},
      {1000, "1,000", "١٬٠٠٠", kGenitive},
      {1001, "1,001", "١٬٠٠١", kGenitive},
  };
  static_assert(std::size(kClasses) == kNumbers.size());
  for (const Forms& f : kForms) {
    for (const auto& c : kClasses) {
      SCOPED_TRACE(std::string(f.category) + " " + std::to_string(c.n));
      const std::string_view noun = f.arabic[c.form];
      const bool bare = c.form == kNone || c.form == kOne || c.form == kTwo;
      EXPECT_EQ(Say(f.category, Exact(c.n), Lang::kArabic),
                bare ? std::string(noun)
                     : std::string(c.western) + " " + std::string(noun));
      EXPECT_EQ(
          Say(f.category, Exact(c.n), Lang::kArabic, Digits::kArabicIndic),
          bare ? std::string(noun)
               : std::string(c.indic) + " " + std::string(noun));
      EXPECT_EQ(Say(f.category, Exact(c.n), Lang::kEnglish),
                (c.n == 0 ? std::string("no one") : std::string(c.western)) +
                    " " + std::string(f.category));
    }
  }
}

TEST(PhraseTest, OpenEndedSaysAtLeastOrMoreThanARoundFigure) {
  const Golden kGoldens[] = {
      {"killed", AtLeast(1), "at least 1 killed", "ما لا يقل عن قتيل واحد",
       "ما لا يقل عن قتيل واحد"},
      {"injured", AtLeast(2), "at least 2 injured", "ما لا يقل عن جريحين",
       "ما لا يقل عن جريحين"},
      {"abducted", AtLeast(3), "at least 3 abducted", "ما لا يقل عن 3 مختطفين",
       "ما لا يقل عن ٣ مختطفين"},
      {"killed", AtLeast(10), "at least 10 killed", "ما لا يقل عن 10 قتلى",
       "ما لا يقل عن ١٠ قتلى"},
      // 10 above: "more than 10" is the same claim and the figure people
      // remember.
      {"killed", AtLeast(11), "more than 10 killed", "أكثر من 10 قتلى",
       "أكثر من ١٠ قتلى"},
      {"killed", AtLeast(12), "at least 12 killed", "ما لا يقل عن 12 قتيلاً",
       "ما لا يقل عن ١٢ قتيلاً"},
      {"killed", AtLeast(21), "more than 20 killed", "أكثر من 20 قتيلاً",
       "أكثر من ٢٠ قتيلاً"},
      {"killed", AtLeast(99), "at least 99 killed", "ما لا يقل عن 99 قتيلاً",
       "ما لا يقل عن ٩٩ قتيلاً"},
      {"killed", AtLeast(100), "at least 100 killed", "ما لا يقل عن 100 قتيل",
       "ما لا يقل عن ١٠٠ قتيل"},
      {"injured", AtLeast(101), "more than 100 injured", "أكثر من 100 جريح",
       "أكثر من ١٠٠ جريح"},
      {"detained", AtLeast(102), "at least 102 detained",
       "ما لا يقل عن 102 معتقل", "ما لا يقل عن ١٠٢ معتقل"},
      {"detained", AtLeast(111), "more than 110 detained",
       "أكثر من 110 معتقلين", "أكثر من ١١٠ معتقلين"},
      {"injured", AtLeast(260), "at least 260 injured",
       "ما لا يقل عن 260 جريحاً", "ما لا يقل عن ٢٦٠ جريحاً"},
      {"injured", AtLeast(261), "more than 260 injured", "أكثر من 260 جريحاً",
       "أكثر من ٢٦٠ جريحاً"},
      {"killed", AtLeast(1001), "more than 1,000 killed", "أكثر من 1,000 قتيل",
       "أكثر من ١٬٠٠٠ قتيل"},
      {"killed", AtLeast(1002), "at least 1,002 killed",
       "ما لا يقل عن 1,002 قتيل", "ما لا يقل عن ١٬٠٠٢ قتيل"},
      {"tortured", AtLeast(3), "at least 3 tortured",
       "ما لا يقل عن 3 أشخاص تعرضوا للتعذيب",
       "ما لا يقل عن ٣ أشخاص تعرضوا للتعذيب"},
      {"threatened", AtLeast(261), "more than 260 threatened",
       "أكثر من 260 شخصاً تعرضوا للتهديد", "أكثر من ٢٦٠ شخصاً تعرضوا للتهديد"},
      {"threatened", AtLeast(2), "at least 2 threatened",
       "ما لا يقل عن شخصين تعرضا للتهديد", "ما لا يقل عن شخصين تعرضا للتهديد"},
  };
  ExpectGoldens(std::begin(kGoldens), std::end(kGoldens));
}

TEST(PhraseTest, BoundedRanges) {
  const Golden kGoldens[] = {
      {"detained", Between(12, 15), "between 12 and 15 detained",
       "ما بين 12 و15 معتقلاً", "ما بين ١٢ و١٥ معتقلاً"},
      // The noun agrees with the second number.
      {"killed", Between(2, 5), "between 2 and 5 killed", "ما بين 2 و5 قتلى",
       "ما بين ٢ و٥ قتلى"},
      {"injured", Between(99, 100), "between 99 and 100 injured",
       "ما بين 99 و100 جريح", "ما بين ٩٩ و١٠٠ جريح"},
      {"injured", Between(100, 111), "between 100 and 111 injured",
       "ما بين 100 و111 جريحاً", "ما بين ١٠٠ و١١١ جريحاً"},
      // A dual cannot follow a bare digit: both numbers take their nouns.
      {"killed", Between(1, 2), "between 1 and 2 killed",
       "ما بين قتيل واحد وقتيلين", "ما بين قتيل واحد وقتيلين"},
      {"killed", Between(1, 3), "between 1 and 3 killed", "ما بين 1 و3 قتلى",
       "ما بين ١ و٣ قتلى"},
      {"abducted", Between(1000, 1001), "between 1,000 and 1,001 abducted",
       "ما بين 1,000 و1,001 مختطف", "ما بين ١٬٠٠٠ و١٬٠٠١ مختطف"},
      {"tortured", Between(12, 15), "between 12 and 15 tortured",
       "ما بين 12 و15 شخصاً تعرضوا للتعذيب",
       "ما بين ١٢ و١٥ شخصاً تعرضوا للتعذيب"},
      // No known minimum: the figure is a ceiling.
      {"killed", Between(0, 1), "up to 1 killed", "ما يصل إلى قتيل واحد",
       "ما يصل إلى قتيل واحد"},
      {"injured", Between(0, 2), "up to 2 injured", "ما يصل إلى جريحين",
       "ما يصل إلى جريحين"},
      {"detained", Between(0, 15), "up to 15 detained", "ما يصل إلى 15 معتقلاً",
       "ما يصل إلى ١٥ معتقلاً"},
      {"abducted", Between(0, 100), "up to 100 abducted",
       "ما يصل إلى 100 مختطف", "ما يصل إلى ١٠٠ مختطف"},
  };
  ExpectGoldens(std::begin(kGoldens), std::end(kGoldens));
}

// Whatever the shape of the range, the Arabic-Indic text is the Western text
// with its digits and separators swapped, and English ignores `digits`.
TEST(PhraseTest, DigitSystemsDifferOnlyInDigits) {
  for (std::string_view category : kCategoryNames) {
    for (int64_t n : kNumbers) {
      const Range ranges[] = {Exact(n), AtLeast(n + 1), Between(n, n + 7),
                              Between(0, n + 1), Between(n + 1, n + 2)};
      for (const Range& r : ranges) {
        SCOPED_TRACE(std::string(category) + " " + std::to_string(r.min));
        const std::string western = Say(category, r, Lang::kArabic);
        EXPECT_EQ(Say(category, r, Lang::kArabic, Digits::kArabicIndic),
                  ToIndic(western));
        EXPECT_EQ(western.find_first_of("0123456789") == std::string::npos,
                  ToIndic(western) == western);
        EXPECT_EQ(Say(category, r, Lang::kEnglish, Digits::kArabicIndic),
                  Say(category, r, Lang::kEnglish));
      }
    }
  }
}

TEST(PhraseTest, LargeCounts) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(Say("killed", AtLeast(kMax), Lang::kEnglish),
            "at least 9,223,372,036,854,775,807 killed");
  EXPECT_EQ(Say("killed", Exact(kMax), Lang::kArabic),
            "9,223,372,036,854,775,807 قتلى");  // ends in 07
  EXPECT_EQ(Say("killed", Between(0, kMax), Lang::kEnglish),
            "up to 9,223,372,036,854,775,807 killed");
}

TEST(PhraseTest, RejectsUnknownCategory) {
  for (std::string_view bad : {"", "Killed", "dead", "killed "}) {
    Result<std::string> s = Phrase(bad, Exact(1), Lang::kEnglish);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(s.status().field(), "category");
    EXPECT_NE(s.status().message().find("killed, injured, detained, abducted, "
                                        "tortured, threatened"),
              std::string::npos);
  }
}

TEST(PhraseTest, RejectsInvalidRanges) {
  struct Bad {
    Range range;
    std::string_view field;
  };
  const Bad kBad[] = {
      {Range{-1, std::nullopt}, "range.min"},
      {Range{-1, 5}, "range.min"},
      {Range{5, 4}, "range.max"},
      {Range{1, 0}, "range.max"},
      // Nothing known: no wording is defensible, not even "an unknown
      // number", which would say that someone was killed.
      {Range{0, std::nullopt}, "range"},
  };
  for (const Bad& b : kBad) {
    for (Lang lang : {Lang::kEnglish, Lang::kArabic}) {
      Result<std::string> s = Phrase("killed", b.range, lang);
      ASSERT_FALSE(s.ok()) << b.field;
      EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
      EXPECT_EQ(s.status().field(), b.field);
    }
  }
}

}  // namespace
}  // namespace dalil::figures
