// The wording of casualty figures in joint statements, in English and Arabic.
//
// A figure is a Range of people: what the verified records support, from a
// firm minimum to a maximum that may be unknown. Phrase() turns it into the
// words a statement prints, and never says more than the range supports:
// an open range is a floor ("at least 10 killed"), never a point.
//
// Wording rules (English | Arabic), for category "killed":
//   exact 0           no one killed        | لم يُقتل أحد
//   exact N           10 killed            | ١٠ قتلى
//   [N, open)         at least 10 killed   | ما لا يقل عن ١٠ قتلى
//   [N, open), N - 1 a multiple of 10 and at least 10:
//                     more than 260 killed | أكثر من ٢٦٠ قتيلاً
//                     (statements round to the figure a reader remembers;
//                     "more than 260" says exactly what "at least 261" does)
//   [0, M]            up to 15 killed      | ما يصل إلى ١٥ قتيلاً
//   [N, M], N >= 1    between 12 and 15 killed | ما بين ١٢ و١٥ قتيلاً
//   [0, open)         an error: nothing is known, and "an unknown number
//                     killed" would assert that someone was. Leave the
//                     category out of the statement instead.
//
// English always uses Western digits, whatever `digits` says; numbers from
// 1,000 up are grouped with commas. Arabic uses the requested digits, grouped
// with U+066C (٬) for Arabic-Indic digits and with a comma for Western ones,
// so both versions of a statement show the same grouping.
//
// Arabic number-noun agreement follows the number as it is read aloud, on
// its last two digits (Arabic reads 260 as "two hundred and sixty"):
//   1        the noun and واحد, no digit:   قتيل واحد
//   2        the dual, no digit:            قتيلان (after من، عن، إلى: قتيلين)
//   3-10     plural:                        ٣ قتلى، ١٠٣ قتلى، ٢١٠ قتلى
//   11-99    accusative singular:           ١١ قتيلاً، ٢٦٠ قتيلاً
//   00       genitive singular:             ١٠٠ قتيل، ٢٠٠ قتيل، ١٬٠٠٠ قتيل
//   01, 02 above 100: genitive singular as well (١٠١ قتيل، ١٬٠٠٢ قتيل), as
//            Arabic news writes them: واحد and the dual cannot follow digits.
// After ما بين N و M the noun agrees with M, the number next to it.
// Counted nouns per category (1, 2, 3-10, 11-99, 100s):
//   killed      قتيل واحد، قتيلان، قتلى، قتيلاً، قتيل
//   injured     جريح واحد، جريحان، جرحى، جريحاً، جريح
//   detained    معتقل واحد، معتقلان، معتقلين، معتقلاً، معتقل
//   abducted    مختطف واحد، مختطفان، مختطفين، مختطفاً، مختطف
//   tortured    شخص ... تعرض/تعرضا/تعرضوا للتعذيب (Arabic has no one-word
//               noun for a person tortured; "people subjected to torture")
//   threatened  شخص ... تعرض/تعرضا/تعرضوا للتهديد (likewise)
//
// Thread safety: pure functions, safe from any thread.
#ifndef DALIL_FIGURES_PHRASING_H_
#define DALIL_FIGURES_PHRASING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace dalil::figures {

enum class Lang { kEnglish, kArabic };

// ٠١٢٣٤٥٦٧٨٩ or 0123456789; applies to Arabic text only.
enum class Digits { kWestern, kArabicIndic };

// A count of people: at least `min`, at most `max`; `max` unset means no
// upper bound is known. Valid when 0 <= min and (no max or min <= max).
struct Range {
  int64_t min = 0;
  std::optional<int64_t> max;

  friend bool operator==(const Range&, const Range&) = default;
};

// The statement wording for `r` people in `category`, one of "killed",
// "injured", "detained", "abducted", "tortured", "threatened" (the claim
// categories of the data model). See the table above.
//
// Errors (kInvalidArgument): an unknown category (field "category"); a
// negative min (field "range.min"); max below min (field "range.max"); the
// range [0, open), for which no figure is defensible (field "range").
Result<std::string> Phrase(std::string_view category, const Range& r, Lang lang,
                           Digits digits = Digits::kWestern);

}  // namespace dalil::figures

#endif  // DALIL_FIGURES_PHRASING_H_
