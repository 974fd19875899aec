#include "figures/phrasing.h"

#include <cassert>
#include <utility>

namespace dalil::figures {
namespace {

// The words for one category. The Arabic forms are picked by the number's
// last two digits (see phrasing.h). Tanween is written after the alif
// (قتيلاً), as Arabic news sites type it.
struct CategoryWords {
  std::string_view key;              // also the English participle
  std::string_view ar_one;           // exactly 1, with واحد
  std::string_view ar_two;           // exactly 2: the nominative dual
  std::string_view ar_two_genitive;  // the dual after من، عن، إلى، بين
  std::string_view ar_plural;        // 3-10
  std::string_view ar_accusative;  // 11-99
  std::string_view ar_genitive;    // 00, 01, 02 above 100
  std::string_view ar_none;        // exactly 0; the damma marks the passive
};

// Mirrors the claim categories of the data model (model/schema.cc).
constexpr CategoryWords kCategoryWords[] = {
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

const CategoryWords* FindCategory(std::string_view key) {
  for (const CategoryWords& c : kCategoryWords) {
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

// `prefix` and then n people of category c, n >= 1: "١٠ قتلى", "قتيلان",
// "قتيل واحد".
std::string ArabicCount(std::string_view prefix, const CategoryWords& c,
                        int64_t n, ArabicCase grammatical, Digits digits) {
  assert(n >= 1);
  std::string out(prefix);
  if (n == 1) {
    out += c.ar_one;
  } else if (n == 2) {
    out +=
        grammatical == ArabicCase::kNominative ? c.ar_two : c.ar_two_genitive;
  } else {
    const int64_t last_two = n % 100;
    out += FormatNumber(n, Lang::kArabic, digits);
    out += ' ';
    out += (last_two >= 3 && last_two <= 10) ? c.ar_plural
           : last_two >= 11                  ? c.ar_accusative
                                             : c.ar_genitive;
  }
  return out;
}

// `prefix` and then "10 killed".
std::string EnglishCount(std::string_view prefix, int64_t n,
                         const CategoryWords& c) {
  std::string out(prefix);
  out += FormatNumber(n, Lang::kEnglish, Digits::kWestern);
  out += ' ';
  out += c.key;
  return out;
}

std::string CategoryList() {
  std::string out;
  for (const CategoryWords& c : kCategoryWords) {
    if (!out.empty()) out += ", ";
    out += c.key;
  }
  return out;
}

}  // namespace

Result<std::string> Phrase(std::string_view category, const Range& r, Lang lang,
                           Digits digits) {
  const CategoryWords* c = FindCategory(category);
  if (c == nullptr) {
    std::string message = "unknown category '";
    message += category;
    message += "'; expected one of ";
    message += CategoryList();
    return Status::Invalid("category", std::move(message));
  }
  if (r.min < 0) return Status::Invalid("range.min", "must not be negative");
  if (r.max && *r.max < r.min) {
    return Status::Invalid("range.max", "must not be below range.min");
  }
  if (r.min == 0 && !r.max) {
    return Status::Invalid(
        "range",
        "a range from 0 with no maximum supports no figure; leave "
        "the category out");
  }
  const bool arabic = lang == Lang::kArabic;
  // Every form but the exact one puts the count after a preposition.
  auto after = [&](std::string_view english, std::string_view arabic_words,
                   int64_t n) {
    return arabic
               ? ArabicCount(arabic_words, *c, n, ArabicCase::kGenitive, digits)
               : EnglishCount(english, n, *c);
  };

  if (r.max && *r.max == r.min) {
    if (r.min == 0) {
      if (arabic) return std::string(c->ar_none);
      std::string out = "no one ";
      out += c->key;
      return out;
    }
    return arabic ? ArabicCount("", *c, r.min, ArabicCase::kNominative, digits)
                  : EnglishCount("", r.min, *c);
  }
  if (!r.max) {
    const int64_t below = r.min - 1;
    if (below >= 10 && below % 10 == 0) {
      return after("more than ", "أكثر من ", below);
    }
    return after("at least ", "ما لا يقل عن ", r.min);
  }
  if (r.min == 0) return after("up to ", "ما يصل إلى ", *r.max);

  if (!arabic) {
    std::string out = "between ";
    out += FormatNumber(r.min, lang, digits);
    out += " and ";
    return EnglishCount(out, *r.max, *c);
  }
  // The noun agrees with the second number. When that is the dual (only
  // [1, 2]), a bare digit before it cannot stand alone: both take nouns.
  std::string out = "ما بين ";
  if (*r.max <= 2) {
    out = ArabicCount(out, *c, r.min, ArabicCase::kGenitive, digits);
  } else {
    out += FormatNumber(r.min, lang, digits);
  }
  out += " و";
  return ArabicCount(out, *c, *r.max, ArabicCase::kGenitive, digits);
}

}  // namespace dalil::figures
