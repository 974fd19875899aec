#include "figures/counting.h"

#include <algorithm>

namespace dalil::figures {
namespace {

constexpr const char* kCategoryNames[] = {"killed",   "injured",  "detained",
                                          "abducted", "tortured", "threatened"};
constexpr const char* kReliabilities[] = {"highly_reliable",      "reliable",
                                          "fairly_reliable",      "not_usually_reliable",
                                          "highly_unreliable",    "unknown"};

bool IsHeldCategory(Category c) { return c == Category::kDetained || c == Category::kAbducted; }

// Status changes that end a detention or disappearance.
bool EndsHolding(const std::string& status) {
  return status == "released" || status == "found_alive" || status == "found_dead" ||
         status == "died_of_wounds";
}

void SortUnique(std::vector<int64_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// A set of positive ids, open addressing: the aggregates insert millions of
// ids that mostly repeat (sources), where a node-based set would allocate.
class IdSet {
 public:
  // True if newly inserted.
  bool Insert(int64_t id) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    size_t i = Slot(id);
    while (slots_[i] != 0) {
      if (slots_[i] == id) return false;
      i = (i + 1) & (slots_.size() - 1);
    }
    slots_[i] = id;
    ++size_;
    return true;
  }
  bool Contains(int64_t id) const {
    if (slots_.empty()) return false;
    size_t i = Slot(id);
    while (slots_[i] != 0) {
      if (slots_[i] == id) return true;
      i = (i + 1) & (slots_.size() - 1);
    }
    return false;
  }
  size_t size() const { return size_; }
  template <typename F>
  void ForEach(F&& f) const {
    for (int64_t v : slots_) {
      if (v != 0) f(v);
    }
  }

 private:
  size_t Slot(int64_t id) const {
    uint64_t h = static_cast<uint64_t>(id) * 0x9E3779B97F4A7C15ull;
    return static_cast<size_t>(h >> 20) & (slots_.size() - 1);
  }
  void Grow() {
    std::vector<int64_t> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, 0);
    size_ = 0;
    for (int64_t v : old) {
      if (v != 0) Insert(v);
    }
  }
  std::vector<int64_t> slots_;
  size_t size_ = 0;
};

// Keeps the smallest `limit` of the distinct ids added (all when limit is 0)
// and counts them all, in amortised constant time per id.
class IdCollector {
 public:
  explicit IdCollector(size_t limit) : limit_(limit) {}
  void Add(int64_t id) {
    ++total_;
    // Once trimmed, `limit_` ids no larger than max_kept_ are known: a
    // larger id cannot be among the smallest.
    if (trimmed_ && id > max_kept_) return;
    ids_.push_back(id);
    if (limit_ && ids_.size() >= 2 * limit_) Trim();
  }
  IdList Finish() {
    Trim();
    std::sort(ids_.begin(), ids_.end());
    return {std::move(ids_), total_};
  }

 private:
  void Trim() {
    if (!limit_ || ids_.size() <= limit_) return;
    std::nth_element(ids_.begin(), ids_.begin() + static_cast<ptrdiff_t>(limit_ - 1), ids_.end());
    ids_.resize(limit_);
    max_kept_ = ids_.back();  // nth_element put the limit-th smallest last
    trimmed_ = true;
  }
  size_t limit_;
  std::vector<int64_t> ids_;
  int64_t total_ = 0;
  int64_t max_kept_ = 0;
  bool trimmed_ = false;
};

IdList FromSet(const IdSet& set, size_t limit, const IdSet* except = nullptr) {
  IdCollector c(limit);
  set.ForEach([&](int64_t id) {
    if (!except || !except->Contains(id)) c.Add(id);
  });
  return c.Finish();
}

// --- summary encoding ------------------------------------------------------

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutAscending(std::string& out, const std::vector<int64_t>& v) {
  PutVarint(out, v.size());
  int64_t prev = 0;
  for (int64_t x : v) {
    PutVarint(out, static_cast<uint64_t>(x - prev));
    prev = x;
  }
}

class Reader {
 public:
  explicit Reader(std::string_view b) : p_(b.data()), end_(b.data() + b.size()) {}
  bool Varint(uint64_t* v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const uint8_t byte = static_cast<uint8_t>(*p_++);
      r |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) {
        *v = r;
        return true;
      }
    }
    return false;
  }
  bool Int(int64_t* v) {
    uint64_t u;
    if (!Varint(&u) || u > static_cast<uint64_t>(INT64_MAX)) return false;
    *v = static_cast<int64_t>(u);
    return true;
  }
  bool Ascending(std::vector<int64_t>* out) {
    uint64_t n;
    if (!Varint(&n) || n > static_cast<uint64_t>(end_ - p_)) return false;
    out->clear();
    int64_t prev = 0;
    for (uint64_t i = 0; i < n; ++i) {
      int64_t d;
      if (!Int(&d)) return false;
      prev += d;
      out->push_back(prev);
    }
    return true;
  }
  bool done() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace

const char* CategoryName(Category c) { return kCategoryNames[static_cast<int>(c)]; }

