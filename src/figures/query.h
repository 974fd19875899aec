// Figures over the database: sums the per-incident entries of the figure
// index (store::Store::ScanFigureIndex, kept in step with the records in
// every write transaction, so never stale) with the counting rules of
// counting.h, grouped by governorate, district, week, month, perpetrator or
// event type. "As of" figures, and any request with from_records set, derive
// every incident from its records instead (store::Store::LoadFigureRows):
// the same rules on the same summaries, slower.
#ifndef DALIL_FIGURES_QUERY_H_
#define DALIL_FIGURES_QUERY_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "figures/counting.h"
#include "store/store.h"

namespace dalil::figures {

enum class GroupBy { kTotal, kGovernorate, kDistrict, kWeek, kMonth, kActor, kType };
// "governorate", "district", "week", "month", "actor", "type"; "" is kTotal.
std::optional<GroupBy> ParseGroupBy(std::string_view name);

// Ids listed per figure unless the request says otherwise (`ids`).
inline constexpr size_t kDefaultIdLimit = 1000;

struct FigureRequest {
  store::ListQuery filter;  // within_place, from, to, actor, equals event_type
  GroupBy by = GroupBy::kTotal;
  Rules rules;  // rules.id_limit: kDefaultIdLimit unless `ids` is given
  // Derive every incident from its records, not from the figure index.
  bool from_records = false;
};

struct Group {
  std::string key;  // "IQ-DQ", "2021-W08", "2021-02", actor id, event type, "total"
  std::string name_en, name_ar;
  std::map<Category, Figure> figures;
};

// Reads the parameters shared by `dalil figures` and GET /api/v1/figures:
// place (id or ISO code), from, to (YYYY-MM-DD), type (event type), actor
// (id), by, as_of, ids ("all" or how many ids to list per figure). Unknown names and bad values are kInvalidArgument naming
// the parameter (field "query.<name>").
Result<FigureRequest> ParseFigureRequest(
    store::Store& store, const std::vector<std::pair<std::string, std::string>>& params,
    const Rules& rules);

// Groups in key order. An incident with several perpetrators counts in each
// of their groups (so actor groups may overlap); an incident whose place
// lies under no district is grouped under "unknown".
Result<std::vector<Group>> ComputeFigures(store::Store& store, const FigureRequest& request);

// The place at `level` ("governorate", "district") that contains `place`
// (itself included), or nullopt. Bounded against cycles.
std::optional<int64_t> AncestorAt(const std::map<int64_t, store::FigureRows::Place>& places,
                                  int64_t place, std::string_view level);

// ISO 8601 week of a day ("2021-W08") and its month ("2021-02").
std::string IsoWeek(int64_t days_since_epoch);

}  // namespace dalil::figures

#endif  // DALIL_FIGURES_QUERY_H_
