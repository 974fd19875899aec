#include "importer/places.h"

#include <set>

#include "figures/names.h"

namespace dalil::importer {
namespace {

bool HasArabic(std::string_view s) {
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0xD8 || c == 0xD9 || c == 0xDA || c == 0xDB) return true;
  }
  return false;
}

std::string Normalise(std::string_view s) {
  return HasArabic(s) ? figures::NormalizeArabic(s) : figures::NormalizeLatin(s);
}

// Words naming the kind of unit, normalised as names are.
const std::set<std::string>& UnitWords() {
  static const std::set<std::string> kWords = [] {
    std::set<std::string> out;
    for (const char* w : {"province", "governorate", "governate", "muhafazat", "muhafazah",
                          "muhafaza", "qada", "qadaa", "qaḑā’", "district", "subdistrict",
                          "nahiya", "nahiyat", "city", "town", "محافظة", "قضاء", "ناحية",
                          "مدينة"}) {
      out.insert(Normalise(w));
    }
    return out;
  }();
  return kWords;
}

std::string WithoutUnitWords(const std::string& normalised) {
  std::string out, word;
  auto flush = [&] {
    if (!word.empty() && UnitWords().count(word) == 0) {
      if (!out.empty()) out.push_back(' ');
      out += word;
    }
    word.clear();
  };
  for (char c : normalised) {
    if (c == ' ') flush();
    else word.push_back(c);
  }
  flush();
  return out.empty() ? normalised : out;
}

}  // namespace

std::vector<std::string> PlaceIndex::Keys(std::string_view name) {
  std::vector<std::string> keys;
  std::string n = WithoutUnitWords(Normalise(name));
  if (n.empty()) return keys;
  keys.push_back("n:" + n);
  std::string k = figures::MatchKey(n);
  if (!k.empty()) keys.push_back("k:" + k);
  return keys;
}

void PlaceIndex::Add(int64_t id, std::optional<int64_t> parent, const std::string& level,
                     const std::vector<std::string>& names) {
  std::set<std::string> done;
  for (const std::string& name : names) {
    for (const std::string& key : Keys(name)) {
      if (!done.insert(key).second) continue;
      entries_[key].push_back({id, parent, level});
    }
  }
}

std::optional<int64_t> PlaceIndex::Find(std::string_view name, std::string_view level,
                                        std::optional<int64_t> parent) const {
  for (const std::string& key : Keys(name)) {
    auto it = entries_.find(key);
    if (it == entries_.end()) continue;
    std::optional<int64_t> found;
    bool ambiguous = false;
    for (const Entry& e : it->second) {
      if (!level.empty() && e.level != level) continue;
      if (parent && e.parent != parent) continue;
      if (found && *found != e.id) ambiguous = true;
      found = e.id;
    }
    if (ambiguous) return std::nullopt;
    if (found) return found;
  }
  return std::nullopt;
}

}  // namespace dalil::importer
