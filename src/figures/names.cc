#include "figures/names.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <utility>

namespace dalil::figures {
namespace {

// ---------------------------------------------------------------------------
// UTF-8 and utf8proc.

std::u32string Decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(s.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {  // invalid byte: dropped, never passed through
      ++p;
      --left;
      continue;
    }
    out.push_back(static_cast<char32_t>(cp));
    p += n;
    left -= n;
  }
  return out;
}

void AppendUtf8(std::string* out, char32_t c) {
  utf8proc_uint8_t buf[4];
  utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buf);
  out->append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

std::string Encode(std::u32string_view s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (char32_t c : s) AppendUtf8(&out, c);
  return out;
}

// Runs utf8proc over code points that are known to be valid.
std::u32string Map(std::u32string_view in, int options) {
  if (in.empty()) return {};
  std::string utf8 = Encode(in);
  utf8proc_uint8_t* mapped = nullptr;
  utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(utf8.data()),
                   static_cast<utf8proc_ssize_t>(utf8.size()), &mapped,
                   static_cast<utf8proc_option_t>(options));
  if (n < 0) return std::u32string(in);  // not reached: the input is valid
  std::u32string out = Decode(std::string_view(reinterpret_cast<char*>(mapped),
                                               static_cast<size_t>(n)));
  std::free(mapped);
  return out;
}

constexpr int kNfkcFold = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                          UTF8PROC_IGNORE | UTF8PROC_CASEFOLD;
constexpr int kStripMarks = UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT |
                            UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD;

// ---------------------------------------------------------------------------
// Arabic letters.

constexpr char32_t kHamza = 0x0621, kAlefMadda = 0x0622, kAlefHamza = 0x0623,
                   kWawHamza = 0x0624, kAlefHamzaBelow = 0x0625, kYehHamza = 0x0626,
                   kAlef = 0x0627, kBeh = 0x0628, kTehMarbuta = 0x0629, kTeh = 0x062A,
                   kTheh = 0x062B, kJeem = 0x062C, kHah = 0x062D, kKhah = 0x062E,
                   kDal = 0x062F, kThal = 0x0630, kReh = 0x0631, kZain = 0x0632,
                   kSeen = 0x0633, kSheen = 0x0634, kSad = 0x0635, kDad = 0x0636,
                   kTah = 0x0637, kZah = 0x0638, kAin = 0x0639, kGhain = 0x063A,
                   kTatweel = 0x0640, kFeh = 0x0641, kQaf = 0x0642, kKaf = 0x0643,
                   kLam = 0x0644, kMeem = 0x0645, kNoon = 0x0646, kHeh = 0x0647,
                   kWaw = 0x0648, kAlefMaksura = 0x0649, kYeh = 0x064A,
                   kAlefWasla = 0x0671, kPeh = 0x067E, kTcheh = 0x0686, kVeh = 0x06A4,
                   kGaf = 0x06AF;

bool IsArabicCodePoint(char32_t c) {
  return (c >= 0x0600 && c <= 0x06FF) || (c >= 0x0750 && c <= 0x077F) ||
         (c >= 0x08A0 && c <= 0x08FF) || (c >= 0xFB50 && c <= 0xFDFF) ||
         (c >= 0xFE70 && c <= 0xFEFF);
}

// How far Arabic letters are folded. kSearch is NormalizeArabic's contract;
// kKey keeps the letters whose difference the transliteration reads (ة and
// ى say the word ends in "a"; ؤ is a hamza, not a waw; گ چ پ ڤ have their
// own romanisation).
enum class Fold { kSearch, kKey };

// Returns the folded letter, or 0 to drop it.
char32_t FoldArabic(char32_t c, Fold mode) {
  const bool search = mode == Fold::kSearch;
  if (c >= 0x0660 && c <= 0x0669) return U'0' + (c - 0x0660);
  if (c >= 0x06F0 && c <= 0x06F9) return U'0' + (c - 0x06F0);
  switch (c) {
    case kTatweel: case 0x0674: case 0x06E5: case 0x06E6:
      return 0;
    case kAlefMadda: case kAlefHamza: case kAlefHamzaBelow: case kAlefWasla:
    case 0x0672: case 0x0673: case 0x0675:
      return kAlef;
    case kAlefMaksura: return search ? kYeh : c;
    case kTehMarbuta: case 0x06C3: return search ? kHeh : kTehMarbuta;
    case kWawHamza: return search ? kWaw : c;
    case kYehHamza: return search ? kYeh : c;
    case 0x06A9: case 0x06AA: case 0x06AD: return kKaf;         // ک ڪ ڭ
    case kGaf: return search ? kKaf : c;                          // گ
    case kTcheh: return search ? kJeem : c;                       // چ
    case kPeh: return search ? kBeh : c;                          // پ
    case kVeh: return search ? kFeh : c;                          // ڤ
    case 0x0698: return kZain;                                    // ژ
    case 0x06CC: case 0x06D0: case 0x06CE: case 0x06D2: case 0x06CD: case 0x0620:
      return kYeh;                                                // ی ې ێ ے ۍ
    case 0x06D5: case 0x06BE: case 0x06C1: case 0x06C0:
      return kHeh;                                                // ە ھ ہ ۀ
    case 0x06C4: case 0x06C5: case 0x06C6: case 0x06C7: case 0x06C8: case 0x06C9:
    case 0x06CA: case 0x06CB: case 0x06CF:
      return kWaw;                                                // ۆ ۇ ۈ ۉ ۋ ...
    case 0x0695: case 0x0691: return kReh;                        // ڕ ڑ
    case 0x06B5: return kLam;                                     // ڵ
    case 0x06A8: case 0x066F: return kQaf;                        // ڨ ٯ
    case 0x066E: return kBeh;                                     // ٮ
    case 0x06A1: return kFeh;                                     // ڡ
    case 0x06BA: return kNoon;                                    // ں
    case 0x0679: return kTeh;                                     // ٹ
    case 0x0688: return kDal;                                     // ڈ
    default: return c;
  }
}

// Apostrophes and the ayn/hamza half rings of scholarly transliteration:
// dropped inside a word, never a word break ("Sa'ad" is one word).
bool IsApostrophe(char32_t c) {
  switch (c) {
    case U'\'': case U'`': case 0x00B4: case 0x2018: case 0x2019: case 0x201B:
    case 0x02B9: case 0x02BB: case 0x02BC: case 0x02BD: case 0x02BE: case 0x02BF:
    case 0x02C8: case 0x2032: case 0xFF07:
      return true;
    default:
      return false;
  }
}

// In key mode an apostrophe is kept as this marker until the Latin
// word is clean: between a vowel and i / e it is the hamza on a ya seat
// (Ṭāʾī, Wa'il: ئ), which the key reads as y; anywhere else it goes.
constexpr char32_t kApostrophe = 0xE000;

