// The format mappers behind NewMapper (mapping.h), one file each, and what
// they share. Internal to importer/.
#ifndef DALIL_IMPORTER_MAPPERS_H_
#define DALIL_IMPORTER_MAPPERS_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "importer/mapping.h"

namespace dalil::importer {

std::unique_ptr<Mapper> NewUcdpMapper();
std::unique_ptr<Mapper> NewAcledMapper();
std::unique_ptr<Mapper> NewHxlMapper();

// Header name -> index, names compared in lower case without surrounding
// spaces.
class Columns {
 public:
  void Bind(const std::vector<std::string>& header);
  // Index of the column, or -1.
  int Find(std::string_view name) const;
  // Error naming every missing column of `required`.
  Status Require(std::initializer_list<std::string_view> required) const;
  const std::string& Name(int index) const { return names_[static_cast<size_t>(index)]; }

 private:
  std::map<std::string, int, std::less<>> index_;
  std::vector<std::string> names_;
};

// The cell of column `i` (empty when i < 0).
inline const std::string& Cell(const std::vector<std::string>& row, int i) {
  static const std::string kEmpty;
  return i < 0 || static_cast<size_t>(i) >= row.size() ? kEmpty : row[static_cast<size_t>(i)];
}

// Sets the incident's latitude, longitude and (when `precision` is given)
// geo_precision (1, 2, else 3) from the cells. Returns 0, or 1 when the
// latitude is bad, 2 when the longitude is; both empty sets nothing.
int MapPoint(const std::string& lat, const std::string& lon, const std::string* precision,
             nlohmann::json& incident);

// Cuts text to at most `max` bytes on a UTF-8 character boundary.
std::string Clip(std::string_view text, size_t max);

}  // namespace dalil::importer

#endif  // DALIL_IMPORTER_MAPPERS_H_
