#include "figures/vague.h"

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/text.h"

namespace dalil::figures {
namespace {

// Decodes the code point at s[i] and moves i past it. `s` is valid UTF-8.
char32_t NextCodePoint(std::string_view s, size_t& i) {
  const auto lead = static_cast<unsigned char>(s[i++]);
  if (lead < 0x80) return lead;
  const int extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
  char32_t cp = lead & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
  }
  return cp;
}

void AppendUtf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool IsSpace(char32_t c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x00A0 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// Marks that change nothing a reader sees in a count: zero-width characters,
// direction marks and isolates (common in text pasted from Arabic pages),
// tatweel, Arabic diacritics.
bool IsIgnorable(char32_t c) {
  return (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069) || c == 0x061C || c == 0xFEFF ||
         c == 0x0640 || (c >= 0x064B && c <= 0x065F) || c == 0x0670;
}

// One spelling for what writers spell several ways: ASCII lower case, digits
// 0-9, "-" for every dash, "," and "." for the Arabic thousands and decimal
// separators, bare alef for أ إ آ, ي for ى, single spaces, trimmed.
std::string Normalize(std::string_view s) {
  std::string out;
  bool pending_space = false;
  for (size_t i = 0; i < s.size();) {
    char32_t c = NextCodePoint(s, i);
    if (IsIgnorable(c)) continue;
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out += ' ';
      pending_space = false;
    }
    if (c >= 'A' && c <= 'Z') {
      c += 'a' - 'A';
    } else if (c >= 0x0660 && c <= 0x0669) {
      c = '0' + (c - 0x0660);
    } else if (c >= 0x06F0 && c <= 0x06F9) {
      c = '0' + (c - 0x06F0);
    } else if (c == 0x066C) {
      c = ',';
    } else if (c == 0x066B) {
      c = '.';
    } else if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212) {
      c = '-';
    } else if (c == 0x0622 || c == 0x0623 || c == 0x0625) {
      c = 0x0627;
    } else if (c == 0x0649) {
      c = 0x064A;
    }
    AppendUtf8(c, out);
  }
  return out;
}

struct VagueWord {
  std::string_view text;
  int64_t floor;
};

// Floors and their reasons are in vague.h.
constexpr VagueWord kVagueWords[] = {
    {"tens", 10},
    {"عشرات", 10},
    {"العشرات", 10},
    {"dozens", 12},
    {"scores", 20},
    {"hundreds", 100},
    {"مئات", 100},
    {"المئات", 100},
    {"thousands", 1000},
    {"آلاف", 1000},
    {"الآلاف", 1000},
    {"tens of thousands", 10000},
    {"عشرات الآلاف", 10000},
    {"several", 3},
    {"عدة", 3},
    {"بضعة", 3},
    {"بضع", 3},
    {"a few", 2},
};

using Words = std::vector<std::string>;

// The phrases ParseCount knows, normalized once.
struct Lexicon {
  std::vector<std::pair<std::string, int64_t>> vague;
  Words approximate;  // refused
  Words approximate_after;
  Words at_least;        // before the number
  Words at_least_after;  // after it: "١٠ على الأقل"
  Words more_than;
  Words up_to;
  Words fewer_than;
  Words between;
  Words between_and;
  Words from;
  Words from_to;  // also joins a bare "10-12"
};

Words NormalizeAll(std::initializer_list<std::string_view> phrases) {
  Words out;
  for (std::string_view p : phrases) out.push_back(Normalize(p));
  return out;
}

