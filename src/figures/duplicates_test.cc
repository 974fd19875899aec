#include "figures/duplicates.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "base/text.h"

namespace dalil::figures {
namespace {

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

std::vector<std::string> SplitBars(const std::string& cell) {
  std::vector<std::string> out;
  std::stringstream in(cell);
  std::string part;
  while (std::getline(in, part, '|')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

// "22" -> 22..22, "20-25" -> 20..25, "" -> unknown.
void ParseAge(const std::string& cell, PersonFacts* p) {
  if (cell.empty()) return;
  size_t dash = cell.find('-');
  std::optional<int64_t> lo = ParseInt(cell.substr(0, dash));
  std::optional<int64_t> hi = dash == std::string::npos ? lo : ParseInt(cell.substr(dash + 1));
  ASSERT_TRUE(lo && hi) << cell;
  p->age_min = static_cast<int>(*lo);
  p->age_max = static_cast<int>(*hi);
}

struct LabelledPair {
  PersonFacts a, b;
  bool same = false;
  std::string note;
};

std::vector<LabelledPair> LoadPairs() {
  std::ifstream in(std::string(DALIL_SOURCE_DIR) + "/tests/data/person_pairs.tsv");
  EXPECT_TRUE(in.good()) << "tests/data/person_pairs.tsv not found";
  std::vector<LabelledPair> pairs;
  std::string line;
  bool header_seen = false;
  int64_t next_id = 1;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (!header_seen) {
      EXPECT_EQ(line.rfind("name_a\tname_b\t", 0), 0u) << "header row expected";
      header_seen = true;
      continue;
    }
    std::vector<std::string> f = SplitTabs(line);
    EXPECT_EQ(f.size(), 12u) << line;
    if (f.size() != 12) continue;
    LabelledPair lp;
    PersonFacts* sides[2] = {&lp.a, &lp.b};
    for (int s = 0; s < 2; ++s) {
      PersonFacts& p = *sides[s];
      p.id = next_id++;
      p.names = SplitBars(f[s]);
      ParseAge(f[2 + s], &p);
      p.sex = f[4 + s];
      if (!f[6 + s].empty()) p.governorate_ids.push_back(*ParseInt(f[6 + s]));
      if (!f[8 + s].empty()) {
        std::optional<int64_t> day = ParseDate(f[8 + s]);
        EXPECT_TRUE(day) << f[8 + s];
        if (day) p.event_days.push_back(*day);
      }
    }
    EXPECT_TRUE(f[10] == "0" || f[10] == "1") << line;
    lp.same = f[10] == "1";
    lp.note = f[11];
    pairs.push_back(std::move(lp));
  }
  return pairs;
}

struct Confusion {
  int tp = 0, fp = 0, fn = 0, tn = 0;
  void Add(bool predicted, bool same) { (predicted ? (same ? tp : fp) : (same ? fn : tn))++; }
  double Precision() const { return tp + fp == 0 ? 0 : static_cast<double>(tp) / (tp + fp); }
  double Recall() const { return tp + fn == 0 ? 0 : static_cast<double>(tp) / (tp + fn); }
  void Print(const char* what) const {
    std::printf("%-24s %3d pairs (%3d same, %3d different): TP %3d FP %2d FN %2d TN %3d  "
                "precision %.3f  recall %.3f\n",
                what, tp + fp + fn + tn, tp + fn, fp + tn, tp, fp, fn, tn, Precision(), Recall());
  }
};

// Rows whose note starts with "holdout:" were written after the weights
// were last changed and were never used to choose them.
TEST(DuplicatesTest, LabelledPairsPrecisionAndRecall) {
  std::vector<LabelledPair> pairs = LoadPairs();
  ASSERT_GE(pairs.size(), 200u);
  Confusion all, tuning, holdout;
  for (const LabelledPair& lp : pairs) {
    Candidate c = ScorePair(lp.a, lp.b);
    EXPECT_GE(c.score, 0.0);
    EXPECT_LE(c.score, 1.0);
    EXPECT_FALSE(c.reasons.empty());
    bool predicted = c.score >= kDefaultDuplicateThreshold;
    all.Add(predicted, lp.same);
    (lp.note.rfind("holdout:", 0) == 0 ? holdout : tuning).Add(predicted, lp.same);
    if (predicted != lp.same) {
      std::printf("  %s %.3f  %s | %s  (%s)\n", lp.same ? "missed  " : "false + ", c.score,
                  lp.a.names.empty() ? "" : lp.a.names[0].c_str(),
                  lp.b.names.empty() ? "" : lp.b.names[0].c_str(), lp.note.c_str());
      for (const std::string& r : c.reasons) std::printf("             - %s\n", r.c_str());
    }
  }
  std::printf("tests/data/person_pairs.tsv at threshold %.2f:\n", kDefaultDuplicateThreshold);
  tuning.Print("  used for tuning");
  holdout.Print("  held out");
  all.Print("  all");
  EXPECT_GE(static_cast<double>(all.fp + all.tn) / pairs.size(), 0.45);
  EXPECT_GE(all.Precision(), 0.90);
  EXPECT_GE(all.Recall(), 0.85);
}

// Blocking must not lose what pairwise scoring finds: every labelled pair
// that ScorePair accepts is suggested when all records are listed together.
TEST(DuplicatesTest, SuggestFindsWhatPairwiseScoringAccepts) {
  std::vector<LabelledPair> pairs = LoadPairs();
  std::vector<PersonFacts> all;
  std::set<std::pair<int64_t, int64_t>> expected;
  for (const LabelledPair& lp : pairs) {
    all.push_back(lp.a);
    all.push_back(lp.b);
    if (ScorePair(lp.a, lp.b).score >= kDefaultDuplicateThreshold) expected.insert({lp.a.id, lp.b.id});
  }
  DuplicateStats stats;
  std::vector<Candidate> found = SuggestDuplicates(all, kDefaultDuplicateThreshold, &stats);
  std::set<std::pair<int64_t, int64_t>> got;
  for (const Candidate& c : found) {
    got.insert({c.a, c.b});
    EXPECT_GE(c.score, kDefaultDuplicateThreshold);
  }
  for (const auto& e : expected) EXPECT_TRUE(got.count(e)) << e.first << " " << e.second;
  for (size_t i = 1; i < found.size(); ++i) EXPECT_GE(found[i - 1].score, found[i].score);
}

TEST(DuplicatesTest, ReasonsExplainTheScore) {
  PersonFacts father{.id = 1, .names = {"Haidar Abdul-Amir Nasser"}, .age_min = 50,
                     .age_max = 50, .sex = "male", .governorate_ids = {13}, .event_days = {18684}};
  PersonFacts son{.id = 2, .names = {"Mustafa Haidar Abdul-Amir"}, .age_min = 22, .age_max = 22,
                  .sex = "male", .governorate_ids = {13}, .event_days = {18684}};
  Candidate c = ScorePair(father, son);
  EXPECT_LT(c.score, 0.2);
  bool shifted = false, ages = false;
  for (const std::string& r : c.reasons) {
    shifted |= r.find("likely parent and child") != std::string::npos;
    ages |= r.find("ages differ by 28 years") != std::string::npos;
  }
  EXPECT_TRUE(shifted);
  EXPECT_TRUE(ages);

  PersonFacts ar{.id = 3, .names = {"محمد علي حسين"}, .age_min = 22, .age_max = 22,
                 .sex = "male", .governorate_ids = {11}, .event_days = {18194}};
  PersonFacts en{.id = 4, .names = {"Mohammed Ali Hussein"}, .age_min = 23, .age_max = 23,
                 .sex = "male", .governorate_ids = {11}, .event_days = {18194}};
  c = ScorePair(ar, en);
  EXPECT_EQ(c.a, 3);
  EXPECT_EQ(c.b, 4);
  EXPECT_GE(c.score, 0.95);
  ASSERT_FALSE(c.reasons.empty());
  EXPECT_EQ(c.reasons[0], "names match across scripts (محمد علي حسين ~ Mohammed Ali Hussein)");

  PersonFacts sister = en;
  sister.id = 5;
  sister.sex = "female";
  EXPECT_LT(ScorePair(ar, sister).score, 0.5);
}

TEST(DuplicatesTest, EdgeCases) {
  EXPECT_TRUE(SuggestDuplicates({}, 0.5).empty());
  PersonFacts nameless{.id = 1};
  PersonFacts named{.id = 2, .names = {"Ali Hussein"}};
  EXPECT_EQ(ScorePair(nameless, named).score, 0);
  // The same id twice is one record listed twice, not a duplicate.
  PersonFacts again = named;
  std::vector<PersonFacts> list = {named, again, nameless};
  DuplicateStats stats;
  EXPECT_TRUE(SuggestDuplicates(list, 0.0, &stats).empty());
  EXPECT_EQ(stats.persons, 3u);
  // One-word names meet longer names through their first part.
  PersonFacts one{.id = 3, .names = {"Muntadhar"}, .age_min = 20, .age_max = 20,
                  .governorate_ids = {13}, .event_days = {18228}};
  PersonFacts full{.id = 4, .names = {"منتظر صباح جواد"}, .age_min = 20, .age_max = 20,
                   .governorate_ids = {13}, .event_days = {18228}};
  std::vector<PersonFacts> both = {full, one};
  std::vector<Candidate> found = SuggestDuplicates(both, 0.5);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].a, 4);
  EXPECT_EQ(found[0].b, 3);
  // Absurd ages are clamped, not overflowed.
  PersonFacts odd{.id = 5, .names = {"Ali Hussein"}, .age_min = -2000000000,
                  .age_max = 2000000000};
  PersonFacts old{.id = 6, .names = {"Ali Hussein"}, .age_min = 2147483647};
  EXPECT_GE(ScorePair(odd, old).score, 0.0);
}

// A generated list: fictional chains of common names in either script, with
// planted second records of some persons (other script or spelling, a part
// left out, age off by one, a day later).
struct NameForms {
  const char* arabic;
  std::vector<const char*> latin;
};

const std::vector<NameForms>& MaleNames() {
  static const std::vector<NameForms> k = {
      {"محمد", {"Mohammed", "Muhammad", "Mohamed"}}, {"علي", {"Ali"}},
      {"حسين", {"Hussein", "Husain", "Hussain"}},     {"حسن", {"Hassan", "Hasan"}},
      {"أحمد", {"Ahmed", "Ahmad"}},                   {"عباس", {"Abbas"}},
      {"كاظم", {"Kadhim", "Kazim"}},                  {"جاسم", {"Jasim", "Jassim"}},
      {"حيدر", {"Haider", "Haidar", "Hayder"}},       {"مصطفى", {"Mustafa", "Moustafa"}},
      {"كريم", {"Karim", "Kareem"}},                  {"جبار", {"Jabbar", "Jabar"}},
      {"عبد الأمير", {"Abdul-Amir", "Abdulameer"}},   {"عبد الحسين", {"Abdul-Hussein"}},
      {"عبد الزهرة", {"Abdul-Zahra", "Abd al-Zahra"}}, {"مهدي", {"Mahdi", "Mehdi"}},
      {"صالح", {"Saleh", "Salih"}},                   {"ناصر", {"Nasser", "Nasir"}},
      {"فاضل", {"Fadhil", "Fadil"}},                  {"جواد", {"Jawad"}},
      {"سجاد", {"Sajjad", "Sajad"}},                  {"منتظر", {"Muntadhar", "Muntathar"}},
      {"مرتضى", {"Murtadha", "Murtada"}},             {"عمر", {"Omar", "Umar"}},
      {"يوسف", {"Yousif", "Yusuf"}},                  {"إبراهيم", {"Ibrahim"}},
      {"خالد", {"Khalid", "Khaled"}},                 {"رعد", {"Raad", "Ra'ad"}},
      {"صباح", {"Sabah"}},                            {"هادي", {"Hadi"}},
      {"سلمان", {"Salman"}},                          {"داود", {"Dawood", "Daoud"}},
      {"طالب", {"Talib", "Taleb"}},                   {"ستار", {"Sattar"}},
      {"فلاح", {"Falah"}},                            {"وسام", {"Wisam", "Wissam"}},
      {"أمير", {"Ameer", "Amir"}},                    {"ضياء", {"Dhiaa", "Diaa"}},
      {"كرار", {"Karrar"}},                           {"علاء", {"Alaa"}},
  };
  return k;
}

const std::vector<NameForms>& FemaleNames() {
  static const std::vector<NameForms> k = {
      {"فاطمة", {"Fatima", "Fatimah"}}, {"زينب", {"Zainab", "Zaynab"}},
      {"زهراء", {"Zahraa", "Zahra"}},   {"مريم", {"Maryam", "Mariam"}},
      {"نور", {"Noor", "Nour"}},        {"رسل", {"Rusul"}},
      {"سارة", {"Sara", "Sarah"}},      {"آمنة", {"Amina", "Aamina"}},
  };
  return k;
}

const std::vector<NameForms>& FamilyNames() {
  static const std::vector<NameForms> k = {
      {"الساعدي", {"al-Saadi", "Alsaadi"}},   {"الزبيدي", {"al-Zubaidi", "Alzubaidi"}},
      {"الربيعي", {"al-Rubaie", "Al Rubaie"}}, {"الكعبي", {"al-Kaabi"}},
      {"الشمري", {"al-Shammari"}},            {"الحسيني", {"al-Husseini"}},
      {"الموسوي", {"al-Musawi", "al-Moussawi"}}, {"المالكي", {"al-Maliki"}},
      {"العبودي", {"al-Aboudi"}},             {"الخفاجي", {"al-Khafaji"}},
  };
  return k;
}

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  // Zipf-like choice: the first names of a pool are much more common.
  size_t Pick(size_t n) {
    std::uniform_real_distribution<double> u(0, 1);
    double x = u(rng_);
    return std::min(n - 1, static_cast<size_t>(std::pow(x, 2.0) * n));
  }
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  struct Chain {
    bool female;
    std::vector<size_t> parts;  // given, father, grandfather
    int family;                 // -1 for none
  };

