// Suggestions of person records that may describe the same victim, for a
// reviewer to confirm or reject. Nothing here merges anything: counting
// never a person twice (figures/counting.h) relies on merges a human made.
// The scoring, its weights and its measured precision and recall are in
// docs/duplicates.md.
//
// Pure functions; thread safe. Reasons quote the names they compare, so a
// Candidate is as sensitive as the person records themselves: show it only
// to users allowed to read those names, never log it.
#ifndef DALIL_FIGURES_DUPLICATES_H_
#define DALIL_FIGURES_DUPLICATES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace dalil::figures {

// What the matcher knows of one person record.
struct PersonFacts {
  int64_t id = 0;
  // The name and its recorded variants, in any script; empty ones ignored.
  std::vector<std::string> names;
  // Age in years at the incident: both bounds for a range, the same value
  // twice for an exact age, one alone for "at least" / "at most", none if
  // unknown. Read as clamped to 0..130.
  std::optional<int> age_min;
  std::optional<int> age_max;
  // "female", "male", "unknown" or "" (only female / male are compared).
  std::string sex;
  // Governorates (place ids) the person is linked to; may be empty.
  std::vector<int64_t> governorate_ids;
  // Days since 1970-01-01 of the incidents the person appears in.
  std::vector<int64_t> event_days;
};

struct Candidate {
  int64_t a = 0;  // id of the earlier record in the input
  int64_t b = 0;
  double score = 0;  // in [0, 1]; higher is more likely the same person
  // Short English phrases for the reviewer, strongest evidence first, e.g.
  // "names match across scripts (محمد علي ~ Mohammed Ali)",
  // "ages differ by 22 years (50 / 22)". Contain names: sensitive.
  std::vector<std::string> reasons;
  // The same phrases with the quoted names replaced by "(names withheld)":
  // what the API shows (names only through a recorded reveal).
  std::vector<std::string> reasons_without_names;
};

// The threshold at which docs/duplicates.md reports precision and recall.
inline constexpr double kDefaultDuplicateThreshold = 0.80;

// The score of one pair, with its reasons, whatever the score.
Candidate ScorePair(const PersonFacts& a, const PersonFacts& b);

struct DuplicateStats {
  size_t persons = 0;
  size_t blocks = 0;            // distinct blocking keys
  size_t pairs_scored = 0;      // distinct pairs whose score was computed
  size_t oversized_blocks = 0;  // blocks too common to compare within
};

// Blocks larger than this are not compared within (see SuggestDuplicates).
inline constexpr size_t kMaxBlockSize = 1500;
// Pair blocks larger than this are split by a third part (see below).
inline constexpr size_t kRefineBlockAbove = 100;

// The pairs of `persons` scoring at least `threshold`, best first (ties by
// input order), each once, with `a` the earlier record in the input. Only
// pairs that share a block are scored: two name parts with the same
// blocking key (ParsedName::blocking_key) in some variant of each name, or,
// for a one-word name, the same first part. So the work grows with the
// sizes of the blocks, not with n^2. In a pair block of more than
// kRefineBlockAbove persons, names of three or more parts meet only if they
// share a third part too (names of two parts still meet every member): a
// slip in one part of a three-part name whose other two are common can then
// go unseen. A block of more than kMaxBlockSize persons (a very common pair
// such as "Mohammed Ali" in a large list) is skipped and counted in
// stats->oversized_blocks. Records with the same id are never paired.
// `stats` may be null.
std::vector<Candidate> SuggestDuplicates(std::span<const PersonFacts> persons,
                                         double threshold,
                                         DuplicateStats* stats = nullptr);

}  // namespace dalil::figures

#endif  // DALIL_FIGURES_DUPLICATES_H_