const Lexicon& GetLexicon() {
  static const Lexicon& lexicon = *[] {
    auto* lex = new Lexicon;
    for (const VagueWord& w : kVagueWords) {
      lex->vague.emplace_back(Normalize(w.text), w.floor);
    }
    lex->approximate =
        NormalizeAll({"about", "around", "approximately", "roughly", "nearly",
                      "almost", "some", "circa", "~", "نحو", "حوالي", "حوالى",
                      "قرابة", "زهاء", "ما يقارب", "تقريباً"});
    lex->approximate_after = NormalizeAll({"تقريباً", "approximately", "or so"});
    lex->at_least = NormalizeAll({"at least", "no fewer than", "no less than",
                                  "ما لا يقل عن", "لا يقل عن", "على الأقل"});
    lex->at_least_after = NormalizeAll({"على الأقل", "or more"});
    lex->more_than = NormalizeAll(
        {"more than", "over", "أكثر من", "ما يزيد عن", "ما يزيد على"});
    lex->up_to = NormalizeAll({"up to", "at most", "no more than", "ما يصل إلى",
                               "حتى", "ما لا يزيد عن", "لا يزيد عن"});
    lex->fewer_than = NormalizeAll({"fewer than", "less than", "أقل من"});
    lex->between = NormalizeAll({"between", "ما بين", "بين"});
    lex->between_and = NormalizeAll({"and", "و", "-"});
    lex->from = NormalizeAll({"from", "من"});
    lex->from_to = NormalizeAll({"to", "إلى", "حتى", "-"});
    return lex;
  }();
  return lexicon;
}

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// A letter of some script: an ASCII letter or any non-ASCII byte (the text
// is normalized, so non-ASCII is Arabic or other letters, never a digit).
bool IsLetterByte(char c) {
  const auto b = static_cast<unsigned char>(c);
  return (b >= 'a' && b <= 'z') || b >= 0x80;
}

bool EndsWithWord(std::string_view s, std::string_view word) {
  return s.size() > word.size() && s.ends_with(word) &&
         s[s.size() - word.size() - 1] == ' ';
}

// Concatenation by appending: GCC 12 warns falsely (-Wrestrict) on
// "literal" + std::string at -O2.
std::string Concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out += p;
  return out;
}

Status Unreadable(std::string_view text, std::string_view why) {
  return Status(Code::kInvalidArgument,
                Concat({"cannot read count \"", text, "\": ", why}));
}

std::string TooLarge() {
  return Concat(
      {"a number above ", std::to_string(kMaxCount), " is no casualty figure"});
}

// A cursor over normalized text. Errors quote the caller's original text.
class Reader {
 public:
  Reader(std::string_view original, std::string_view normalized)
      : original_(original), s_(normalized) {}

  bool AtEnd() const { return pos_ == s_.size(); }
  std::string_view Rest() const { return s_.substr(pos_); }

  // Consumes the first of `words` that comes next as a whole word, and the
  // space after it.
  bool TakeAny(const Words& words) {
    for (const std::string& w : words) {
      if (!Rest().starts_with(w)) continue;
      const size_t end = pos_ + w.size();
      if (end < s_.size() && IsLetterByte(w.back()) && IsLetterByte(s_[end])) {
        continue;  // "over" must not match "overall"
      }
      pos_ = end;
      SkipSpace();
      return true;
    }
    return false;
  }

  // Consumes a whole number of people, optionally grouped in thousands.
  Result<int64_t> Number() {
    const size_t start = pos_;
    int64_t value = 0;
    size_t group = 0;  // digits since the start or the last separator
    bool grouped = false;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (IsAsciiDigit(c)) {
        value = value * 10 + (c - '0');
        ++group;
        ++pos_;
        if (value > kMaxCount) {
          return Error(TooLarge());
        }
      } else if (c == ',' && pos_ + 1 < s_.size() &&
                 IsAsciiDigit(s_[pos_ + 1])) {
        if (group == 0) break;  // a leading ",": no number here
        if (grouped ? group != 3 : group > 3) return NotGrouped(start);
        grouped = true;
        group = 0;
        ++pos_;
      } else {
        break;
      }
    }
    if (pos_ == start) {
      return Error(
          Concat({"expected a number or a known phrase at \"", Rest(), "\""}));
    }
    if (grouped && group != 3) return NotGrouped(start);
    if (pos_ + 1 < s_.size() && s_[pos_] == '.' && IsAsciiDigit(s_[pos_ + 1])) {
      return Error("a count of people is a whole number");
    }
    SkipSpace();
    return value;
  }

  Status Error(std::string_view why) const {
    return Unreadable(original_, why);
  }

 private:
  Status NotGrouped(size_t start) const {
    size_t end = start;
    while (end < s_.size() && (IsAsciiDigit(s_[end]) || s_[end] == ',')) ++end;
    return Error(Concat({"\"", s_.substr(start, end - start),
                         "\" is not grouped in thousands"}));
  }

  void SkipSpace() {
    if (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }

  std::string_view original_;
  std::string_view s_;
  size_t pos_ = 0;
};