std::optional<Category> ParseCategory(std::string_view name) {
  for (Category c : kCategories) {
    if (name == CategoryName(c)) return c;
  }
  return std::nullopt;
}

std::optional<int> ReliabilityRank(std::string_view name) {
  for (int i = 0; i < 6; ++i) {
    if (name == kReliabilities[i]) return i;
  }
  return std::nullopt;
}

void IncidentSummary::Clear() {
  id = 0;
  for (CategorySummary& c : categories) {
    c.persons.clear();
    c.outcomes.clear();
    c.named_sources.clear();
    c.claims.clear();
  }
}

void Summarize(const IncidentInput& in, std::optional<int64_t> as_of, IncidentSummary* out) {
  out->Clear();
  out->id = in.id;
  for (const OutcomeIn& o : in.outcomes) {
    Category kind = o.kind;
    bool died = false, ended = false;
    for (const StatusChange& c : in.changes) {
      if (c.outcome != o.id) continue;
      if (c.status == "died_of_wounds") died = true;
      if (as_of && c.date <= *as_of && EndsHolding(c.status)) ended = true;
    }
    // Outcomes whose victim died of the wounds count as killed.
    if (kind == Category::kInjured && died) kind = Category::kKilled;
    const bool held_as_of = as_of && IsHeldCategory(kind);
    // Held on that day: taken by then, and not yet released or found.
    if (held_as_of && ((o.date && *o.date > *as_of) || ended)) continue;
    CategorySummary& cs = out->categories[static_cast<int>(kind)];
    cs.persons.push_back(o.person);
    cs.outcomes.push_back(o.id);
    if (held_as_of && o.source) cs.named_sources.push_back(*o.source);
  }
  // An "as of" figure for people held rests on named people only: a count
  // cannot say who was released since.
  for (const ClaimIn& c : in.claims) {
    if (as_of && IsHeldCategory(c.category)) continue;
    out->categories[static_cast<int>(c.category)].claims.push_back(
        {c.id, c.source, c.reliability, c.min, c.max});
  }
  for (CategorySummary& cs : out->categories) {
    SortUnique(cs.persons);
    SortUnique(cs.outcomes);
    SortUnique(cs.named_sources);
    std::sort(cs.claims.begin(), cs.claims.end(),
              [](const SummaryClaim& a, const SummaryClaim& b) { return a.id < b.id; });
  }
}

std::string EncodeSummary(const IncidentSummary& s) {
  std::string out;
  out.push_back(static_cast<char>(kSummaryFormat));
  PutVarint(out, static_cast<uint64_t>(s.id));
  for (int c = 0; c < kCategoryCount; ++c) {
    const CategorySummary& cs = s.categories[c];
    if (cs.empty() && cs.outcomes.empty() && cs.named_sources.empty()) continue;
    out.push_back(static_cast<char>(c));
    PutAscending(out, cs.persons);
    PutAscending(out, cs.outcomes);
    PutAscending(out, cs.named_sources);
    PutVarint(out, cs.claims.size());
    int64_t prev = 0;
    for (const SummaryClaim& cl : cs.claims) {
      PutVarint(out, static_cast<uint64_t>(cl.id - prev));
      prev = cl.id;
      PutVarint(out, static_cast<uint64_t>(cl.source));
      PutVarint(out, static_cast<uint64_t>(cl.rank));
      PutVarint(out, static_cast<uint64_t>(cl.min));
      PutVarint(out, cl.max ? static_cast<uint64_t>(*cl.max) + 1 : 0);  // 0: open-ended
    }
  }
  return out;
}

Status DecodeSummary(std::string_view bytes, IncidentSummary* out) {
  out->Clear();
  auto bad = [](const char* what) {
    return Status::Corruption(std::string("figure index entry is malformed (") + what +
                              "); run dalil verify");
  };
  if (bytes.empty() || static_cast<uint8_t>(bytes[0]) != kSummaryFormat) return bad("format");
  Reader r(bytes.substr(1));
  if (!r.Int(&out->id)) return bad("id");
  int last = -1;
  while (!r.done()) {
    uint64_t c;
    if (!r.Varint(&c) || c >= kCategoryCount || static_cast<int>(c) <= last) return bad("category");
    last = static_cast<int>(c);
    CategorySummary& cs = out->categories[c];
    if (!r.Ascending(&cs.persons) || !r.Ascending(&cs.outcomes) ||
        !r.Ascending(&cs.named_sources)) {
      return bad("ids");
    }
    uint64_t n;
    if (!r.Varint(&n) || n > bytes.size()) return bad("claims");
    int64_t prev = 0;
    for (uint64_t i = 0; i < n; ++i) {
      int64_t delta, source, rank, min, max1;
      if (!r.Int(&delta) || !r.Int(&source) || !r.Int(&rank) || !r.Int(&min) || !r.Int(&max1) ||
          rank > 5) {
        return bad("claim");
      }
      prev += delta;
      cs.claims.push_back({prev, source, static_cast<int>(rank), min,
                           max1 ? std::optional<int64_t>(max1 - 1) : std::nullopt});
    }
  }
  return Status::Ok();
}