// Latin letters without a canonical decomposition to a base letter.
std::u32string_view LatinSpecial(char32_t c) {
  switch (c) {
    case 0x0131: return U"i";   // ı
    case 0x0141: case 0x0142: return U"l";  // Ł ł
    case 0x0110: case 0x0111: return U"d";  // Đ đ
    case 0x00D0: case 0x00F0: return U"dh";  // Ð ð: the ذ of some schemes
    case 0x00DE: case 0x00FE: return U"th";  // Þ þ
    case 0x00D8: case 0x00F8: return U"o";   // Ø ø
    case 0x00C6: case 0x00E6: return U"ae";  // Æ æ
    case 0x0152: case 0x0153: return U"oe";  // Œ œ
    default: return {};
  }
}

// ---------------------------------------------------------------------------
// Words.

struct Word {
  std::u32string text;
  bool arabic = false;
  bool article = false;  // an article was removed from (or, solid, kept in) it
};

bool IsSeparator(char32_t c) {
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO: case UTF8PROC_CATEGORY_SM: case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK: case UTF8PROC_CATEGORY_SO:
      return true;
    case UTF8PROC_CATEGORY_CC:  // tab, newline and friends break words
      return true;
    default:
      return false;
  }
}

bool IsMarkOrFormat(char32_t c) {
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_CO: case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CN:
      return true;
    default:
      return false;
  }
}

const std::u32string kAllahWord = {kAlef, kLam, kLam, kHeh};
const std::u32string kAbdWord = {kAin, kBeh, kDal};