  Chain NewChain() {
    Chain c;
    c.female = Uniform(0, 9) == 0;
    c.parts.push_back(Pick(c.female ? FemaleNames().size() : MaleNames().size()));
    c.parts.push_back(Pick(MaleNames().size()));
    c.parts.push_back(Pick(MaleNames().size()));
    c.family = Uniform(0, 1) ? static_cast<int>(Pick(FamilyNames().size())) : -1;
    return c;
  }

  // Writes a chain in Arabic or in a random Latin spelling, with `parts`
  // chain parts (2 or 3) and the family name if kept.
  std::string Write(const Chain& c, bool arabic, size_t parts, bool family) {
    std::string out;
    for (size_t i = 0; i < parts; ++i) {
      const NameForms& f = (i == 0 && c.female ? FemaleNames() : MaleNames())[c.parts[i]];
      if (!out.empty()) out += " ";
      out += arabic ? f.arabic : f.latin[Uniform(0, static_cast<int>(f.latin.size()) - 1)];
    }
    if (family && c.family >= 0) {
      const NameForms& f = FamilyNames()[c.family];
      out += " ";
      out += arabic ? f.arabic : f.latin[Uniform(0, static_cast<int>(f.latin.size()) - 1)];
    }
    return out;
  }

 private:
  std::mt19937 rng_;
};

