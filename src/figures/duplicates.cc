#include "figures/duplicates.h"

#include <algorithm>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "figures/names.h"

namespace dalil::figures {
namespace {

// Weights of the evidence besides the names (docs/duplicates.md explains
// each). The name similarity is the base of the score; these move it.
constexpr double kAgesAgree = 0.04;        // ranges overlap or are a year apart
constexpr double kAgesThreeYears = -0.08;  // 3 years apart
constexpr double kAgesDiffer = -0.20;      // 4 to 7 years apart
constexpr double kAgesFar = -0.35;         // 8 to 14 years apart
constexpr double kAgesGeneration = -0.50;  // 15 years or more
constexpr double kSexDiffers = -0.70;
constexpr double kSameGovernorate = 0.04;
constexpr double kOtherGovernorate = -0.15;
constexpr double kSameDay = 0.06;          // incidents within 3 days
constexpr double kSameMonth = 0.02;        // within 31 days
constexpr double kYearsApart = -0.08;      // more than 180 days
constexpr double kChainShifted = -0.40;    // parent and child
constexpr double kShortNames = -0.15;      // both names have at most 2 parts
// The most the evidence besides the names can add.
constexpr double kMaxBonus = kAgesAgree + kSameGovernorate + kSameDay;
constexpr int kMaxAge = 130;
constexpr size_t kMaxBlockParts = 6;

struct Prepared {
  const PersonFacts* facts = nullptr;
  std::vector<ParsedName> names;
};

Prepared Prepare(const PersonFacts& p) {
  Prepared out;
  out.facts = &p;
  for (const std::string& n : p.names) {
    ParsedName parsed(n);
    if (!parsed.empty()) out.names.push_back(std::move(parsed));
  }
  return out;
}

// How well `child`'s chain, from position `generations` on, repeats
// `parent`'s: a son's father's name is his father's given name. 0 unless
// at least two parts line up, each clearly.
double ChainShift(const ParsedName& parent, const ParsedName& child, size_t generations) {
  if (child.size() <= generations) return 0;
  const size_t k = std::min(parent.size(), child.size() - generations);
  if (k < 2) return 0;
  double sum = 0;
  for (size_t i = 0; i < k; ++i) {
    double s = TokenSimilarity(parent, i, child, i + generations);
    if (s < 0.85) return 0;
    sum += s;
  }
  return sum / static_cast<double>(k);
}

// Different given names, then at least two parts in common by position.
bool LooksLikeSiblings(const ParsedName& a, const ParsedName& b) {
  const size_t k = std::min(a.size(), b.size());
  if (k < 3 || TokenSimilarity(a, 0, b, 0) >= 0.85) return false;
  for (size_t i = 1; i < k; ++i) {
    if (TokenSimilarity(a, i, b, i) < 0.85) return false;
  }
  return true;
}

struct AgeRange {
  int lo;
  int hi;
};

std::optional<AgeRange> AgesOf(const PersonFacts& p) {
  if (!p.age_min && !p.age_max) return std::nullopt;
  int lo = std::clamp(p.age_min.value_or(0), 0, kMaxAge);
  int hi = std::clamp(p.age_max.value_or(kMaxAge), 0, kMaxAge);
  if (lo > hi) std::swap(lo, hi);
  return AgeRange{lo, hi};
}

std::string AgeText(const AgeRange& r) {
  if (r.lo == r.hi) return std::to_string(r.lo);
  if (r.hi == kMaxAge) return std::to_string(r.lo) + "+";
  return std::to_string(r.lo) + "-" + std::to_string(r.hi);
}

std::string Quote(const ParsedName& a, const ParsedName& b, std::string_view sep) {
  return "(" + a.text() + " " + std::string(sep) + " " + b.text() + ")";
}

bool KnownSex(const std::string& s) { return s == "female" || s == "male"; }

struct Reason {
  Reason(double w, std::string p, size_t n = std::string::npos)
      : weight(w), phrase(std::move(p)), names_at(n) {}
  double weight;
  std::string phrase;
  size_t names_at;  // where the quoted names start in `phrase`, or npos
};

struct Scored {
  double score;
  std::vector<Reason> reasons;
};

// Scores a pair. With `cutoff` > 0, gives up early (score 0, no reasons)
// once the names alone show the pair cannot reach it.
Scored Score(const Prepared& pa, const Prepared& pb, double cutoff = 0) {
  Scored out{0, {}};
  const PersonFacts& a = *pa.facts;
  const PersonFacts& b = *pb.facts;
  if (pa.names.empty() || pb.names.empty()) {
    out.reasons.emplace_back(0, "a record has no name to compare");
    return out;
  }

  // Names: the best pair of recorded variants.
  double name = -1;
  size_t ia = 0, ib = 0;
  for (size_t i = 0; i < pa.names.size(); ++i) {
    for (size_t j = 0; j < pb.names.size(); ++j) {
      double s = NameSimilarity(pa.names[i], pb.names[j]);
      if (s > name) {
        name = s;
        ia = i;
        ib = j;
      }
    }
  }
  if (cutoff > 0 && name + kMaxBonus < cutoff) return out;
  // Parent and child: the best shifted chain over all pairs of variants.
  double shift = 0;
  const ParsedName* parent = nullptr;
  const ParsedName* child = nullptr;
  size_t generations = 0;
  for (const ParsedName& x : pa.names) {
    for (const ParsedName& y : pb.names) {
      for (size_t g = 1; g <= 2; ++g) {
        double xy = ChainShift(x, y, g);
        double yx = ChainShift(y, x, g);
        if (std::max(xy, yx) > shift) {
          shift = std::max(xy, yx);
          parent = xy >= yx ? &x : &y;
          child = xy >= yx ? &y : &x;
          generations = g;
        }
      }
    }
  }
  const ParsedName& na = pa.names[ia];
  const ParsedName& nb = pb.names[ib];
  double score = name;
  {
    std::string phrase;
    if (name >= 0.97) {
      phrase = na.arabic() != nb.arabic() ? "names match across scripts " : "names match ";
    } else if (name >= 0.85) {
      phrase = na.size() != nb.size() ? "one name is a shorter form of the other "
                                      : "names are close variants ";
    } else if (name >= 0.6) {
      phrase = "names partly match ";
    } else {
      phrase = "names differ ";
    }
    const size_t names_at = phrase.size();
    phrase += Quote(na, nb, name >= 0.85 ? "~" : "/");
    out.reasons.emplace_back(name, std::move(phrase), names_at);
  }
  if (shift > name && shift >= 0.9) {
    score += kChainShifted;
    std::string phrase = generations == 1
        ? "name chains shifted by one generation, likely parent and child "
        : "name chains shifted by two generations, likely grandparent and grandchild ";
    out.reasons.emplace_back(-kChainShifted, phrase + Quote(*parent, *child, "->"), phrase.size());
  } else if (LooksLikeSiblings(na, nb)) {
    const std::string phrase =
        "same father's and grandfather's names but different given names, likely siblings ";
    out.reasons.emplace_back(0.3, phrase + Quote(na, nb, "/"), phrase.size());
  }
  // "Ali Abbas" is thousands of men: a match of short names says little.
  if (std::max(na.size(), nb.size()) <= 2) {
    score += kShortNames;
    out.reasons.emplace_back(-kShortNames, "names of one or two parts are shared by many people");
  }

  // Ages: reports of one person's age vary by a year or two.
  std::optional<AgeRange> ra = AgesOf(a), rb = AgesOf(b);
  if (ra && rb) {
    int gap = std::max(0, std::max(ra->lo, rb->lo) - std::min(ra->hi, rb->hi));
    std::string ages = " (" + AgeText(*ra) + " / " + AgeText(*rb) + ")";
    if (gap <= 1) {
      score += kAgesAgree;
      out.reasons.emplace_back(kAgesAgree, "ages agree" + ages);
    } else if (gap == 2) {
      out.reasons.emplace_back(0, "ages close" + ages);
    } else {
      double w = gap == 3    ? kAgesThreeYears
                 : gap <= 7  ? kAgesDiffer
                 : gap <= 14 ? kAgesFar
                             : kAgesGeneration;
      score += w;
      out.reasons.emplace_back(-w, "ages differ by " + std::to_string(gap) + " years" + ages);
    }
  }

  if (KnownSex(a.sex) && KnownSex(b.sex) && a.sex != b.sex) {
    score += kSexDiffers;
    out.reasons.emplace_back(-kSexDiffers, "recorded sex differs (" + a.sex + " / " + b.sex + ")");
  }

  if (!a.governorate_ids.empty() && !b.governorate_ids.empty()) {
    bool shared = std::any_of(a.governorate_ids.begin(), a.governorate_ids.end(), [&](int64_t g) {
      return std::find(b.governorate_ids.begin(), b.governorate_ids.end(), g) !=
             b.governorate_ids.end();
    });
    score += shared ? kSameGovernorate : kOtherGovernorate;
    out.reasons.emplace_back(shared ? kSameGovernorate : -kOtherGovernorate,
                             shared ? "same governorate" : "different governorates");
  }

  if (!a.event_days.empty() && !b.event_days.empty()) {
    int64_t gap = std::numeric_limits<int64_t>::max();
    for (int64_t da : a.event_days) {
      for (int64_t db : b.event_days) gap = std::min(gap, da > db ? da - db : db - da);
    }
    std::string days = gap == 1 ? "1 day" : std::to_string(gap) + " days";
    if (gap == 0) {
      score += kSameDay;
      out.reasons.emplace_back(kSameDay, "incidents on the same day");
    } else if (gap <= 3) {
      score += kSameDay;
      out.reasons.emplace_back(kSameDay, "incidents " + days + " apart");
    } else if (gap <= 31) {
      score += kSameMonth;
      out.reasons.emplace_back(kSameMonth, "incidents " + days + " apart");
    } else if (gap > 180) {
      score += kYearsApart;
      out.reasons.emplace_back(-kYearsApart, "incidents " + days + " apart");
    }
  }

  out.score = std::clamp(score, 0.0, 1.0);
  return out;
}

Candidate ToCandidate(const PersonFacts& a, const PersonFacts& b, Scored s) {
  Candidate c;
  c.a = a.id;
  c.b = b.id;
  c.score = s.score;
  std::stable_sort(s.reasons.begin(), s.reasons.end(),
                   [](const Reason& x, const Reason& y) { return x.weight > y.weight; });
  for (Reason& r : s.reasons) {
    c.reasons_without_names.push_back(r.names_at == std::string::npos
                                          ? r.phrase
                                          : r.phrase.substr(0, r.names_at) + "(names withheld)");
    c.reasons.push_back(std::move(r.phrase));
  }
  return c;
}

}  // namespace

Candidate ScorePair(const PersonFacts& a, const PersonFacts& b) {
  return ToCandidate(a, b, Score(Prepare(a), Prepare(b)));
}

std::vector<Candidate> SuggestDuplicates(std::span<const PersonFacts> persons, double threshold,
                                         DuplicateStats* stats) {
  DuplicateStats local;
  local.persons = persons.size();
  std::vector<Prepared> prepared;
  prepared.reserve(persons.size());
  for (const PersonFacts& p : persons) prepared.push_back(Prepare(p));

  // Blocking keys of a name: "1|a" for a one-part name, "a|b" for each
  // unordered pair of parts, "a|b|c" for each triple (used only inside
  // large pair blocks). Parts are the ParsedName blocking keys.
  using Index = std::unordered_map<std::string, std::vector<uint32_t>>;
  Index pairs;       // every person with the pair (or the one part)
  Index short_ones;  // persons whose name with that pair has at most 2 parts
  Index triples;
  Index first_parts; // longer names by their first part, for one-part names
  struct Keys {
    std::vector<std::string> pairs, short_pairs, triples, firsts;
  };
  std::vector<Keys> keys(prepared.size());
  auto sorted_key = [](std::vector<std::string> parts) {
    std::sort(parts.begin(), parts.end());
    std::string out;
    for (const std::string& p : parts) {
      if (!out.empty()) out.push_back('|');
      out += p;
    }
    return out;
  };
  auto dedupe = [](std::vector<std::string>* v) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  };
  for (uint32_t i = 0; i < prepared.size(); ++i) {
    Keys& k = keys[i];
    for (const ParsedName& n : prepared[i].names) {
      const size_t parts = std::min(n.size(), kMaxBlockParts);
      if (parts == 1) {
        k.pairs.push_back("1|" + n.blocking_key(0));
        k.short_pairs.push_back(k.pairs.back());
        continue;
      }
      k.firsts.push_back("1|" + n.blocking_key(0));
      for (size_t x = 0; x < parts; ++x) {
        for (size_t y = x + 1; y < parts; ++y) {
          k.pairs.push_back(sorted_key({n.blocking_key(x), n.blocking_key(y)}));
          if (parts == 2) k.short_pairs.push_back(k.pairs.back());
          for (size_t z = y + 1; z < parts; ++z) {
            k.triples.push_back(
                sorted_key({n.blocking_key(x), n.blocking_key(y), n.blocking_key(z)}));
          }
        }
      }
    }
    dedupe(&k.pairs);
    dedupe(&k.short_pairs);
    dedupe(&k.triples);
    dedupe(&k.firsts);
    for (const std::string& key : k.pairs) pairs[key].push_back(i);
    for (const std::string& key : k.short_pairs) short_ones[key].push_back(i);
    for (const std::string& key : k.triples) triples[key].push_back(i);
    for (const std::string& key : k.firsts) first_parts[key].push_back(i);
  }
  local.blocks = pairs.size() + triples.size();
  for (const Index* index : {&pairs, &triples}) {
    for (const auto& [key, members] : *index) {
      if (members.size() > kMaxBlockSize) ++local.oversized_blocks;
    }
  }
  static const std::vector<uint32_t> kNone;
  auto find = [](const Index& index, const std::string& key) -> const std::vector<uint32_t>& {
    auto it = index.find(key);
    return it == index.end() ? kNone : it->second;
  };