bool StartsWith(std::u32string_view s, std::u32string_view p) {
  return s.size() >= p.size() && s.substr(0, p.size()) == p;
}
bool EndsWith(std::u32string_view s, std::u32string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Splits text into words; Arabic words are cleaned and folded (`mode`) with
// their article removed, other words are cleaned the Latin way (lower case,
// no diacritics). When `all_latin`, every word is cleaned the Latin way.
// With `hamza_y`, an apostrophe between a vowel and i / e becomes y.
std::vector<Word> SplitWords(std::string_view text, Fold mode, bool all_latin = false,
                             bool hamza_y = false) {
  std::u32string pre;
  for (char32_t c : Decode(text)) {
    if (IsApostrophe(c)) {
      if (hamza_y) pre.push_back(kApostrophe);
      continue;
    }
    std::u32string_view special = LatinSpecial(c);
    if (!special.empty()) {
      pre.append(special);
    } else {
      pre.push_back(c);
    }
  }
  std::u32string cps = Map(pre, kNfkcFold);

  std::vector<Word> words;
  std::u32string current;
  auto flush = [&]() {
    if (current.empty()) return;
    Word w;
    w.arabic = !all_latin && std::any_of(current.begin(), current.end(), IsArabicCodePoint);
    if (w.arabic) {
      w.article = current.size() >= 2 && (current[0] == kAlef || current[0] == kAlefWasla) &&
                  current[1] == kLam;
      for (char32_t c : current) {
        if (c == kApostrophe) continue;
        char32_t f = FoldArabic(c, mode);
        if (f != 0) w.text.push_back(f);
      }
    } else {
      std::u32string clean = Map(current, kStripMarks);
      for (size_t i = 0; i < clean.size(); ++i) {
        char32_t c = clean[i];
        if (c == kApostrophe) {
          auto vowel = [](char32_t v) {
            return v == U'a' || v == U'e' || v == U'i' || v == U'o' || v == U'u';
          };
          if (!w.text.empty() && vowel(w.text.back()) && i + 1 < clean.size() &&
              (clean[i + 1] == U'i' || clean[i + 1] == U'e')) {
            w.text.push_back(U'y');
          }
          continue;
        }
        if (!IsMarkOrFormat(c) && !IsSeparator(c)) w.text.push_back(c);
      }
    }
    if (!w.text.empty()) words.push_back(std::move(w));
    current.clear();
  };
  for (char32_t c : cps) {
    if (c == kTatweel || c == 0x0674 || c == 0x06E5 || c == 0x06E6) continue;
    if (IsSeparator(c) || c == U' ') {
      flush();
    } else if (!IsMarkOrFormat(c) || c == kApostrophe) {
      current.push_back(c);
    }
  }
  flush();

  // The Arabic article, and the compound عبد + ال... written solid.
  std::vector<Word> out;
  for (size_t i = 0; i < words.size(); ++i) {
    Word w = std::move(words[i]);
    if (w.arabic && w.article) {
      if (w.text == kAllahWord || w.text.size() < 4) {
        w.article = w.text == kAllahWord;
      } else {
        w.text.erase(0, 2);
      }
    }
    if (!out.empty() && w.arabic && w.article && out.back().arabic &&
        out.back().text == kAbdWord) {
      Word& abd = out.back();
      if (w.text != kAllahWord) abd.text += std::u32string{kAlef, kLam};
      abd.text += w.text;
      continue;
    }
    out.push_back(std::move(w));
  }
  return out;
}

std::string JoinWords(const std::vector<Word>& words) {
  std::string out;
  for (const Word& w : words) {
    if (!out.empty()) out.push_back(' ');
    out += Encode(w.text);
  }
  return out;
}

// The article as a separate Latin word: "al", "el", "ul" before any word;
// the assimilated forms ("an Najaf", "ash-Shammari") only before a word
// starting with their consonant, so that a two-letter word that is no
// article is left alone.
void DropLatinArticles(std::vector<Word>* words) {
  static const std::array<std::u32string_view, 3> kPlain = {U"al", U"el", U"ul"};
  static const std::array<std::u32string_view, 9> kSun = {
      U"n", U"r", U"s", U"sh", U"t", U"th", U"d", U"dh", U"z"};
  std::vector<Word> out;
  for (size_t i = 0; i < words->size(); ++i) {
    Word& w = (*words)[i];
    bool has_next = i + 1 < words->size() && !(*words)[i + 1].arabic;
    if (!w.arabic && has_next) {
      std::u32string_view t = w.text;
      bool drop = std::find(kPlain.begin(), kPlain.end(), t) != kPlain.end();
      if (!drop && t.size() >= 2 && (t[0] == U'a' || t[0] == U'e' || t[0] == U'u')) {
        std::u32string_view cons = t.substr(1);
        drop = std::find(kSun.begin(), kSun.end(), cons) != kSun.end() &&
               StartsWith((*words)[i + 1].text, cons);
      }
      if (drop) {
        (*words)[i + 1].article = true;
        continue;
      }
    }
    out.push_back(std::move(w));
  }
  *words = std::move(out);
}

// ---------------------------------------------------------------------------
// Key units.
//
// A token is spelled in "units", one char each:
//   'a'  the word starts with a vowel or ع
//   b t j h x(kh) d z(dh th ẓ ḍ) r s c(sh) g(gh) f k(q k g) l m n 0-9
//   'y' 'w' a long vowel or glide the spelling shows
//   'e' 'o' a short i / u written in Latin (or implied by the CāCiC
//           pattern) that Arabic may or may not write as ي / و: weak
//   'i'  the word ends in -i
//   'v'  the word ends in ى (units only: a trace for the ى / ي confusion)
//   'u'  ؤ inside a word (units only: writers also write it as a plain و)
// The key is the units with weak vowels made strong ('e' -> 'y', 'o' -> 'w')
// when the word ends in a consonant, and dropped when it ends in a vowel
// (so that Nasiriya and Nassriya agree); similarity reads the weak ones.

struct Units {
  std::string units;
  std::string key;
};

bool IsLatinVowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

void Collapse(std::string* s) {
  s->erase(std::unique(s->begin(), s->end()), s->end());
}

std::string KeyFromUnits(const std::string& units, bool ends_in_vowel) {
  std::string key;
  for (char u : units) {
    if (u == 'e' || u == 'o') {
      if (!ends_in_vowel) key.push_back(u == 'e' ? 'y' : 'w');
    } else if (u != 'v' && u != 'u') {
      key.push_back(u);
    }
  }
  Collapse(&key);
  return key;
}

// A Latin symbol: a consonant unit, or a vowel letter (a e i o u, and y w
// inside a word) kept raw for the cluster rules.
struct Sym {
  char c;
  bool vowel;
};

std::vector<Sym> LatinSymbols(const std::string& s) {
  std::vector<Sym> out;
  for (size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    char next = i + 1 < s.size() ? s[i + 1] : '\0';
    if (next == 'h') {
      char digraph = 0;
      switch (ch) {
        case 's': digraph = 'c'; break;
        case 'k': digraph = 'x'; break;
        case 'g': digraph = 'g'; break;
        case 'd': case 't': case 'z': digraph = 'z'; break;
        case 'c': digraph = 'j'; break;
        case 'p': digraph = 'f'; break;
        default: break;
      }
      if (digraph != 0) {
        out.push_back({digraph, false});
        ++i;
        continue;
      }
    }
    if (IsLatinVowel(ch)) {
      out.push_back({ch, true});
      continue;
    }
    if (ch == 'y' || ch == 'w') {
      out.push_back({ch, i != 0});  // word-initial: a consonant
      continue;
    }
    char unit = 0;
    switch (ch) {
      case 'b': case 'p': unit = 'b'; break;
      case 't': unit = 't'; break;
      case 'j': unit = 'j'; break;
      case 'h': unit = 'h'; break;
      case 'd': unit = 'd'; break;
      case 'z': unit = 'z'; break;
      case 'r': unit = 'r'; break;
      case 's': unit = 's'; break;
      case 'f': case 'v': unit = 'f'; break;
      case 'q': case 'k': case 'g': case 'c': unit = 'k'; break;
      case 'l': unit = 'l'; break;
      case 'm': unit = 'm'; break;
      case 'n': unit = 'n'; break;
      case 'x':
        out.push_back({'k', false});
        unit = 's';
        break;
      default:
        if (ch >= '0' && ch <= '9') unit = ch;
        break;
    }
    if (unit != 0) out.push_back({unit, false});
  }
  // A doubled consonant is one sound (shadda is rarely written in Arabic).
  std::vector<Sym> collapsed;
  for (const Sym& s : out) {
    if (!s.vowel && !collapsed.empty() && !collapsed.back().vowel &&
        collapsed.back().c == s.c) {
      continue;
    }
    collapsed.push_back(s);
  }
  return collapsed;
}

bool Contains(const std::string& s, std::string_view what) {
  return s.find(what) != std::string::npos;
}

// A vowel cluster between consonants, not before the last one.
char MedialGlide(const std::string& cl) {
  for (size_t i = 0; i + 1 < cl.size(); ++i) {
    if ((cl[i] == 'i' || cl[i] == 'e' || cl[i] == 'y') && cl[i + 1] == 'a') return 'y';
    if (cl[i] == 'w' && IsLatinVowel(cl[i + 1])) return 'w';
  }
  return 0;
}

// The vowel cluster before the last consonant: where Arabic writes a long
// vowel (حسين, محمود, كريم) that Latin shows as ei / ou / ee, or as a single
// i / u that may equally be short (Kadhim, Muhsin).
char BeforeFinalGlide(const std::string& cl, bool participle) {
  if (cl.empty()) return 0;
  size_t j = std::string::npos;
  for (size_t i = 0; i < cl.size(); ++i) {
    char c = cl[i];
    if (c == 'i' || c == 'y' || c == 'u' || c == 'o' || c == 'w') j = i;
  }
  if (j == std::string::npos) {
    if (Contains(cl, "ee") || Contains(cl, "ae") || Contains(cl, "ea")) return 'y';
    if (cl == "e" && participle) return 'e';
    return 0;
  }
  char c = cl[j];
  if (c == 'w') return 'w';
  if (c == 'i' || c == 'y') return cl.size() == 1 && c == 'i' ? 'e' : 'y';
  // u / o followed by a is the hiatus of a dropped ع (Muath, Duaa).
  if (j + 1 < cl.size() && cl[j + 1] == 'a') return 0;
  return cl.size() == 1 ? 'o' : 'w';
}

// The vowels after the last consonant, as up to two units.
std::string FinalGlide(const std::string& cl) {
  if (cl.empty()) return {};
  for (size_t i = 0; i + 1 < cl.size(); ++i) {
    if ((cl[i] == 'i' || cl[i] == 'e' || cl[i] == 'y') && cl[i + 1] == 'a') return "y";
  }
  for (size_t i = 0; i + 1 < cl.size(); ++i) {
    if (cl[i] == 'w' && IsLatinVowel(cl[i + 1])) return "w";
  }
  std::string out;
  // Rubaie, Rubaiy (ربيعي): the diphthong, then the ending -i.
  if (cl.size() >= 3 && (cl[0] == 'a' || cl[0] == 'e') && (cl[1] == 'i' || cl[1] == 'y')) {
    out = "y";
  }
  char last = cl.back();
  if (last == 'i' || last == 'y' ||
      (cl.size() >= 2 && (cl.substr(cl.size() - 2) == "ie" || cl.substr(cl.size() - 2) == "ee"))) {
    out.push_back('i');
  }
  return out;
}

Units LatinUnits(std::string s) {
  // A final h after -iya is the ta marbuta (Nasiriyah = Nasiriya).
  if (s.size() >= 3 && s.back() == 'h' && s[s.size() - 2] == 'a' &&
      (s[s.size() - 3] == 'i' || s[s.size() - 3] == 'y' || s[s.size() - 3] == 'e')) {
    s.pop_back();
  }
  std::vector<Sym> syms = LatinSymbols(s);
  // Clusters: clusters[k] holds the vowels before consonant k; the last
  // entry holds those after the last consonant.
  std::vector<char> consonants;
  std::vector<std::string> clusters(1);
  for (const Sym& sym : syms) {
    if (sym.vowel) {
      clusters.back().push_back(sym.c);
    } else {
      consonants.push_back(sym.c);
      clusters.emplace_back();
    }
  }
  const size_t k = consonants.size();
  std::string units;
  std::string initial = clusters[0];
  // Active participle CāCeC (Kazem, Adel): the e is the i of CāCiC.
  bool participle = false;
  if (k == 3 && initial.empty()) {
    participle = (clusters[1] == "a" || clusters[1] == "aa") && clusters[2] == "e";
  } else if (k == 2) {
    participle = (initial == "a" || initial == "aa") && clusters[1] == "e";
  }
  if (!initial.empty()) {
    units.push_back('a');
    std::string rest = initial.substr(1);
    if (rest.size() >= 2 && rest[1] == 'a' && (rest[0] == 'y' || rest[0] == 'i' || rest[0] == 'e')) {
      units.push_back('y');  // Iyad, Eyad
      rest.clear();
    } else if (rest.size() >= 2 && rest[1] == 'a' && rest[0] == 'w') {
      units.push_back('w');
      rest.clear();
    } else if (!rest.empty() && rest[0] != 'a') {
      rest.erase(0, 1);  // Eisa, Ayman: the glide belongs to the first vowel
    }
    if (k == 0) {
      units += FinalGlide(rest);
    } else if (!rest.empty()) {
      char g = k == 1 ? BeforeFinalGlide(rest, false) : MedialGlide(rest);
      if (g) units.push_back(g);
    }
  }
  for (size_t i = 0; i < k; ++i) {
    if (i > 0) {
      char g = i + 1 == k ? BeforeFinalGlide(clusters[i], participle) : MedialGlide(clusters[i]);
      if (g) units.push_back(g);
    }
    units.push_back(consonants[i]);
  }
  bool ends_in_vowel = false;
  if (k > 0) {
    const std::string& fin = clusters[k];
    ends_in_vowel = !fin.empty();
    units += FinalGlide(fin);
  } else {
    ends_in_vowel = true;
  }
  Collapse(&units);
  return {units, KeyFromUnits(units, ends_in_vowel)};
}

char ArabicConsonant(char32_t c) {
  switch (c) {
    case kBeh: case kPeh: return 'b';
    case kTeh: case kTah: return 't';
    case kTheh: case kThal: case kZain: case kDad: case kZah: return 'z';
    case kJeem: case kTcheh: return 'j';
    case kHah: case kHeh: return 'h';
    case kKhah: return 'x';
    case kDal: return 'd';
    case kReh: return 'r';
    case kSeen: case kSad: return 's';
    case kSheen: return 'c';
    case kGhain: return 'g';
    case kFeh: case kVeh: return 'f';
    case kQaf: case kKaf: case kGaf: return 'k';
    case kLam: return 'l';
    case kMeem: return 'm';
    case kNoon: return 'n';
    default:
      if (c >= U'0' && c <= U'9') return static_cast<char>(c);
      return 0;
  }
}

bool IsGlide(char32_t c) { return c == kWaw || c == kYeh || c == kYehHamza; }
// Letters the key does not spell: hamza and (inside a word) ع.
bool IsTransparent(char32_t c) { return c == kHamza || c == kWawHamza || c == kAin; }

// The Arabic letters of one word, read for the key. Shared by the key and
// Transliterate so the two agree on every decision.
struct ArabicReading {
  enum Kind : uint8_t { kSkip, kInitialVowel, kConsonant, kGlide, kWeakI, kFinalI, kFinalA };
  // kFinalA of ى at the end: writers confuse it with ي, so similarity
  // keeps a trace of it (unit 'v').
  struct Item {
    Kind kind;
    char32_t letter;
  };
  std::vector<Item> items;
  bool ends_in_vowel = false;
};

bool ArabicIsConsonant(const std::u32string& w, size_t i) {
  if (w[i] == kHeh && i + 1 == w.size()) return false;  // final ه reads as ة
  return ArabicConsonant(w[i]) != 0;
}

ArabicReading ReadArabic(const std::u32string& w) {
  ArabicReading r;
  const size_t n = w.size();
  if (n == 0) return r;
  size_t last_consonant = n;
  for (size_t i = 0; i < n; ++i) {
    if (ArabicIsConsonant(w, i)) last_consonant = i;
  }
  // The stem without a vowel ending, for the CāCiC pattern (كاظم, فاضل).
  size_t stem = n;
  while (stem > 0) {
    char32_t c = w[stem - 1];
    bool ending = c == kTehMarbuta || c == kAlefMaksura || c == kAlef || c == kHamza ||
                  (c == kHeh && stem == n) ||
                  ((c == kYeh || c == kYehHamza) && stem >= 2 && ArabicIsConsonant(w, stem - 2));
    if (!ending) break;
    --stem;
    if (c == kYeh || c == kYehHamza) break;  // one -i, not more
  }
  const bool participle = stem == 4 && w[1] == kAlef &&
                          (ArabicIsConsonant(w, 0) || w[0] == kAin || w[0] == kAlef) &&
                          ArabicIsConsonant(w, 2) && ArabicIsConsonant(w, 3);

  size_t i = 0;
  if (w[0] == kAlef || w[0] == kAin || w[0] == kHamza || w[0] == kWawHamza ||
      w[0] == kYehHamza) {
    r.items.push_back({ArabicReading::kInitialVowel, w[0]});
    i = 1;
    // ايمن, عيسى, اوس: the glide belongs to the first vowel, unless a
    // vowel follows it (اياد: Iyad).
    if (i < n && IsGlide(w[i]) && !(i + 1 < n && (w[i + 1] == kAlef || w[i + 1] == kAlefMaksura))) {
      r.items.push_back({ArabicReading::kSkip, w[i]});
      ++i;
    }
  }
  for (; i < n; ++i) {
    char32_t c = w[i];
    if (ArabicIsConsonant(w, i)) {
      if (participle && i == 3) r.items.push_back({ArabicReading::kWeakI, 0});
      r.items.push_back({ArabicReading::kConsonant, c});
      continue;
    }
    if (IsGlide(c)) {
      if (i == 0) {
        r.items.push_back({ArabicReading::kGlide, c});
        continue;
      }
      size_t j = i + 1;
      while (j < n && IsTransparent(w[j])) ++j;
      if (j == n) {
        r.items.push_back({c == kWaw ? ArabicReading::kFinalA : ArabicReading::kFinalI, c});
        continue;
      }
      char32_t next = w[j];
      bool before_vowel = next == kAlef || next == kAlefMaksura || next == kTehMarbuta ||
                          (next == kHeh && j + 1 == n) || IsGlide(next);
      if (before_vowel || j == last_consonant) {
        r.items.push_back({ArabicReading::kGlide, c});
      } else {
        r.items.push_back({ArabicReading::kSkip, c});
      }
      continue;
    }
    if (c == kAlef || c == kAlefMaksura || c == kTehMarbuta || c == kHeh) {
      r.items.push_back({ArabicReading::kFinalA, c});  // a long or final a
      continue;
    }
    r.items.push_back({ArabicReading::kSkip, c});  // hamza, ع, other letters
  }
  r.ends_in_vowel = last_consonant == n || last_consonant + 1 < n;
  // A consonant followed only by hamza or ع still ends the word.
  if (last_consonant < n) {
    bool only_transparent = true;
    for (size_t j = last_consonant + 1; j < n; ++j) {
      if (!IsTransparent(w[j])) only_transparent = false;
    }
    if (only_transparent) r.ends_in_vowel = false;
  }
  return r;
}

Units ArabicUnits(const std::u32string& w) {
  if (w == kAllahWord) return {"alh", "alh"};
  ArabicReading r = ReadArabic(w);
  std::string units;
  for (const auto& item : r.items) {
    switch (item.kind) {
      case ArabicReading::kInitialVowel: units.push_back('a'); break;
      case ArabicReading::kConsonant: units.push_back(ArabicConsonant(item.letter)); break;
      case ArabicReading::kGlide: units.push_back(item.letter == kWaw ? 'w' : 'y'); break;
      case ArabicReading::kWeakI: units.push_back('e'); break;
      case ArabicReading::kFinalI: units.push_back('i'); break;
      case ArabicReading::kFinalA:
        if (item.letter == kAlefMaksura && &item == &r.items.back()) units.push_back('v');
        break;
      case ArabicReading::kSkip:
        if (item.letter == kWawHamza) units.push_back('u');
        break;
    }
  }
  Collapse(&units);
  return {units, KeyFromUnits(units, r.ends_in_vowel)};
}

// ---------------------------------------------------------------------------
// Name parts: words become pieces (compounds split out), pieces become
// tokens (compounds joined again, whatever their spelling).

enum class PieceKind { kPlain, kAbd, kAllah, kDin };

struct Piece {
  std::u32string text;
  bool arabic = false;
  bool after_article = false;
  PieceKind kind = PieceKind::kPlain;
};

std::string Ascii(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) {
    if ((c >= U'a' && c <= U'z') || (c >= U'0' && c <= U'9')) out.push_back(static_cast<char>(c));
  }
  return out;
}

