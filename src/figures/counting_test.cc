// Table-driven cases for each counting rule of docs/counting.md.
#include "figures/counting.h"

#include <gtest/gtest.h>

#include "base/text.h"
#include "figures/query.h"

namespace dalil::figures {
namespace {

constexpr int kHigh = 0, kReliable = 1, kFair = 2, kUnreliable = 3;
constexpr auto K = Category::kKilled;
constexpr auto I = Category::kInjured;
constexpr auto D = Category::kDetained;

ClaimIn Claim(int64_t id, int64_t source, Category c, int64_t min, std::optional<int64_t> max,
              int reliability) {
  return {id, 1, source, c, min, max, reliability};
}
OutcomeIn Named(int64_t id, int64_t person, Category c, std::optional<int64_t> day = std::nullopt) {
  return {id, 1, person, c, day, std::nullopt};
}

struct Case {
  const char* name;
  IncidentInput in;
  Rules rules;
  Category category;
  int64_t min;
  std::optional<int64_t> max;
  bool provisional;
};

TEST(CountIncidentTest, Rules) {
  const Case cases[] = {
      {"two reliable sources agree", {1, {Claim(1, 1, K, 10, 10, kHigh), Claim(2, 2, K, 10, 10, kReliable)}},
       {}, K, 10, 10, false},
      {"conflicting credible sources span a range",
       {1, {Claim(1, 1, K, 10, 12, kReliable), Claim(2, 2, K, 11, 15, kHigh)}}, {}, K, 10, 15, false},
      {"an open-ended credible claim opens the maximum",
       {1, {Claim(1, 1, I, 261, std::nullopt, kReliable), Claim(2, 2, I, 200, 300, kHigh)}}, {}, I,
       200, std::nullopt, false},
      {"unreliable sources are not counted",
       {1, {Claim(1, 1, K, 30, 30, kUnreliable), Claim(2, 2, K, 10, 10, kReliable)}}, {}, K, 10, 10, true},
      {"a lower reliability threshold lets fairly reliable sources in",
       {1, {Claim(1, 1, K, 7, std::nullopt, kFair), Claim(2, 2, K, 10, 10, kReliable)}},
       {.credible_reliability = kFair}, K, 7, std::nullopt, false},
      {"one source only: provisional", {1, {Claim(1, 1, K, 10, 10, kHigh)}}, {}, K, 10, 10, true},
      {"two claims of one source are one source",
       {1, {Claim(1, 1, K, 10, 10, kHigh), Claim(2, 1, K, 11, 11, kHigh)}}, {}, K, 10, 11, true},
      {"named victims above the claims raise the floor",
       {1, {Claim(1, 1, K, 2, 3, kHigh), Claim(2, 2, K, 2, 2, kReliable)},
        {Named(1, 101, K), Named(2, 102, K), Named(3, 103, K), Named(4, 104, K)}},
       {}, K, 4, 4, false},
      {"the same person named twice in one incident is one",
       {1, {}, {Named(1, 101, K), Named(2, 101, K)}}, {}, K, 1, 1, true},
      {"injured, then died of wounds: killed",
       {1, {}, {Named(1, 101, I), Named(2, 102, I)}, {{1, "died_of_wounds", 18700}}}, {}, K, 1, 1, true},
      {"injured, then died of wounds: no longer injured",
       {1, {}, {Named(1, 101, I), Named(2, 102, I)}, {{1, "died_of_wounds", 18700}}}, {}, I, 1, 1, true},
      {"held as of a day: taken before, released after",
       {1, {Claim(1, 1, D, 40, 40, kHigh)},
        {Named(1, 101, D, 18680), Named(2, 102, D, 18680), Named(3, 103, D, 18700)},
        {{1, "released", 18690}}},
       {.as_of = 18695}, D, 1, 1, true},
      {"held as of a later day: the third taken, the first released",
       {1, {}, {Named(1, 101, D, 18680), Named(2, 102, D, 18680), Named(3, 103, D, 18700)},
        {{1, "released", 18690}, {2, "still_held", 18705}}},
       {.as_of = 18710}, D, 2, 2, true},
  };
  for (const Case& c : cases) {
    auto figs = CountIncident(c.in, c.rules);
    ASSERT_TRUE(figs.count(c.category)) << c.name;
    const Figure& f = figs.at(c.category);
    EXPECT_EQ(f.min, c.min) << c.name;
    EXPECT_EQ(f.max, c.max) << c.name;
    EXPECT_EQ(f.provisional, c.provisional) << c.name;
  }
}

TEST(CountIncidentTest, NoCredibleEvidenceNoFigure) {
  IncidentInput in{1, {Claim(1, 1, K, 30, 30, kUnreliable)}};
  EXPECT_FALSE(CountIncident(in, {}).count(K));
}

TEST(CountIncidentTest, RecordsWhatStandsBehindTheFigure) {
  IncidentInput in{7, {Claim(11, 1, K, 10, 10, kHigh), Claim(12, 2, K, 10, 12, kReliable),
                       Claim(13, 3, K, 30, 30, kUnreliable)},
                   {Named(21, 101, K)}};
  in.claims[0].incident = in.claims[1].incident = 7;
  auto f = CountIncident(in, {}).at(K);
  EXPECT_EQ(f.claims.ids, (std::vector<int64_t>{11, 12}));
  EXPECT_EQ(f.sources.ids, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(f.outcomes.ids, (std::vector<int64_t>{21}));
  EXPECT_EQ(f.incidents.ids, (std::vector<int64_t>{7}));
  EXPECT_EQ(f.persons.ids, (std::vector<int64_t>{101}));
}

// Sums incidents through the accumulator the figures use.
std::map<Category, Figure> Sum(const std::vector<IncidentInput>& incidents, const Rules& rules = {}) {
  GroupAccumulator acc(rules);
  IncidentSummary s;
  for (const IncidentInput& in : incidents) {
    Summarize(in, rules.as_of, &s);
    acc.Add(s);
  }
  return acc.Finish();
}

TEST(AggregateTest, SumsRangesWithoutCountingAPersonTwice) {
  // Incident A: 3 named killed; incident B: 2 named killed, one of them also
  // named in A (two reports of one death).
  IncidentInput a{1, {}, {Named(1, 101, K), Named(2, 102, K), Named(3, 103, K)}};
  IncidentInput b{2, {}, {Named(4, 103, K), Named(5, 104, K)}};
  Figure total = Sum({a, b}).at(K);
  EXPECT_EQ(total.min, 4);
  EXPECT_EQ(total.max, 4);
  EXPECT_EQ(total.persons.total, 4);
  EXPECT_EQ(total.incidents.ids, (std::vector<int64_t>{1, 2}));
}

TEST(AggregateTest, ClaimsAndRepeatedPersonsTogether) {
  // A: claims 10..12 killed (two sources), one of the dead named; B: one
  // named dead who is the same person. The repeat comes off both ends.
  IncidentInput a{1, {Claim(1, 1, K, 10, 12, kHigh), Claim(2, 2, K, 11, 12, kHigh)}, {Named(1, 101, K)}};
  IncidentInput b{2, {}, {Named(2, 101, K)}};
  Figure total = Sum({a, b}).at(K);
  EXPECT_EQ(total.min, 10);
  EXPECT_EQ(total.max, 12);
  EXPECT_TRUE(total.provisional);  // b stands on a name alone
  EXPECT_EQ(total.sources.ids, (std::vector<int64_t>{1, 2}));
}

TEST(AggregateTest, OpenEndedAndProvisionalPropagate) {
  IncidentInput a{1, {Claim(1, 1, I, 261, std::nullopt, kHigh), Claim(2, 2, I, 261, 300, kHigh)}};
  IncidentInput b{2, {Claim(3, 1, I, 5, 5, kHigh)}};
  Figure total = Sum({a, b}).at(I);
  EXPECT_EQ(total.min, 266);
  EXPECT_FALSE(total.max.has_value());
  EXPECT_TRUE(total.provisional);  // b rests on one source
}

TEST(AggregateTest, InjuredInOneIncidentKilledInAnotherCountsOnceAsKilled) {
  IncidentInput a{1, {}, {Named(1, 101, I), Named(2, 102, I)}};
  IncidentInput b{2, {}, {Named(3, 101, K)}};
  auto totals = Sum({a, b});
  EXPECT_EQ(totals[K].min, 1);
  EXPECT_EQ(totals[I].min, 1);
  EXPECT_EQ(totals[I].persons.ids, (std::vector<int64_t>{102}));
}

TEST(AggregateTest, IdListsKeepTheSmallestIdsAndCountAll) {
  std::vector<IncidentInput> incidents;
  for (int64_t i = 1000; i >= 1; --i) {  // added in descending order
    incidents.push_back({i, {Claim(i, 1, K, 1, 1, kHigh)}, {Named(i, 10000 + i, K)}});
  }
  Rules rules;
  rules.id_limit = 5;
  Figure f = Sum(incidents, rules).at(K);
  EXPECT_EQ(f.incidents.ids, (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(f.incidents.total, 1000);
  EXPECT_FALSE(f.incidents.complete());
  EXPECT_EQ(f.claims.total, 1000);
  EXPECT_EQ(f.persons.ids, (std::vector<int64_t>{10001, 10002, 10003, 10004, 10005}));
  EXPECT_EQ(f.min, 1000);
}

TEST(SummaryTest, EncodingRoundTrips) {
  IncidentInput in{42,
                   {Claim(7, 3, K, 10, std::nullopt, kHigh), Claim(5, 9, K, 2, 4, kUnreliable),
                    Claim(9, 3, I, 0, 0, kFair)},
                   {Named(11, 300, K), Named(12, 200, K), Named(13, 200, I, 18700)},
                   {{13, "died_of_wounds", 18710}}};
  IncidentSummary s, back;
  Summarize(in, std::nullopt, &s);
  EXPECT_EQ(s.categories[0].persons, (std::vector<int64_t>{200, 300}));  // 200 also died of wounds
  EXPECT_TRUE(s.categories[1].persons.empty());
  ASSERT_TRUE(DecodeSummary(EncodeSummary(s), &back).ok());
  EXPECT_EQ(back, s);
  // Truncated or altered bytes are refused, never misread.
  std::string bytes = EncodeSummary(s);
  for (size_t n = 0; n < bytes.size(); ++n) {
    Status st = DecodeSummary(std::string_view(bytes).substr(0, n), &back);
    if (st.ok()) {
      EXPECT_NE(back, s) << n;  // a shorter prefix that parses is another summary
    }
  }
  bytes[0] = 9;
  EXPECT_EQ(DecodeSummary(bytes, &back).code(), Code::kCorruption);
}

TEST(IsoWeekTest, KnownWeeks) {
  EXPECT_EQ(IsoWeek(*ParseDate("2021-02-26")), "2021-W08");
  EXPECT_EQ(IsoWeek(*ParseDate("2021-01-01")), "2020-W53");  // a Friday
  EXPECT_EQ(IsoWeek(*ParseDate("2019-12-30")), "2020-W01");  // a Monday
  EXPECT_EQ(IsoWeek(*ParseDate("2019-10-25")), "2019-W43");
}

TEST(ParseTest, Names) {
  EXPECT_EQ(ParseCategory("abducted"), Category::kAbducted);
  EXPECT_FALSE(ParseCategory("missing"));
  EXPECT_EQ(ReliabilityRank("highly_reliable"), 0);
  EXPECT_EQ(ReliabilityRank("unknown"), 5);
  EXPECT_EQ(ParseGroupBy("week"), GroupBy::kWeek);
  EXPECT_FALSE(ParseGroupBy("year"));
}

}  // namespace
}  // namespace dalil::figures