TEST(DuplicatesTest, TwentyThousandPersonsWithPlantedDuplicates) {
  constexpr size_t kPersons = 20000;
  constexpr size_t kPlanted = 200;
  Generator gen(20211028);
  std::vector<PersonFacts> persons;
  std::vector<Generator::Chain> chains;
  const int64_t first_day = *ParseDate("2019-10-01");
  for (size_t i = 0; i + kPlanted < kPersons; ++i) {
    Generator::Chain c = gen.NewChain();
    int age = gen.Uniform(14, 70);
    PersonFacts p;
    p.id = static_cast<int64_t>(i) + 1;
    p.names = {gen.Write(c, gen.Uniform(0, 1) == 0, 3, true)};
    p.age_min = p.age_max = age;
    p.sex = c.female ? "female" : "male";
    p.governorate_ids = {gen.Uniform(2, 19)};
    p.event_days = {first_day + gen.Uniform(0, 500)};
    persons.push_back(std::move(p));
    chains.push_back(c);
  }
  std::vector<std::pair<int64_t, int64_t>> planted;
  for (size_t k = 0; k < kPlanted; ++k) {
    size_t src = static_cast<size_t>(gen.Uniform(0, static_cast<int>(chains.size()) - 1));
    PersonFacts p = persons[src];
    p.id = static_cast<int64_t>(persons.size()) + 1;
    bool drop_grandfather = gen.Uniform(0, 3) == 0;
    p.names = {gen.Write(chains[src], gen.Uniform(0, 1) == 0, drop_grandfather ? 2 : 3,
                         gen.Uniform(0, 2) != 0)};
    *p.age_min += gen.Uniform(-1, 1);
    p.age_max = p.age_min;
    p.event_days[0] += gen.Uniform(0, 2);
    planted.push_back({persons[src].id, p.id});
    persons.push_back(std::move(p));
  }
  ASSERT_EQ(persons.size(), kPersons);

  DuplicateStats stats;
  auto start = std::chrono::steady_clock::now();
  std::vector<Candidate> found = SuggestDuplicates(persons, kDefaultDuplicateThreshold, &stats);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::set<std::pair<int64_t, int64_t>> got;
  for (const Candidate& c : found) got.insert({std::min(c.a, c.b), std::max(c.a, c.b)});
  size_t hits = 0;
  for (const auto& p : planted) {
    hits += got.count(p);
    if (!got.count(p)) {
      const PersonFacts& x = persons[static_cast<size_t>(p.first - 1)];
      const PersonFacts& y = persons[static_cast<size_t>(p.second - 1)];
      Candidate c = ScorePair(x, y);
      std::printf("  planted, not suggested: %.3f %s | %s\n", c.score, x.names[0].c_str(),
                  y.names[0].c_str());
    }
  }
  const double all_pairs = static_cast<double>(kPersons) * (kPersons - 1) / 2;
  std::printf("%zu persons: %zu blocks (%zu oversized), %zu pairs scored (%.3f%% of %.0f), "
              "%zu suggestions, %zu of %zu planted found, %.2f s\n",
              stats.persons, stats.blocks, stats.oversized_blocks, stats.pairs_scored,
              100.0 * stats.pairs_scored / all_pairs, all_pairs, found.size(), hits,
              planted.size(), seconds);
  EXPECT_EQ(stats.persons, kPersons);
  EXPECT_LT(static_cast<double>(stats.pairs_scored), all_pairs / 50);
  EXPECT_GE(hits, planted.size() * 9 / 10);
}

}  // namespace
}  // namespace dalil::figures
