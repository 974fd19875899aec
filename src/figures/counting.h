// The counting rules of docs/counting.md as pure functions: from the claims
// and named victims of verified incidents to defensible ranges, per incident
// and aggregated, never more than the evidence supports and never a person
// twice. No database: the caller gathers the inputs (figures/query.h).
#ifndef DALIL_FIGURES_COUNTING_H_
#define DALIL_FIGURES_COUNTING_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dalil::figures {

// Outcome kinds and claim categories share one vocabulary.
enum class Category { kKilled, kInjured, kDetained, kAbducted, kTortured, kThreatened };
inline constexpr Category kCategories[] = {Category::kKilled,   Category::kInjured,
                                           Category::kDetained, Category::kAbducted,
                                           Category::kTortured, Category::kThreatened};
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
};

// One figure: a range with what stands behind it.
struct Figure {
  int64_t min = 0;
  std::optional<int64_t> max = 0;  // nullopt: open-ended
  bool provisional = true;
  std::set<int64_t> sources;   // credible sources behind it
  std::set<int64_t> incidents;
  std::set<int64_t> claims;    // credible claims used
  std::set<int64_t> outcomes;  // named victims' outcomes used
  std::set<int64_t> persons;   // named victims (canonical ids)
  bool open_ended() const { return !max.has_value(); }
};

struct IncidentInput {
  int64_t id = 0;
  std::vector<ClaimIn> claims;
  std::vector<OutcomeIn> outcomes;
  std::vector<StatusChange> changes;
};

// Per category: the figure of one verified incident (the caller passes only
// verified incidents). Rules:
//   named = distinct people with that outcome (injured who died of their
//           wounds count as killed, not injured);
//   min   = max(named, lowest credible claim's min);
//   max   = max(named, highest credible claim's max), open-ended when a
//           credible claim is; with no credible claim, max = named and the
//           figure stands on named victims alone;
//   provisional when fewer than min_sources distinct credible sources back it.
std::map<Category, Figure> CountIncident(const IncidentInput& incident, const Rules& rules);

// Sums per-incident figures without counting a person twice: each person
// appearing in several incidents under one category is subtracted once per
// extra appearance from the minimum (which may then undercount, never
// overcount) and from the maximum (open if any part is); never below the
// number of distinct people named.
Figure Aggregate(const std::vector<const Figure*>& parts, const Rules& rules);

// After aggregating: a person counted as killed somewhere in the aggregate
// is not also counted as injured (injured, then died).
void CountDeadOnce(std::map<Category, Figure>& totals);

}  // namespace dalil::figures

#endif  // DALIL_FIGURES_COUNTING_H_