// --- aggregation -----------------------------------------------------------

struct GroupAccumulator::Impl {
  struct Cat {
    explicit Cat(size_t limit) : incidents(limit), claims(limit), outcomes(limit) {}
    bool present = false;
    int64_t min_sum = 0, max_sum = 0, appearances = 0;
    bool open = false, provisional = false;
    IdSet persons, sources;
    IdCollector incidents, claims, outcomes;
  };
  explicit Impl(const Rules& r)
      : rules(r),
        cats{Cat(r.id_limit), Cat(r.id_limit), Cat(r.id_limit),
             Cat(r.id_limit), Cat(r.id_limit), Cat(r.id_limit)} {}
  Rules rules;
  std::array<Cat, kCategoryCount> cats;
  std::vector<int64_t> incident_sources;  // scratch
};

GroupAccumulator::GroupAccumulator(const Rules& rules) : impl_(std::make_unique<Impl>(rules)) {}
GroupAccumulator::GroupAccumulator(GroupAccumulator&&) noexcept = default;
GroupAccumulator& GroupAccumulator::operator=(GroupAccumulator&&) noexcept = default;
GroupAccumulator::~GroupAccumulator() = default;

void GroupAccumulator::Add(const IncidentSummary& s) {
  const Rules& rules = impl_->rules;
  std::vector<int64_t>& sources = impl_->incident_sources;
  for (int c = 0; c < kCategoryCount; ++c) {
    const CategorySummary& cs = s.categories[c];
    if (cs.empty()) continue;
    const int64_t named = static_cast<int64_t>(cs.persons.size());
    sources.assign(cs.named_sources.begin(), cs.named_sources.end());
    int64_t lowest = named, highest = named;
    bool open = false, any_claim = false;
    for (const SummaryClaim& cl : cs.claims) {
      if (cl.rank > rules.credible_reliability) continue;
      lowest = any_claim ? std::min(lowest, cl.min) : cl.min;
      any_claim = true;
      if (cl.max) highest = std::max(highest, *cl.max);
      else open = true;
      if (std::find(sources.begin(), sources.end(), cl.source) == sources.end()) {
        sources.push_back(cl.source);
      }
    }
    if (named == 0 && !any_claim) continue;
    Impl::Cat& cat = impl_->cats[c];
    cat.present = true;
    cat.min_sum += std::max(named, lowest);
    if (open) cat.open = true;
    else cat.max_sum += std::max(named, highest);
    if (static_cast<int>(sources.size()) < rules.min_sources) cat.provisional = true;
    cat.appearances += named;
    for (int64_t p : cs.persons) cat.persons.Insert(p);
    for (int64_t src : sources) cat.sources.Insert(src);
    cat.incidents.Add(s.id);
    for (const SummaryClaim& cl : cs.claims) {
      if (cl.rank <= rules.credible_reliability) cat.claims.Add(cl.id);
    }
    for (int64_t o : cs.outcomes) cat.outcomes.Add(o);
  }
}

std::map<Category, Figure> GroupAccumulator::Finish() {
  std::map<Category, Figure> out;
  const size_t limit = impl_->rules.id_limit;
  Impl::Cat& killed = impl_->cats[static_cast<int>(Category::kKilled)];
  for (int c = 0; c < kCategoryCount; ++c) {
    Impl::Cat& cat = impl_->cats[c];
    if (!cat.present) continue;
    Figure& f = out[kCategories[c]];
    // A person named in several incidents is one person: take the extra
    // appearances off the minimum, but never below the people we can name.
    // The same holds for the maximum: each part's maximum counts the
    // repeated person too, so the union is at most the sum less the repeats.
    const int64_t distinct = static_cast<int64_t>(cat.persons.size());
    const int64_t repeats = cat.appearances - distinct;
    f.min = std::max(distinct, cat.min_sum - repeats);
    f.max = cat.open ? std::nullopt : std::optional<int64_t>(std::max(f.min, cat.max_sum - repeats));
    f.provisional = cat.provisional;
    f.sources = FromSet(cat.sources, limit);
    f.incidents = cat.incidents.Finish();
    f.claims = cat.claims.Finish();
    f.outcomes = cat.outcomes.Finish();
    const bool after_deaths = kCategories[c] == Category::kInjured && killed.present;
    f.persons = FromSet(cat.persons, limit, after_deaths ? &killed.persons : nullptr);
    if (after_deaths) {
      // Injured, then died: counted once, as killed.
      const int64_t both = distinct - f.persons.total;
      f.min = std::max(f.persons.total, f.min - both);
      if (f.max && *f.max < f.min) f.max = f.min;
    }
  }
  return out;
}

std::map<Category, Figure> CountIncident(const IncidentInput& in, const Rules& rules) {
  IncidentSummary s;
  Summarize(in, rules.as_of, &s);
  GroupAccumulator acc(rules);
  acc.Add(s);
  return acc.Finish();
}

}  // namespace dalil::figures
