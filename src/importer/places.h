// Matching place names from outside datasets to Dalil's places through
// their names and alternative spellings, across diacritics, articles and
// scripts: "Al Anbār province" = "Anbar" = "الأنبار"; "Thi Qar" = "Dhi Qar"
// = "ذي قار". Words that only say what kind of unit it is ("province",
// "governorate", "Qaḑā’", "محافظة", "قضاء") are left out.
//
// Not thread safe; build one per import.
#ifndef DALIL_IMPORTER_PLACES_H_
#define DALIL_IMPORTER_PLACES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dalil::importer {

class PlaceIndex {
 public:
  // Adds a place under every one of its names.
  void Add(int64_t id, std::optional<int64_t> parent, const std::string& level,
           const std::vector<std::string>& names);
  // The one place of `level` (any level when empty) under `parent` (any
  // parent when nullopt) that `name` matches: first on the normalised
  // spelling, then on the script-independent key. nullopt when none matches
  // or when two different places do (never a guess).
  std::optional<int64_t> Find(std::string_view name, std::string_view level,
                              std::optional<int64_t> parent) const;
  // The lookup keys of a name, most exact first (exposed for tests).
  static std::vector<std::string> Keys(std::string_view name);
  void Clear() { entries_.clear(); }

 private:
  struct Entry {
    int64_t id;
    std::optional<int64_t> parent;
    std::string level;
  };
  std::map<std::string, std::vector<Entry>, std::less<>> entries_;
};

}  // namespace dalil::importer

#endif  // DALIL_IMPORTER_PLACES_H_