  // For each person, the later persons sharing a block, each scored once.
  // Within a small pair block everyone meets everyone. Within a large one,
  // names of three or more parts meet only if they share a third part too,
  // while names of at most two parts (nothing more to tell them apart by)
  // meet every member.
  std::vector<Candidate> out;
  std::vector<uint32_t> partners;
  for (uint32_t i = 0; i < prepared.size(); ++i) {
    partners.clear();
    auto add_from = [&](const std::vector<uint32_t>& members) {
      if (members.size() > kMaxBlockSize) return;
      auto from = std::upper_bound(members.begin(), members.end(), i);
      partners.insert(partners.end(), from, members.end());
    };
    const Keys& k = keys[i];
    for (const std::string& key : k.pairs) {
      const std::vector<uint32_t>& members = find(pairs, key);
      if (members.size() <= kRefineBlockAbove ||
          std::binary_search(k.short_pairs.begin(), k.short_pairs.end(), key)) {
        add_from(members);
      } else {
        add_from(find(short_ones, key));
      }
    }
    for (const std::string& key : k.triples) {
      const std::vector<uint32_t>& members = find(triples, key);
      if (members.size() > 1) add_from(members);
    }
    // One-part names and the longer names starting with that part.
    for (const std::string& key : k.short_pairs) {
      if (key.compare(0, 2, "1|") == 0) add_from(find(first_parts, key));
    }
    for (const std::string& key : k.firsts) {
      const std::vector<uint32_t>& singles = find(pairs, key);
      add_from(singles);
    }
    std::sort(partners.begin(), partners.end());
    partners.erase(std::unique(partners.begin(), partners.end()), partners.end());
    for (uint32_t j : partners) {
      if (persons[i].id == persons[j].id) continue;
      ++local.pairs_scored;
      Scored s = Score(prepared[i], prepared[j], threshold);
      if (s.score >= threshold && !s.reasons.empty()) {
        out.push_back(ToCandidate(persons[i], persons[j], std::move(s)));
      }
    }
  }
  // Best first; ties keep input order (pairs were produced in that order).
  std::stable_sort(out.begin(), out.end(),
                   [](const Candidate& x, const Candidate& y) { return x.score > y.score; });
  if (stats) *stats = local;
  return out;
}

}  // namespace dalil::figures