// "llah", "lah", "lla", "la": what remains of Allah after "abd" + vowel.
bool IsAllahTail(std::string_view s) {
  size_t i = 0;
  size_t ls = 0;
  while (i < s.size() && s[i] == 'l') ++i, ++ls;
  if (ls == 0 || ls > 2 || i >= s.size() || s[i] != 'a') return false;
  ++i;
  if (i < s.size() && s[i] == 'h') ++i;
  return i == s.size();
}

bool IsAllahWord(std::string_view s) {
  return s == "allah" || s == "ullah" || s == "ulla" || s == "illah";
}

// "abd", "abdul", "abdel", "abdur", "abdush" ...: the first half of a
// compound written apart from its second.
bool IsAbdWord(std::string_view s) {
  if (s.substr(0, 3) != "abd") return false;
  std::string_view rest = s.substr(3);
  if (!rest.empty() && IsLatinVowel(rest[0])) rest.remove_prefix(1);
  static const std::array<std::string_view, 12> kTails = {
      "", "l", "r", "s", "z", "n", "t", "d", "sh", "th", "dh", "ts"};
  return std::find(kTails.begin(), kTails.end(), rest) != kTails.end();
}

bool IsDinWord(std::string_view s) {
  static const std::array<std::string_view, 12> kDin = {
      "din", "deen", "dine", "ddin", "ddine", "eddin", "eddine", "uddin",
      "addin", "iddin", "uddeen", "eddeen"};
  return std::find(kDin.begin(), kDin.end(), s) != kDin.end();
}

