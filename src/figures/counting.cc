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

std::map<Category, Figure> CountIncident(const IncidentInput& in, const Rules& rules) {
  // Outcomes whose victim died of the wounds count as killed.
  std::set<int64_t> died_of_wounds;
  for (const StatusChange& c : in.changes) {
    if (c.status == "died_of_wounds") died_of_wounds.insert(c.outcome);
  }
  std::map<Category, Figure> out;
  for (const OutcomeIn& o : in.outcomes) {
    Category kind = o.kind;
    if (kind == Category::kInjured && died_of_wounds.count(o.id)) kind = Category::kKilled;
    if (rules.as_of && IsHeldCategory(kind)) {
      // Held on that day: taken by then, and not yet released or found.
      if (o.date && *o.date > *rules.as_of) continue;
      bool ended = false;
      for (const StatusChange& c : in.changes) {
        if (c.outcome == o.id && c.date <= *rules.as_of && EndsHolding(c.status)) ended = true;
      }
      if (ended) continue;
    }
    Figure& f = out[kind];
    f.persons.insert(o.person);
    f.outcomes.insert(o.id);
    if (rules.as_of && IsHeldCategory(kind) && o.source) f.sources.insert(*o.source);
  }
  // Credible claims, by category. An "as of" figure for people held rests on
  // named people only: a count cannot say who was released since.
  std::map<Category, std::vector<const ClaimIn*>> credible;
  for (const ClaimIn& c : in.claims) {
    if (c.reliability > rules.credible_reliability) continue;
    if (rules.as_of && IsHeldCategory(c.category)) continue;
    credible[c.category].push_back(&c);
  }
  for (Category cat : kCategories) {
    auto named_it = out.find(cat);
    const int64_t named = named_it == out.end() ? 0 : static_cast<int64_t>(named_it->second.persons.size());
    const auto& claims = credible[cat];
    if (named == 0 && claims.empty()) continue;
    Figure& f = out[cat];
    f.incidents.insert(in.id);
    int64_t lowest = named, highest = named;
    bool open = false, first = true;
    for (const ClaimIn* c : claims) {
      lowest = first ? c->min : std::min(lowest, c->min);
      first = false;
      if (c->max) highest = std::max(highest, *c->max);
      else open = true;
      f.claims.insert(c->id);
      f.sources.insert(c->source);
    }
    f.min = std::max(named, lowest);
    f.max = open ? std::nullopt : std::optional<int64_t>(std::max(named, highest));
    f.provisional = static_cast<int>(f.sources.size()) < rules.min_sources;
  }
  return out;
}

Figure Aggregate(const std::vector<const Figure*>& parts, const Rules& rules) {
  Figure total;
  total.max = 0;
  total.provisional = false;
  int64_t appearances = 0;
  for (const Figure* p : parts) {
    total.min += p->min;
    if (!p->max || !total.max) {
      total.max.reset();
    } else {
      total.max = *total.max + *p->max;
    }
    total.provisional = total.provisional || p->provisional;
    appearances += static_cast<int64_t>(p->persons.size());
    total.persons.insert(p->persons.begin(), p->persons.end());
    total.sources.insert(p->sources.begin(), p->sources.end());
    total.incidents.insert(p->incidents.begin(), p->incidents.end());
    total.claims.insert(p->claims.begin(), p->claims.end());
    total.outcomes.insert(p->outcomes.begin(), p->outcomes.end());
  }
  // A person named in several incidents is one person: take the extra
  // appearances off the minimum, but never below the people we can name.
  const int64_t repeats = appearances - static_cast<int64_t>(total.persons.size());
  // The same holds for the maximum: each part's maximum counts the repeated
  // person too, so the union is at most the sum less the repeats.
  total.min = std::max<int64_t>(static_cast<int64_t>(total.persons.size()), total.min - repeats);
  if (total.max) total.max = std::max(total.min, *total.max - repeats);
  if (parts.empty()) total.provisional = true;
  (void)rules;
  return total;
}

void CountDeadOnce(std::map<Category, Figure>& totals) {
  auto killed = totals.find(Category::kKilled);
  auto injured = totals.find(Category::kInjured);
  if (killed == totals.end() || injured == totals.end()) return;
  int64_t both = 0;
  for (int64_t p : killed->second.persons) both += injured->second.persons.erase(p);
  Figure& f = injured->second;
  f.min = std::max<int64_t>(static_cast<int64_t>(f.persons.size()), f.min - both);
  if (f.max && *f.max < f.min) f.max = f.min;
}

}  // namespace dalil::figures
