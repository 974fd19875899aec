// The counting rules of docs/counting.md as pure functions: from the claims
// and named victims of verified incidents to defensible ranges, per incident
// and aggregated, never more than the evidence supports and never a person
// twice. No database: the store keeps one IncidentSummary per verified
// incident up to date in every write transaction (the figure index), and
// figures/query.h aggregates summaries with a GroupAccumulator. This
// library sits below the store so both use the same rules.
#ifndef DALIL_FIGURES_COUNTING_H_
#define DALIL_FIGURES_COUNTING_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dalil::figures {

// Outcome kinds and claim categories share one vocabulary.
enum class Category { kKilled, kInjured, kDetained, kAbducted, kTortured, kThreatened };
inline constexpr Category kCategories[] = {Category::kKilled,   Category::kInjured,
                                           Category::kDetained, Category::kAbducted,
                                           Category::kTortured, Category::kThreatened};
inline constexpr int kCategoryCount = 6;
const char* CategoryName(Category c);
std::optional<Category> ParseCategory(std::string_view name);

// HURIDOCS reliability, most reliable first (0) to unknown (5).
std::optional<int> ReliabilityRank(std::string_view name);

struct ClaimIn {
  int64_t id = 0;
  int64_t incident = 0;
  int64_t source = 0;
  Category category = Category::kKilled;
  int64_t min = 0;
  std::optional<int64_t> max;  // nullopt: open-ended ("more than 260")
  int reliability = 5;         // ReliabilityRank of the source
};

struct OutcomeIn {
  int64_t id = 0;
  int64_t incident = 0;
  int64_t person = 0;  // the canonical person, after merges
  Category kind = Category::kKilled;
  std::optional<int64_t> date;    // days since epoch
  std::optional<int64_t> source;  // who reported it
};

// A dated status change of an outcome (outcome_update).
struct StatusChange {
  int64_t outcome = 0;
  std::string status;  // still_held, released, found_alive, found_dead, died_of_wounds, ...
  int64_t date = 0;    // days since epoch
};

struct Rules {
  // Claims from sources ranked at most this (0 = highly reliable) count.
  int credible_reliability = 1;  // "reliable" and better
  // Fewer credible independent sources than this: the figure is provisional.
  int min_sources = 2;
  // When set, detained and abducted count the named people held on that day
  // (days since epoch), from outcomes and their dated status changes.
  std::optional<int64_t> as_of;
  // Longest list of ids returned per figure (the smallest ids); the counts
  // are always complete. 0: no limit.
  size_t id_limit = 0;
};

// Ids behind a figure: the smallest `Rules::id_limit` of them, ascending,
// and how many there are in all.
struct IdList {
  std::vector<int64_t> ids;
  int64_t total = 0;
  bool complete() const { return static_cast<int64_t>(ids.size()) == total; }
};

// One figure: a range with what stands behind it.
struct Figure {
  int64_t min = 0;
  std::optional<int64_t> max = 0;  // nullopt: open-ended
  bool provisional = true;
  IdList sources;    // credible sources behind it
  IdList incidents;
  IdList claims;     // credible claims used
  IdList outcomes;   // named victims' outcomes used
  IdList persons;    // named victims (canonical ids)
  bool open_ended() const { return !max.has_value(); }
};

struct IncidentInput {
  int64_t id = 0;
  std::vector<ClaimIn> claims;
  std::vector<OutcomeIn> outcomes;
  std::vector<StatusChange> changes;
};

// What one verified incident brings to figures, with nothing decided that
// depends on the configurable rules (reliability threshold, sources needed):
// per category, the distinct people named (injured who died of their wounds
// count as killed), their outcomes, and every claim with its source's rank.
struct SummaryClaim {
  int64_t id = 0;
  int64_t source = 0;
  int rank = 5;
  int64_t min = 0;
  std::optional<int64_t> max;
  bool operator==(const SummaryClaim&) const = default;
};
struct CategorySummary {
  std::vector<int64_t> persons;   // ascending, distinct
  std::vector<int64_t> outcomes;  // ascending
  // "As of" figures of people held rest on named people only; the sources
  // that reported them back the figure (empty otherwise).
  std::vector<int64_t> named_sources;  // ascending, distinct
  std::vector<SummaryClaim> claims;    // by claim id
  bool empty() const { return persons.empty() && claims.empty(); }
  bool operator==(const CategorySummary&) const = default;
};
struct IncidentSummary {
  int64_t id = 0;
  std::array<CategorySummary, kCategoryCount> categories;
  void Clear();
  bool operator==(const IncidentSummary&) const = default;
};

// Applies the rules that do not depend on configuration; `as_of` restricts
// detained and abducted to the people held that day (their claims dropped).
void Summarize(const IncidentInput& in, std::optional<int64_t> as_of, IncidentSummary* out);

// The figure index's storage format for a summary made without `as_of`
// (docs/counting.md, "Speed"): varints, versioned. Decode reuses `out`'s
// buffers; a malformed value is kCorruption.
inline constexpr int kSummaryFormat = 1;
std::string EncodeSummary(const IncidentSummary& s);
Status DecodeSummary(std::string_view bytes, IncidentSummary* out);

// Sums the incidents of one group (a governorate, a week, ...). Per incident
// and category:
//   named = distinct people with that outcome;
//   min   = max(named, lowest credible claim's min);
//   max   = max(named, highest credible claim's max), open-ended when a
//           credible claim is; with no credible claim, max = named and the
//           figure stands on named victims alone;
//   provisional when fewer than min_sources distinct credible sources back it.
// Across incidents the ranges add up, without counting a person twice: each
// person appearing in several incidents under one category is taken off
// once per extra appearance from the minimum (which may then undercount,
// never overcount) and from the maximum (open if any part is); never below
// the number of distinct people named; and a person counted as killed is
// not also counted as injured (injured, then died).
class GroupAccumulator {
 public:
  explicit GroupAccumulator(const Rules& rules);
  GroupAccumulator(GroupAccumulator&&) noexcept;
  GroupAccumulator& operator=(GroupAccumulator&&) noexcept;
  ~GroupAccumulator();
  void Add(const IncidentSummary& incident);
  // Figures of the categories any incident had evidence for.
  std::map<Category, Figure> Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The figures of one incident on its own.
std::map<Category, Figure> CountIncident(const IncidentInput& incident, const Rules& rules);

}  // namespace dalil::figures

#endif  // DALIL_FIGURES_COUNTING_H_