// Splits "nuruddin", "salaheddine", "nooraldeen" into the name and "din".
bool SplitDinSuffix(const std::string& s, std::string* prefix) {
  for (size_t end : {s.size(), s.size() - 1}) {
    if (end != s.size() && s.back() != 'e') continue;
    if (end < 3 || s[end - 1] != 'n') continue;
    // The vowel of din: i, ee, ea, ii, y.
    size_t v = end - 1;
    size_t vstart = v;
    while (vstart > 0 && (s[vstart - 1] == 'i' || s[vstart - 1] == 'e' || s[vstart - 1] == 'a' ||
                          s[vstart - 1] == 'y')) {
      --vstart;
    }
    if (vstart == v || v - vstart > 2 || vstart == 0 || s[vstart - 1] != 'd') continue;
    size_t d = vstart - 1;
    // Connector: "dd", "ld", or a vowel before the d.
    size_t cut;
    if (d >= 1 && s[d - 1] == 'd') {
      cut = d - 1;
      if (cut >= 1 && IsLatinVowel(s[cut - 1])) --cut;
    } else if (d >= 1 && s[d - 1] == 'l' && d >= 2 && IsLatinVowel(s[d - 2])) {
      cut = d - 2;
    } else if (d >= 1 && IsLatinVowel(s[d - 1])) {
      cut = d - 1;
    } else {
      continue;
    }
    if (cut < 3) continue;
    *prefix = s.substr(0, cut);
    return true;
  }
  return false;
}

// "nasrallah", "khairullah" -> the name and Allah.
bool SplitAllahSuffix(const std::string& s, std::string* prefix) {
  for (std::string_view tail : {"allah", "ullah", "illah", "alla", "ulla"}) {
    if (s.size() >= tail.size() + 3 && s.compare(s.size() - tail.size(), tail.size(), tail) == 0) {
      *prefix = s.substr(0, s.size() - tail.size());
      return true;
    }
  }
  return false;
}

void AddLatinPieces(const Word& w, bool first, std::vector<Piece>* out) {
  std::string s = Ascii(w.text);
  auto plain = [&](std::string t, bool after_article) {
    Piece p;
    p.text.assign(t.begin(), t.end());
    p.after_article = after_article;
    out->push_back(std::move(p));
  };
  auto special = [&](PieceKind kind) {
    Piece p;
    p.kind = kind;
    out->push_back(std::move(p));
  };
  if (s.empty()) return;
  if (IsAllahWord(s)) return special(PieceKind::kAllah);
  if (IsAbdWord(s)) return special(PieceKind::kAbd);
  if (s.size() > 5 && s.compare(0, 3, "abd") == 0) {
    std::string rest = s.substr(3);
    if (IsLatinVowel(rest[0])) rest.erase(0, 1);
    if (IsAllahTail(rest)) {
      special(PieceKind::kAbd);
      return special(PieceKind::kAllah);
    }
    bool article = false;
    if (rest.size() >= 4 && rest[0] == 'l') {
      rest.erase(0, 1);
      article = true;
    } else if (rest.size() >= 4 && rest[0] == rest[1] && !IsLatinVowel(rest[0])) {
      rest.erase(0, 1);  // abdurrahman: the assimilated article
      article = true;
    }
    if (rest.size() >= 3) {
      special(PieceKind::kAbd);
      return plain(rest, article);
    }
  }
  if (!first && IsDinWord(s)) return special(PieceKind::kDin);
  std::string prefix;
  if (SplitAllahSuffix(s, &prefix)) {
    plain(prefix, false);
    return special(PieceKind::kAllah);
  }
  if (SplitDinSuffix(s, &prefix)) {
    plain(prefix, false);
    return special(PieceKind::kDin);
  }
  // An article written solid with a family name (Almaliki, Alhusseini):
  // only before a consonant and at least four more letters, and not before
  // l, so that Ali, Alaa, Alwan and Allawi stay whole.
  if (!w.article && s.size() >= 6 && (s[0] == 'a' || s[0] == 'e') && s[1] == 'l' &&
      !IsLatinVowel(s[2]) && s[2] != 'l' && s[2] != 'y' && s[2] != 'w') {
    return plain(s.substr(2), true);
  }
  plain(s, w.article);
}

