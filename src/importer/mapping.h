// The "map" phase of an import: one CSV row of a known format (UCDP GED,
// ACLED, HXL-tagged CSV) becomes a MappedRow, the format-independent shape
// the writer turns into records, or a RowError naming the column, the value
// and the reason. Pure functions of the row: no database, no I/O, so each
// mapper can be tested and fuzzed alone. docs/formats/import-export.md
// lists every mapping.
#ifndef DALIL_IMPORTER_MAPPING_H_
#define DALIL_IMPORTER_MAPPING_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace dalil::importer {

struct MappedActor {
  std::string name;
  std::string kind;  // model actor kind
  std::string role;  // perpetrator, target, other
};

struct MappedClaim {
  std::string category;  // killed, injured, ...
  int64_t min = 0;
  std::optional<int64_t> max;
  std::optional<int64_t> best;
  std::string quote;  // the source's own words or numbers, verbatim
};

struct MappedSource {
  std::string title, citation, url, published_date, notes;
};

struct MappedRow {
  std::string key;  // the dataset's own event id ("" when it has none)
  // Incident fields except place_id and review_status, as model/schema.cc
  // names them (title_en, start_date, event_type, latitude, ...).
  nlohmann::json incident = nlohmann::json::object();
  // Place names as the file gives them; the writer matches them to places.
  std::string country, country_code, adm1, adm1_code, adm2, location;
  std::vector<MappedActor> actors;
  std::vector<MappedClaim> claims;
  std::optional<MappedSource> source;
  // Which column each value came from, for rejects found by validation:
  // "incident.start_date" -> "date_start", "claim.count_min" -> "low".
  std::map<std::string, std::string> origin;
  // Why a person should look at the imported row (the row is still
  // imported; each note becomes a flag on its incident).
  std::vector<std::string> review_notes;
};

struct RowError {
  std::string column;  // header name; "" for the whole row
  std::string value;
  std::string reason;
};

// Either a mapped row or why it cannot be imported.
struct MapResult {
  std::optional<MappedRow> row;
  RowError error;
};

class Mapper {
 public:
  virtual ~Mapper() = default;
  // Binds the header. Errors (kInvalidArgument, field "header") name the
  // required columns that are missing: the file is not of this format.
  virtual Status Bind(const std::vector<std::string>& header) = 0;
  // Given the first row after the header: true if it is an HXL hashtag row
  // (skipped as data; hxl-csv maps its columns by it). Errors when an HXL
  // row lacks the tags the format needs.
  virtual Result<bool> TakeHxlRow(const std::vector<std::string>& row);
  // Maps a data row (already checked for UTF-8 and column count).
  virtual MapResult Map(const std::vector<std::string>& row) const = 0;
  // The dataset name used when --source-name is not given.
  virtual std::string DefaultDataset() const = 0;
};

// "ucdp-ged", "acled", "hxl-csv"; nullptr for anything else.
std::unique_ptr<Mapper> NewMapper(std::string_view format);

// True when every non-empty cell starts with '#' and at least one does.
bool LooksLikeHxlRow(const std::vector<std::string>& row);

// Shared helpers, exposed for the mappers and their tests.
// A count cell: empty -> nullopt (absent), digits -> value, else error text.
std::optional<std::string> ParseCount(std::string_view cell, std::optional<int64_t>& out);
// "2021-02-26", "26 February 2021", "26-Feb-2021", "2021/02/26" -> "2021-02-26".
std::optional<std::string> NormaliseDate(std::string_view cell);
// Decimal degrees within the bounds, or nullopt.
std::optional<double> ParseDegrees(std::string_view cell, double bound);
// Lower-case snake form of an ACLED label: "Excessive force against
// protesters" -> "excessive_force_against_protesters".
std::string SnakeLabel(std::string_view label);

}  // namespace dalil::importer

#endif  // DALIL_IMPORTER_MAPPING_H_
