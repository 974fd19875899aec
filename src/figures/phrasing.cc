#include "figures/phrasing.h"

#include <cassert>

namespace dalil::figures {
namespace {

// The words for one category. The Arabic forms are picked by the number's
// last two digits (see phrasing.h). Tanween is written after the alif
// (قتيلاً), as Arabic news sites type it.
struct Category {
  std::string_view key;            // also the English participle
  std::string_view ar_one;         // exactly 1, with واحد
  std::string_view ar_two;         // exactly 2: the nominative dual
  std::string_view ar_two_genitive;  // the dual after من، عن، إلى، بين
  std::string_view ar_plural;      // 3-10
  std::string_view ar_accusative;  // 11-99
  std::string_view ar_genitive;    // 00, 01, 02 above 100
  std::string_view ar_none;        // exactly 0; the damma marks the passive
};

// Mirrors the claim categories of the data model (model/schema.cc).
constexpr Category kCategories[] = {
    {"killed", "قتيل واحد", "قتيلان", "قتيلين", "قتلى", "قتيلاً", "قتيل",
     "لم يُقتل أحد"},
    {"injured", "جريح واحد", "جريحان", "جريحين", "جرحى", "جريحاً", "جريح",
     "لم يُصب أحد بجروح"},
    {"detained", "معتقل واحد", "معتقلان", "معتقلين", "معتقلين", "معتقلاً",
     "معتقل", "لم يُعتقل أحد"},
    {"abducted", "مختطف واحد", "مختطفان", "مختطفين", "مختطفين", "مختطفاً",
     "مختطف", "لم يُختطف أحد"},
    {"tortured", "شخص واحد تعرض للتعذيب", "شخصان تعرضا للتعذيب",
     "شخصين تعرضا للتعذيب", "أشخاص تعرضوا للتعذيب", "شخصاً تعرضوا للتعذيب",
     "شخص تعرضوا للتعذيب", "لم يتعرض أحد للتعذيب"},
    {"threatened", "شخص واحد تعرض للتهديد", "شخصان تعرضا للتهديد",
     "شخصين تعرضا للتهديد", "أشخاص تعرضوا للتهديد", "شخصاً تعرضوا للتهديد",
     "شخص تعرضوا للتهديد", "لم يتعرض أحد للتهديد"},
};

const Category* FindCategory(std::string_view key) {
  for (const Category& c : kCategories) {
    if (c.key == key) return &c;
  }
  return nullptr;
}

std::string FormatNumber(int64_t n, Lang lang, Digits digits) {
  assert(n >= 0);
  static constexpr std::string_view kIndic[] = {"٠", "١", "٢", "٣", "٤",
                                                "٥", "٦", "٧", "٨", "٩"};
  const bool indic = lang == Lang::kArabic && digits == Digits::kArabicIndic;
  const std::string_view separator = indic ? "٬" : ",";
  const std::string western = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < western.size(); ++i) {
    if (i > 0 && (western.size() - i) % 3 == 0) out += separator;
    if (indic) {
      out += kIndic[western[i] - '0'];
    } else {
      out += western[i];
    }
  }
  return out;
}

// Only the dual shows case in unvoweled writing: قتيلان / قتيلين.
enum class ArabicCase { kNominative, kGenitive };

// "١٠ قتلى", "قتيلان", "قتيل واحد": n people of category c, n >= 1.
std::string ArabicCount(const Category& c, int64_t n, ArabicCase grammatical,
                        Digits digits) {
  assert(n >= 1);
  if (n == 1) return std::string(c.ar_one);
  if (n == 2) {
    return std::string(grammatical == ArabicCase::kNominative
                           ? c.ar_two
                           : c.ar_two_genitive);
  }
  const int64_t last_two = n % 100;
  const std::string_view noun = (last_two >= 3 && last_two <= 10) ? c.ar_plural
                                : last_two >= 11 ? c.ar_accusative
                                                 : c.ar_genitive;
  std::string out = FormatNumber(n, Lang::kArabic, digits);
  out += ' ';
  out += noun;
  return out;
}

std::string EnglishCount(std::string_view prefix, int64_t n,
                         const Category& c) {
  std::string out(prefix);
  out += FormatNumber(n, Lang::kEnglish, Digits::kWestern);
  out += ' ';
  out += c.key;
  return out;
}

std::string CategoryList() {
  std::string out;
  for (const Category& c : kCategories) {
    if (!out.empty()) out += ", ";
    out += c.key;
  }
  return out;
}

}  // namespace

Result<std::string> Phrase(std::string_view category, const Range& r,
                           Lang lang, Digits digits) {
  const Category* c = FindCategory(category);
  if (c == nullptr) {
    return Status::Invalid("category", "unknown category '" +
                                           std::string(category) +
                                           "'; expected one of " +
                                           CategoryList());
  }
  if (r.min < 0) return Status::Invalid("range.min", "must not be negative");
  if (r.max && *r.max < r.min) {
    return Status::Invalid("range.max", "must not be below range.min");
  }
  if (r.min == 0 && !r.max) {
    return Status::Invalid(
        "range", "a range from 0 with no maximum supports no figure; leave "
                 "the category out");
  }
  const bool arabic = lang == Lang::kArabic;

  if (r.max && *r.max == r.min) {
    if (r.min == 0) {
      return arabic ? std::string(c->ar_none)
                    : "no one " + std::string(c->key);
    }
    return arabic ? ArabicCount(*c, r.min, ArabicCase::kNominative, digits)
                  : EnglishCount("", r.min, *c);
  }

  if (!r.max) {
    const int64_t below = r.min - 1;
    if (below >= 10 && below % 10 == 0) {
      return arabic ? "أكثر من " + ArabicCount(*c, below,
                                                ArabicCase::kGenitive, digits)
                    : EnglishCount("more than ", below, *c);
    }
    return arabic ? "ما لا يقل عن " + ArabicCount(*c, r.min,
                                                  ArabicCase::kGenitive, digits)
                  : EnglishCount("at least ", r.min, *c);
  }

  if (r.min == 0) {
    return arabic ? "ما يصل إلى " + ArabicCount(*c, *r.max,
                                                ArabicCase::kGenitive, digits)
                  : EnglishCount("up to ", *r.max, *c);
  }

  if (!arabic) {
    return "between " + FormatNumber(r.min, lang, digits) + " and " +
           FormatNumber(*r.max, lang, digits) + " " + std::string(c->key);
  }
  // The noun agrees with the second number. When that is the dual (only
  // [1, 2]), a bare digit before it cannot stand alone: both take nouns.
  const std::string low =
      *r.max <= 2 ? ArabicCount(*c, r.min, ArabicCase::kGenitive, digits)
                  : FormatNumber(r.min, lang, digits);
  return "ما بين " + low + " و" +
         ArabicCount(*c, *r.max, ArabicCase::kGenitive, digits);
}

}  // namespace dalil::figures