const std::u32string kDinWord = {kDal, kYeh, kNoon};
const std::u32string kAlDin = {kAlef, kLam, kDal, kYeh, kNoon};
const std::u32string kAbdAl = {kAin, kBeh, kDal, kAlef, kLam};

void AddArabicPieces(const Word& w, bool first, std::vector<Piece>* out) {
  auto plain = [&](std::u32string t, bool after_article) {
    Piece p;
    p.text = std::move(t);
    p.arabic = true;
    p.after_article = after_article;
    out->push_back(std::move(p));
  };
  auto special = [&](PieceKind kind) {
    Piece p;
    p.kind = kind;
    p.arabic = true;
    out->push_back(std::move(p));
  };
  const std::u32string& t = w.text;
  if (t == kAllahWord) return special(PieceKind::kAllah);
  if (t == kAbdWord) return special(PieceKind::kAbd);
  if (StartsWith(t, kAbdAl) && t.size() >= kAbdAl.size() + 2) {
    special(PieceKind::kAbd);
    std::u32string rest = t.substr(kAbdAl.size());
    if (rest == std::u32string{kLam, kHeh}) return special(PieceKind::kAllah);
    return plain(rest, true);
  }
  if (t.size() >= kAllahWord.size() + 2 && EndsWith(t, kAllahWord)) {
    plain(t.substr(0, t.size() - kAllahWord.size()), false);
    return special(PieceKind::kAllah);
  }
  if (t.size() >= kAlDin.size() + 2 && EndsWith(t, kAlDin)) {
    plain(t.substr(0, t.size() - kAlDin.size()), false);
    return special(PieceKind::kDin);
  }
  if (!first && w.article && t == kDinWord) return special(PieceKind::kDin);
  plain(t, w.article);
}

// Titles that precede a name in lists of victims; never a name part.
bool IsTitle(const Word& w) {
  static const std::array<std::string_view, 13> kLatin = {
      "martyr", "shaheed", "dr", "doctor", "sheikh", "shaikh", "sheik",
      "mr", "mrs", "ms", "miss", "the", "late"};
  static const std::array<std::string_view, 18> kArabic = {
      "شهيد", "شهيدة", "مرحوم", "مرحومة", "حاج", "حاجة", "شيخ", "دكتور", "دكتورة",
      "طفل", "طفلة", "ناشط", "ناشطة", "متظاهر", "متظاهرة", "سيد", "سيدة", "شاب"};
  if (!w.arabic) {
    std::string s = Encode(w.text);
    return std::find(kLatin.begin(), kLatin.end(), s) != kLatin.end();
  }
  std::string s = Encode(w.text);
  if (s == "د") return true;  // the abbreviation of دكتور
  if (!w.article) return false;
  return std::find(kArabic.begin(), kArabic.end(), s) != kArabic.end();
}

using Token = Units;

std::string BlockingFromUnits(const std::string& units, const std::string& key) {
  std::string out;
  for (char u : units) {
    switch (u) {
      case 'y': case 'w': case 'e': case 'o': case 'i': case 'v': case 'u': break;
      case 'z': out.push_back('d'); break;
      case 'c': out.push_back('s'); break;
      case 'g': out.push_back('k'); break;
      default: out.push_back(u);
    }
  }
  if (out.size() > 1 && out.back() == 'h') out.pop_back();
  Collapse(&out);
  if (out.empty() || out == "a") return "_" + key;
  return out;
}

std::vector<Token> Tokenize(std::string_view name, bool* arabic) {
  std::vector<Word> words = SplitWords(name, Fold::kKey, /*all_latin=*/false, /*hamza_y=*/true);
  DropLatinArticles(&words);
  size_t arabic_letters = 0, other_letters = 0;
  for (const Word& w : words) (w.arabic ? arabic_letters : other_letters) += w.text.size();
  if (arabic) *arabic = arabic_letters > other_letters;
  size_t start = 0;
  while (start + 1 < words.size() && IsTitle(words[start])) ++start;

  std::vector<Piece> pieces;
  for (size_t i = start; i < words.size(); ++i) {
    if (words[i].arabic) {
      AddArabicPieces(words[i], i == start, &pieces);
    } else {
      AddLatinPieces(words[i], i == start, &pieces);
    }
  }
  auto units_of = [](const Piece& p) -> Units {
    switch (p.kind) {
      case PieceKind::kAbd: return {"abd", "abd"};
      case PieceKind::kAllah: return {"alh", "alh"};
      case PieceKind::kDin: return {"dyn", "dyn"};
      case PieceKind::kPlain: break;
    }
    if (p.arabic) return ArabicUnits(p.text);
    return LatinUnits(Ascii(p.text));
  };
  std::vector<Token> tokens;
  for (size_t i = 0; i < pieces.size() && tokens.size() < kMaxNameTokens; ++i) {
    const Piece& p = pieces[i];
    Units u = units_of(p);
    if (p.kind == PieceKind::kAbd && i + 1 < pieces.size()) {
      Units next = units_of(pieces[i + 1]);
      u.units += next.units;
      u.key += next.key;
      ++i;
    } else if ((p.kind == PieceKind::kAllah || p.kind == PieceKind::kDin) && !tokens.empty()) {
      tokens.back().units += u.units;
      tokens.back().key += u.key;
      Collapse(&tokens.back().units);
      Collapse(&tokens.back().key);
      continue;
    }
    if (u.units.empty()) continue;
    Collapse(&u.units);
    Collapse(&u.key);
    if (u.units.size() > kMaxTokenUnits) u.units.resize(kMaxTokenUnits);
    if (u.key.size() > kMaxTokenUnits) u.key.resize(kMaxTokenUnits);
    tokens.push_back(std::move(u));
  }
  return tokens;
}

// ---------------------------------------------------------------------------
// Similarity of unit strings: a weighted edit distance.

double IndelCost(char u, bool last) {
  switch (u) {
    case 'e': case 'o': case 'v': case 'u': return 0.2;  // weak: may or may not be written
    case 'y': case 'w': return 0.9;            // a long vowel one spelling shows
    case 'i': return 0.6;                      // final -i against a final -a
    case 'a': return 0.6;
    case 'h': return last ? 0.3 : 0.6;  // a final h: ta marbuta or not
    default: return 1.0;
  }
}

struct Near {
  char a, b;  // a < b
  double cost;
};

