// Reading the counts sources write ("more than 260", "عشرات", "١٠–١٢") into
// Ranges, conservatively: min is the least the words can mean, and max stays
// unset unless the words themselves set a ceiling.
//
// `text` is the count alone, without the category ("more than 260", not
// "more than 260 injured"). English is matched case-insensitively; Arabic
// with or without hamza on the alef, ى or ي, tatweel, diacritics and
// direction marks. Digits may be Western, Arabic-Indic (٠-٩) or Eastern
// Arabic-Indic (۰-۹, as Kurdish and Persian write them), and may be grouped
// in thousands with "," or "٬" (1,000 or ١٬٠٠٠). Dashes may be -, – or —.
//
//   260 / ٢٦٠                                     [260, 260]
//   at least 10 / no fewer than 10 / no less than 10 / 10 or more /
//     ما لا يقل عن ١٠ / لا يقل عن ١٠ / ١٠ على الأقل  [10, open)
//   more than 260 / over 260 /
//     أكثر من ٢٦٠ / ما يزيد عن ٢٦٠ / ما يزيد على ٢٦٠  [261, open)
//   up to 15 / at most 15 / no more than 15 /
//     ما يصل إلى ١٥ / حتى ١٥ / لا يزيد عن ١٥        [0, 15]
//   fewer than 15 / less than 15 / أقل من ١٥       [0, 14]
//   10-12 / 10 to 12 / between 10 and 12 / from 10 to 12 /
//     ١٠–١٢ / ما بين ١٠ و١٢ / بين ١٠ و١٢ / من ١٠ إلى ١٢  [10, 12]
//
// Vague words, open-ended from the conservative floor ACLED codes ("tens"
// 10, "dozens" 12, "hundreds" 100, "and so on"). The literal meaning is
// larger ("dozens" is at least 24; Arabic plurals such as عشرات start at
// three tens), but a floor others use makes figures comparable, and a floor
// can only understate. No vague word sets a ceiling: "dozens" is not
// "fewer than 100" in the way sources use it.
//   tens, عشرات, العشرات                  [10, open)
//   dozens                                [12, open)
//   scores                                [20, open)  (a score is 20)
//   hundreds, مئات, المئات                [100, open)
//   thousands, آلاف, الآلاف               [1000, open)
//   tens of thousands, عشرات الآلاف       [10000, open)
//   several, عدة, بضعة, بضع               [3, open)  (more than the dual)
//   a few                                 [2, open)
// ACLED's older codebooks code an unnumbered "several" as a fixed 10
// fatalities; that is more than "several" says, so Dalil does not.
// "many", "some" and the like give no floor above 1 and are refused.
//
// Approximations ("about 100", "around", "nearly", "نحو ١٠٠", "حوالي",
// "قرابة", "١٠٠ تقريباً") are refused too: "about 100" may be 95, and the
// floor it supports is a judgement for a person, who records it as a range.
//
// Thread safety: pure function, safe from any thread.
#ifndef DALIL_FIGURES_VAGUE_H_
#define DALIL_FIGURES_VAGUE_H_

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "figures/phrasing.h"

namespace dalil::figures {

// No casualty figure comes near this (the data model's own limit on counts);
// a larger number is a typing mistake.
inline constexpr int64_t kMaxCount = 1'000'000'000;

// The range of people `text` claims (forms above). Errors are
// kInvalidArgument with a message quoting `text` and naming the part that
// could not be read, and an empty field: the caller knows which input it
// read.
// Also refused: invalid UTF-8, fractions ("2.5"), numbers above kMaxCount,
// ranges that run backwards ("15-12"), "fewer than 0".
Result<Range> ParseCount(std::string_view text);

}  // namespace dalil::figures

#endif  // DALIL_FIGURES_VAGUE_H_