// Everything after the vague words and approximations.
Result<Range> ParseForm(Reader& in, const Lexicon& lex) {
  Range r;
  if (in.TakeAny(lex.at_least)) {
    DALIL_ASSIGN_OR_RETURN(r.min, in.Number());
  } else if (in.TakeAny(lex.more_than)) {
    DALIL_ASSIGN_OR_RETURN(const int64_t n, in.Number());
    r.min = n + 1;
  } else if (in.TakeAny(lex.up_to)) {
    DALIL_ASSIGN_OR_RETURN(r.max, in.Number());
  } else if (in.TakeAny(lex.fewer_than)) {
    DALIL_ASSIGN_OR_RETURN(const int64_t n, in.Number());
    if (n == 0) return in.Error("no count is fewer than 0");
    r.max = n - 1;
  } else if (in.TakeAny(lex.between)) {
    DALIL_ASSIGN_OR_RETURN(r.min, in.Number());
    if (!in.TakeAny(lex.between_and)) {
      return in.Error(
          Concat({"expected \"and\" or \"و\" at \"", in.Rest(), "\""}));
    }
    DALIL_ASSIGN_OR_RETURN(r.max, in.Number());
  } else if (in.TakeAny(lex.from)) {
    DALIL_ASSIGN_OR_RETURN(r.min, in.Number());
    if (!in.TakeAny(lex.from_to)) {
      return in.Error(
          Concat({"expected \"to\" or \"إلى\" at \"", in.Rest(), "\""}));
    }
    DALIL_ASSIGN_OR_RETURN(r.max, in.Number());
  } else {
    DALIL_ASSIGN_OR_RETURN(r.min, in.Number());
    if (in.AtEnd()) {
      r.max = r.min;
    } else if (in.TakeAny(lex.from_to)) {
      DALIL_ASSIGN_OR_RETURN(r.max, in.Number());
    } else if (!in.TakeAny(lex.at_least_after)) {
      return in.Error(Concat({"could not understand \"", in.Rest(), "\""}));
    }
  }
  if (!in.AtEnd()) {
    return in.Error(Concat({"could not understand \"", in.Rest(), "\""}));
  }
  if (r.max && *r.max < r.min) {
    return in.Error("the range runs backwards");
  }
  if (r.min > kMaxCount) {
    return in.Error(TooLarge());
  }
  return r;
}

}  // namespace

Result<Range> ParseCount(std::string_view text) {
  if (!IsValidUtf8(text)) {
    return Status(Code::kInvalidArgument, "count is not valid UTF-8");
  }
  const std::string s = Normalize(text);
  if (s.empty()) return Unreadable(text, "it is empty");
  const Lexicon& lex = GetLexicon();
  for (const auto& [word, floor] : lex.vague) {
    if (s == word) return Range{floor, std::nullopt};
  }
  Reader in(text, s);
  bool approximate = in.TakeAny(lex.approximate);
  for (const std::string& w : lex.approximate_after) {
    approximate = approximate || EndsWithWord(s, w);
  }
  if (approximate) {
    return Unreadable(text,
                      "an approximate figure; record the range the sources "
                      "support instead, such as \"90-110\" or \"at least "
                      "90\"");
  }
  return ParseForm(in, lex);
}

}  // namespace dalil::figures