// Vowel letters, then sounds that Latin spellings of one Arabic letter
// share (ḍ as d or dh, gh as g, kh as h).
constexpr Near kNear[] = {
    {'e', 'y', 0.1}, {'o', 'w', 0.1}, {'e', 'i', 0.2}, {'i', 'v', 0.2}, {'e', 'v', 0.2},
    {'i', 'y', 0.3}, {'e', 'o', 0.3}, {'w', 'y', 0.7}, {'e', 'w', 0.6}, {'o', 'y', 0.6},
    {'i', 'o', 0.6}, {'u', 'w', 0.2}, {'o', 'u', 0.1},
    {'d', 'z', 0.4}, {'t', 'z', 0.5}, {'c', 's', 0.5}, {'g', 'k', 0.5}, {'h', 'x', 0.5},
    {'k', 'x', 0.6}, {'g', 'x', 0.6}, {'d', 't', 0.6},
};
// Letters that differ only by their dots in Arabic script (ر ز, ب ت ن, ج ح خ,
// ف ق): the commonest slip of hand and eye. Only between two Arabic
// spellings; in Latin these are different names (Kadhim, Karim).
constexpr Near kDots[] = {
    {'r', 'z', 0.4}, {'b', 't', 0.4}, {'b', 'n', 0.4}, {'n', 't', 0.4},
    {'h', 'j', 0.4}, {'j', 'x', 0.4}, {'h', 'x', 0.4}, {'f', 'k', 0.4},
};

double SubstCost(char a, char b, bool arabic) {
  if (a == b) return 0;
  if (a > b) std::swap(a, b);
  double cost = 1.0;
  for (const Near& n : kNear) {
    if (n.a == a && n.b == b) cost = n.cost;
  }
  if (arabic) {
    for (const Near& n : kDots) {
      if (n.a == a && n.b == b) cost = std::min(cost, n.cost);
    }
  }
  return cost;
}

// The unit a Latin digraph became, if `first` + 'h' is one: Arabic writes
// ت ح (Fathi, فتحي) or د ه (Adham, أدهم) where Latin has "th", "dh".
char DigraphOf(char first) {
  switch (first) {
    case 't': case 'd': case 'z': return 'z';
    case 's': return 'c';
    case 'k': return 'x';
    case 'g': return 'g';
    default: return 0;
  }
}

// Weighted Damerau-Levenshtein; units are at most kMaxTokenUnits long.
double UnitDistance(std::string_view a, std::string_view b, bool arabic) {
  a = a.substr(0, kMaxTokenUnits);
  b = b.substr(0, kMaxTokenUnits);
  const size_t n = a.size(), m = b.size();
  std::array<double, kMaxTokenUnits + 1> rows[3];
  double* prev2 = rows[0].data();
  double* prev = rows[1].data();
  double* cur = rows[2].data();
  prev[0] = 0;
  for (size_t j = 1; j <= m; ++j) prev[j] = prev[j - 1] + IndelCost(b[j - 1], j == m);
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = prev[0] + IndelCost(a[i - 1], i == n);
    for (size_t j = 1; j <= m; ++j) {
      double best = prev[j - 1] + SubstCost(a[i - 1], b[j - 1], arabic);
      best = std::min(best, prev[j] + IndelCost(a[i - 1], i == n));
      best = std::min(best, cur[j - 1] + IndelCost(b[j - 1], j == m));
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && a[i - 1] != a[i - 2]) {
        best = std::min(best, prev2[j - 2] + 0.6);
      }
      if (i > 1 && a[i - 1] == 'h' && DigraphOf(a[i - 2]) == b[j - 1]) {
        best = std::min(best, prev2[j - 1] + 0.3);
      }
      if (j > 1 && b[j - 1] == 'h' && DigraphOf(b[j - 2]) == a[i - 1]) {
        best = std::min(best, prev[j - 2] + 0.3);
      }
      cur[j] = best;
    }
    double* t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev[m];
}

double UnitSimilarity(std::string_view a, std::string_view b, bool arabic) {
  if (a == b) return a.empty() ? 0.0 : 1.0;
  // A key of one or two units (ضياء "zy") hides its vowels: one near letter
  // must not halve it, so short keys count as three units long.
  const double len =
      static_cast<double>(std::clamp(std::max(a.size(), b.size()), size_t{3}, kMaxTokenUnits));
  return std::max(0.0, 1.0 - UnitDistance(a, b, arabic) / len);
}

// Weights of name positions: the given name identifies most, then the
// father's, the grandfather's; the family name as much as the grandfather.
double PositionWeight(size_t i) {
  static constexpr double kWeights[] = {3.0, 2.0, 1.5};
  return i < 3 ? kWeights[i] : 1.0;
}

// 1 for a part that clearly matches; below 0.9, falls fast: a different
// given name is a brother or a namesake, a different father's or
// grandfather's name a cousin or a namesake.
double Gate(double s) {
  if (s >= 0.9) return 1.0;
  double r = s / 0.9;
  return r * r * r * r;
}

using UnitList = std::vector<std::string>;

// Similarities of parts of one list with parts of the other, computed
// when first asked for: an alignment reads only a few of them.
class SimMatrix {
 public:
  SimMatrix(const UnitList& x, const UnitList& y, bool arabic)
      : x_(x), y_(y), arabic_(arabic), m_(std::min(x.size(), kMaxNameTokens)),
        n_(std::min(y.size(), kMaxNameTokens)) {
    cells_.fill(-1);
  }
  size_t m() const { return m_; }
  size_t n() const { return n_; }
  double at(size_t i, size_t j) {
    double& c = cells_[i * kMaxNameTokens + j];
    if (c < 0) c = UnitSimilarity(x_[i], y_[j], arabic_);
    return c;
  }

 private:
  const UnitList& x_;
  const UnitList& y_;
  bool arabic_;
  size_t m_, n_;
  std::array<double, kMaxNameTokens * kMaxNameTokens> cells_;
};

// Score of two part lists under positional alignment, with the option of
// aligning the shorter list's last part with the longer list's last part
// (the family name).
// `merged`: the index in the longer list of a part made of two joined
// parts (see MergeAt); it counts as two matched parts only if aligned.
double AlignScore(SimMatrix& sim, size_t merged = std::string::npos) {
  const size_t m = sim.m(), n = sim.n();
  const size_t k = std::min(m, n);
  if (k == 0) return 0;
  auto score = [&](bool family) {
    size_t unmatched = std::max(m, n) - k;
    if (merged != std::string::npos) {
      const size_t last_aligned = family ? std::max(m, n) - 1 : k - 1;
      bool aligned = merged < k - (family ? 1 : 0) || merged == last_aligned;
      if (!aligned) ++unmatched;
    }
    const double missing = static_cast<double>(unmatched);
    double sum = 0, weights = 0, factor = 1.0;
    for (size_t i = 0; i < k; ++i) {
      bool last = family && i + 1 == k;
      double s = last ? sim.at(m - 1, n - 1) : sim.at(i, i);
      double w = last ? 1.5 : PositionWeight(i);
      sum += w * s;
      weights += w;
      factor *= Gate(s);
    }
    factor *= std::max(0.0, 1.0 - 0.07 * missing);
    if (family) factor *= 0.95;
    return sum / weights * factor;
  };
  double best = score(false);
  if (k >= 2 && m != n) best = std::max(best, score(true));
  return best;
}

