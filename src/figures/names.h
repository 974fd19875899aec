// Person names across Arabic script and Latin transliterations: the
// normalisation, the script-independent match key and the similarity that
// duplicate detection (figures/duplicates.h) is built on. The rules, with
// the reasons for each choice, are written down in docs/duplicates.md.
//
// All functions are pure and thread safe. Input need not be valid UTF-8:
// bytes that do not decode are dropped, never passed through. Very long
// input is not an error either: only the first kMaxNameTokens words of a
// name and the first kMaxTokenUnits letters of a word take part in keys and
// similarity (a person's name has far fewer).
#ifndef DALIL_FIGURES_NAMES_H_
#define DALIL_FIGURES_NAMES_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dalil::figures {

inline constexpr size_t kMaxNameTokens = 12;
inline constexpr size_t kMaxTokenUnits = 48;

// Arabic-script text for searching and display-independent comparison:
// NFKC (so presentation forms and the lam-alef ligature become letters),
// harakat, Quranic marks, superscript alef and tatweel removed; أ إ آ ٱ -> ا,
// ى -> ي, ة -> ه, ؤ -> و, ئ -> ي; Arabic-Indic and Persian digits -> ASCII;
// Persian and Kurdish letters -> the nearest Arabic letter (ک -> ك, گ -> ك,
// ی ێ ې -> ي, ە ھ ہ -> ه, ۆ ۇ ۋ -> و, ڕ -> ر, ڵ -> ل, چ -> ج, پ -> ب,
// ڤ -> ف, ژ -> ز); punctuation becomes a word break; whitespace collapsed.
// The article ال is removed from the start of each word when at least two
// letters remain and the word is not الله. The compound "عبد" + "ال..." is
// written solid with its article, so "عبد الأمير" and "عبدالأمير" both give
// "عبدالامير". Words in Latin script are cleaned as NormalizeLatin cleans
// them (lower case, no diacritics), without its article rule.
std::string NormalizeArabic(std::string_view text);

// Latin transliterations: lower case, diacritics removed (ā -> a, ḥ -> h,
// ş -> s; ı -> i, ł -> l, đ -> d), apostrophes and ayn/hamza marks
// (' ’ ‘ ` ´ ʿ ʾ ʻ ʼ) removed, hyphens and other punctuation -> spaces,
// whitespace collapsed. A separate article before a word is removed: "al",
// "el", "ul", and the assimilated forms ("an Najaf", "as-Sadr", "ash-Shammari",
// "ad Din") when the next word starts with the article's consonant.
std::string NormalizeLatin(std::string_view text);

// A consonantal Latin rendering of Arabic-script text, the way Iraqi names
// are usually romanised: ث ذ ظ ض -> th dh dh dh, ح ه -> h, خ -> kh, ش -> sh,
// غ -> gh, ق -> q, ج -> j, گ -> g, چ -> ch; ع and hamza dropped (an initial
// one reads as "a"); short vowels are not written in Arabic and so are
// absent, long ones are written (ا -> a, و -> u or w, ي -> i or y); the
// active participle pattern CāCiC (كاظم -> kadhim) gets its i; a final ة
// or ى reads "a". Words follow NormalizeArabic (articles removed). Non-Arabic
// letters pass through NormalizeLatin's rules. For display and diagnostics:
// MatchKey does not parse this string back (it reads Arabic letters
// directly), so that two letters written side by side, such as س and ه,
// are never read as one digraph.
std::string Transliterate(std::string_view arabic);

// The script-independent key of a name: one token per name part, in order,
// separated by single spaces. Each token is a consonant skeleton over the
// letters [a-z0-9]: "a" opens a word that starts with a vowel (or ع), "y"
// and "w" stand for a long vowel or glide that the spelling shows (ي و in
// Arabic; ei, ai, ee, ou ... in Latin, and a single i or u before the last
// consonant), "i" ends a word ending in -i (علي "ali", الحسيني "hsyni").
// Spellings of one name in either script collide:
//   محمد محمّد Mohammed Muhammad Mohamed Mohammad   -> "mhmd"
//   حسين Hussein Husain Hussain Husayn               -> "hsyn"
//   كاظم Kadhim Kazim Kathim                          -> "kzym"
//   الناصرية Nasiriya Nassriya Nasiriyah An-Nasiriyah -> "nsry"
//   ذي قار Dhi Qar Thi Qar                            -> "zi kr"
//   عبد الأمير Abdul-Amir Abd al-Amir                 -> "abdamyr"
// while Ali / Alaa ("ali" / "al") and Hussein / Hassan ("hsyn" / "hsn")
// do not. Titles at the start ("الشهيد", "Martyr", "Dr") are left out.
// docs/duplicates.md lists the letter classes and the known false merges.
std::string MatchKey(std::string_view name);

// A name parsed once, for callers that compare it many times.
class ParsedName {
 public:
  ParsedName() = default;
  explicit ParsedName(std::string_view name);

  // Number of name parts (after compounds such as عبد الأمير are joined).
  size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }
  // The MatchKey token of part i.
  const std::string& key(size_t i) const { return keys_[i]; }
  // A coarser token for blocking: glides, vowel marks and a final h left
  // out and near letters (d/dh, s/sh, q/gh) merged. Never empty for a part.
  const std::string& blocking_key(size_t i) const { return blocking_[i]; }
  // True if the name was written (mostly) in Arabic script.
  bool arabic() const { return arabic_; }
  // The text as given, for messages.
  const std::string& text() const { return text_; }

 private:
  friend double TokenSimilarity(const ParsedName&, size_t, const ParsedName&, size_t);
  friend double NameSimilarity(const ParsedName&, const ParsedName&);
  std::string text_;
  bool arabic_ = false;
  std::vector<std::string> units_;  // keys with weak vowels kept apart
  std::vector<std::string> keys_;
  std::vector<std::string> blocking_;
};

// Similarity in [0, 1] of part i of `a` and part j of `b` (0 if either is
// out of range): 1 for the same spelling, less as the skeletons differ. A
// vowel one spelling leaves unwritten, a final ى for ي, or near letters
// (d / dh, s / sh, q / gh) cost little; a long vowel only one spelling has
// (Hussein / Hassan) or a different consonant costs much. Letters that
// differ only by their dots (ج ح خ, ر ز, ب ت ن) cost little only when both
// names are in Arabic script, where that is a slip of the pen.
double TokenSimilarity(const ParsedName& a, size_t i, const ParsedName& b, size_t j);

// Similarity in [0, 1] of two full names, in either script. Iraqi names are
// a chain: given name, father's, grandfather's, then often a family or
// tribal name. Parts are compared by position; the given name weighs most
// and a clear mismatch in it (Hussein / Hassan: brothers) pulls the score
// down hard; so does a clear mismatch of any other aligned part (cousins).
// A shorter chain that is a prefix of the longer one ("Ali Hussein" / "Ali
// Hussein Kadhim") is a strong partial match: 7% less per missing part; so
// is a chain whose last part is the other's family name ("Ali al-Maliki" /
// "Ali Hussein Kadhim al-Maliki"), 5% less again. Two parts written as one
// ("Dhiqar" / "Dhi Qar") match their split form. Order matters: "Hussein
// Ali" and "Ali Hussein" are different men. Symmetric. 0 if either name
// has no letters.
double NameSimilarity(std::string_view a, std::string_view b);
double NameSimilarity(const ParsedName& a, const ParsedName& b);

}  // namespace dalil::figures

#endif  // DALIL_FIGURES_NAMES_H_