// Joins parts i and i+1 (a name written solid in one record and apart in
// the other). A final -i of the first part is medial once joined.
UnitList MergeAt(const UnitList& x, size_t i) {
  UnitList out;
  for (size_t j = 0; j < x.size(); ++j) {
    if (j == i) {
      std::string a = x[j];
      if (!a.empty() && (a.back() == 'i' || a.back() == 'v')) a.pop_back();
      a += x[j + 1];
      Collapse(&a);
      out.push_back(std::move(a));
      ++j;
    } else {
      out.push_back(x[j]);
    }
  }
  return out;
}

double ListSimilarity(const UnitList& a, const UnitList& b, bool arabic) {
  SimMatrix sim(a, b, arabic);
  double best = AlignScore(sim);
  if (best >= 0.95 || a.size() == b.size()) return best;
  // Two parts of the longer list may be one part of the shorter.
  const UnitList& longer = a.size() > b.size() ? a : b;
  const UnitList& shorter = a.size() > b.size() ? b : a;
  for (size_t i = 0; i + 1 < longer.size(); ++i) {
    UnitList merged = MergeAt(longer, i);
    SimMatrix merged_sim(merged, shorter, arabic);
    best = std::max(best, AlignScore(merged_sim, i));
  }
  return best;
}

// ---------------------------------------------------------------------------
// Transliterate.

std::string_view RomanConsonant(char32_t c) {
  switch (c) {
    case kBeh: return "b";
    case kPeh: return "p";
    case kTeh: case kTah: return "t";
    case kTheh: return "th";
    case kThal: case kDad: case kZah: return "dh";
    case kZain: return "z";
    case kJeem: return "j";
    case kTcheh: return "ch";
    case kHah: case kHeh: return "h";
    case kKhah: return "kh";
    case kDal: return "d";
    case kReh: return "r";
    case kSeen: case kSad: return "s";
    case kSheen: return "sh";
    case kGhain: return "gh";
    case kFeh: return "f";
    case kVeh: return "v";
    case kQaf: return "q";
    case kKaf: return "k";
    case kGaf: return "g";
    case kLam: return "l";
    case kMeem: return "m";
    case kNoon: return "n";
    default: return {};
  }
}

std::string RomanizeWord(const std::u32string& w) {
  if (w == kAllahWord) return "allah";
  std::string out;
  std::u32string body = w;
  if (StartsWith(w, kAbdAl) && w.size() >= kAbdAl.size() + 2) {
    std::u32string rest = w.substr(kAbdAl.size());
    if (rest == std::u32string{kLam, kHeh}) return "abd allah";
    return "abd al-" + RomanizeWord(rest);
  }
  ArabicReading r = ReadArabic(body);
  for (size_t i = 0; i < r.items.size(); ++i) {
    const auto& item = r.items[i];
    switch (item.kind) {
      case ArabicReading::kInitialVowel: out += "a"; break;
      case ArabicReading::kConsonant: {
        char32_t c = item.letter;
        if (c >= U'0' && c <= U'9') {
          out.push_back(static_cast<char>(c));
        } else {
          out += RomanConsonant(c);
        }
        break;
      }
      case ArabicReading::kGlide: {
        // A glide before a vowel is a consonant; before the last consonant
        // it is the long vowel.
        bool consonantal = i == 0;
        if (!consonantal && i + 1 < r.items.size()) {
          auto next = r.items[i + 1];
          consonantal = next.kind == ArabicReading::kFinalA || next.kind == ArabicReading::kGlide;
        }
        // A long vowel is written double, as Iraqi English does (Kareem,
        // Mahmood), so that it reads back as long.
        if (item.letter == kWaw) {
          out += consonantal ? "w" : "oo";
        } else if (consonantal && i > 0 && r.items[i - 1].kind == ArabicReading::kConsonant) {
          out += "iy";  // زياد ziyad, ناصرية nasiriya
        } else {
          out += consonantal ? "y" : "ee";
        }
        break;
      }
      case ArabicReading::kWeakI: out += "i"; break;
      case ArabicReading::kFinalI: out += "i"; break;
      case ArabicReading::kFinalA:
        if (item.letter == kWaw) {
          out += "u";
        } else {
          out += "a";
        }
        break;
      case ArabicReading::kSkip:
        if (item.letter == kWaw) out += "u";
        if (item.letter == kYeh || item.letter == kYehHamza) out += "i";
        break;
    }
  }
  // "aa" from an initial vowel followed by ا: one a is enough.
  std::string collapsed;
  for (char c : out) {
    if (c == 'a' && !collapsed.empty() && collapsed.back() == 'a') continue;
    collapsed.push_back(c);
  }
  return collapsed;
}

}  // namespace

std::string NormalizeArabic(std::string_view text) {
  return JoinWords(SplitWords(text, Fold::kSearch));
}

std::string NormalizeLatin(std::string_view text) {
  std::vector<Word> words = SplitWords(text, Fold::kSearch, /*all_latin=*/true);
  DropLatinArticles(&words);
  return JoinWords(words);
}

std::string Transliterate(std::string_view arabic) {
  std::vector<Word> words = SplitWords(arabic, Fold::kKey);
  DropLatinArticles(&words);
  std::string out;
  for (const Word& w : words) {
    std::string part = w.arabic ? RomanizeWord(w.text) : Encode(w.text);
    if (part.empty()) continue;
    if (!out.empty()) out.push_back(' ');
    out += part;
  }
  return out;
}

ParsedName::ParsedName(std::string_view name) : text_(name) {
  for (Token& t : Tokenize(name, &arabic_)) {
    blocking_.push_back(BlockingFromUnits(t.units, t.key));
    units_.push_back(std::move(t.units));
    keys_.push_back(std::move(t.key));
  }
}

std::string MatchKey(std::string_view name) {
  ParsedName parsed(name);
  std::string out;
  for (size_t i = 0; i < parsed.size(); ++i) {
    if (i > 0) out.push_back(' ');
    out += parsed.key(i);
  }
  return out;
}

double TokenSimilarity(const ParsedName& a, size_t i, const ParsedName& b, size_t j) {
  if (i >= a.units_.size() || j >= b.units_.size()) return 0;
  return UnitSimilarity(a.units_[i], b.units_[j], a.arabic_ && b.arabic_);
}

double NameSimilarity(const ParsedName& a, const ParsedName& b) {
  if (a.empty() || b.empty()) return 0;
  return ListSimilarity(a.units_, b.units_, a.arabic_ && b.arabic_);
}

double NameSimilarity(std::string_view a, std::string_view b) {
  return NameSimilarity(ParsedName(a), ParsedName(b));
}

}  // namespace dalil::figures
