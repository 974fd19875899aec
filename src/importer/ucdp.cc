// UCDP Georeferenced Event Dataset rows (codebook: Sundberg & Melander 2013,
// Högbladh): one event per row with low / best / high death estimates.
#include <algorithm>

#include "importer/mappers.h"

namespace dalil::importer {
namespace {

// UCDP date_prec: 1 exact day, 2 two to six days, 3 a week, 4 a month,
// 5 longer.
const char* DatePrecision(std::string_view p) {
  if (p == "1" || p == "2") return "day";
  if (p == "3") return "week";
  return "month";
}

class UcdpMapper : public Mapper {
 public:
  Status Bind(const std::vector<std::string>& header) override {
    c_.Bind(header);
    DALIL_RETURN_IF_ERROR(c_.Require({"id", "type_of_violence", "side_a", "side_b", "adm_1",
                                      "date_start", "date_end", "low", "best", "high"}));
    id_ = c_.Find("id");
    type_ = c_.Find("type_of_violence");
    side_a_ = c_.Find("side_a");
    side_b_ = c_.Find("side_b");
    dyad_ = c_.Find("dyad_name");
    conflict_ = c_.Find("conflict_name");
    adm1_ = c_.Find("adm_1");
    adm2_ = c_.Find("adm_2");
    where_ = c_.Find("where_coordinates");
    where_prec_ = c_.Find("where_prec");
    lat_ = c_.Find("latitude");
    lon_ = c_.Find("longitude");
    country_ = c_.Find("country");
    iso3_ = c_.Find("iso3");
    date_prec_ = c_.Find("date_prec");
    start_ = c_.Find("date_start");
    end_ = c_.Find("date_end");
    low_ = c_.Find("low");
    best_ = c_.Find("best");
    high_ = c_.Find("high");
    headline_ = c_.Find("source_headline");
    article_ = c_.Find("source_article");
    office_ = c_.Find("source_office");
    source_date_ = c_.Find("source_date");
    original_ = c_.Find("source_original");
    return Status::Ok();
  }

  std::string DefaultDataset() const override { return "ucdp-ged"; }

  MapResult Map(const std::vector<std::string>& row) const override {
    MapResult r;
    auto fail = [&](int col, std::string reason) {
      r.error = {col >= 0 ? c_.Name(col) : "", Clip(Cell(row, col), 200), std::move(reason)};
      return r;
    };
    MappedRow m;
    m.key = Cell(row, id_);
    if (m.key.empty()) return fail(id_, "the event id is missing");
    const std::string& type = Cell(row, type_);
    if (type == "1" || type == "2") {
      m.incident["event_type"] = "battles";
      m.incident["sub_event_type"] = "armed_clash";
    } else if (type == "3") {
      m.incident["event_type"] = "violence_against_civilians";
      m.incident["sub_event_type"] = "attack";
    } else {
      return fail(type_, "type_of_violence must be 1, 2 or 3");
    }
    auto start = NormaliseDate(Cell(row, start_));
    if (!start) {
      return fail(start_, Cell(row, start_).empty() ? "the start date is missing"
                                                    : "is not a date that exists");
    }
    std::string end_text = Cell(row, end_);
    auto end = end_text.empty() ? start : NormaliseDate(end_text);
    if (!end) return fail(end_, "is not a date that exists");
    if (*end < *start) return fail(end_, "the end date is before the start date");
    m.incident["start_date"] = *start;
    m.incident["end_date"] = *end;
    m.incident["date_precision"] = DatePrecision(Cell(row, date_prec_));
    m.origin["incident.start_date"] = c_.Name(start_);
    m.origin["incident.end_date"] = c_.Name(end_);

    std::optional<int64_t> low, best, high;
    if (auto e = ParseCount(Cell(row, low_), low)) return fail(low_, *e);
    if (auto e = ParseCount(Cell(row, best_), best)) return fail(best_, *e);
    if (auto e = ParseCount(Cell(row, high_), high)) return fail(high_, *e);
    if (!best) return fail(best_, "the best estimate is missing");
    if (!low) low = best;
    if (!high) high = best;
    // UCDP's own numbers, verbatim: the claim's range must hold all three,
    // and a few published rows have them out of order (low above high).
    const std::string quote = "UCDP GED: low " + std::to_string(*low) + ", best " +
                              std::to_string(*best) + ", high " + std::to_string(*high);
    const int64_t lo = std::min({*low, *best, *high});
    const int64_t hi = std::max({*low, *best, *high});
    if (lo != *low || hi != *high) {
      m.review_notes.push_back("UCDP's low, best and high are out of order (" + quote +
                               "); the claim spans " + std::to_string(lo) + " to " +
                               std::to_string(hi));
    }
    m.claims.push_back({"killed", lo, hi, *best, quote});
    m.origin["claim.count_min"] = c_.Name(low_);
    m.origin["claim.count_max"] = c_.Name(high_);
    m.origin["claim.count_best"] = c_.Name(best_);

    if (int bad = MapPoint(Cell(row, lat_), Cell(row, lon_), &Cell(row, where_prec_), m.incident)) {
      return fail(bad == 1 ? lat_ : lon_, bad == 1 ? "is not a latitude" : "is not a longitude");
    }
    m.country = Cell(row, country_);
    m.country_code = Cell(row, iso3_);
    m.adm1 = Cell(row, adm1_);
    m.adm2 = Cell(row, adm2_);
    m.location = Cell(row, where_);
    m.origin["place.adm1"] = c_.Name(adm1_);

    const std::string& a = Cell(row, side_a_);
    const std::string& b = Cell(row, side_b_);
    const bool one_sided = type == "3";
    auto kind = [](const std::string& name) {
      if (name.starts_with("Government of")) return "state_forces";
      if (name == "Civilians") return "civilians";
      return "rebel_group";
    };
    if (!a.empty()) m.actors.push_back({a, kind(a), one_sided ? "perpetrator" : "other"});
    if (!b.empty()) m.actors.push_back({b, kind(b), one_sided ? "target" : "other"});

    std::string dyad = Cell(row, dyad_).empty() ? a + " - " + b : Cell(row, dyad_);
    m.incident["title_en"] =
        Clip(dyad + (m.location.empty() ? "" : ", " + m.location), 500);
    std::string desc = "UCDP GED event " + m.key;
    if (!Cell(row, conflict_).empty()) desc += "; conflict: " + Cell(row, conflict_);
    if (!m.location.empty()) desc += "; location: " + m.location;
    m.incident["description_en"] = Clip(desc, 100000);
    m.incident["tags"] = nlohmann::json::array({"ucdp-ged"});

    MappedSource src;
    src.title = Cell(row, headline_);
    src.citation = Cell(row, article_);
    if (auto d = NormaliseDate(Cell(row, source_date_))) src.published_date = *d;
    if (!Cell(row, office_).empty()) src.notes = "source office: " + Cell(row, office_);
    if (!Cell(row, original_).empty()) {
      src.notes += (src.notes.empty() ? "" : "; ") + std::string("original source: ") +
                   Cell(row, original_);
    }
    if (src.title.empty()) src.title = "UCDP GED event " + m.key;
    m.source = std::move(src);
    m.origin["source.title"] = headline_ >= 0 ? c_.Name(headline_) : "source_headline";
    m.origin["source.citation"] = article_ >= 0 ? c_.Name(article_) : "source_article";
    r.row = std::move(m);
    return r;
  }

 private:
  Columns c_;
  int id_ = -1, type_ = -1, side_a_ = -1, side_b_ = -1, dyad_ = -1, conflict_ = -1,
      adm1_ = -1, adm2_ = -1, where_ = -1, where_prec_ = -1, lat_ = -1, lon_ = -1,
      country_ = -1, iso3_ = -1, date_prec_ = -1, start_ = -1, end_ = -1, low_ = -1,
      best_ = -1, high_ = -1, headline_ = -1, article_ = -1, office_ = -1,
      source_date_ = -1, original_ = -1;
};

}  // namespace

std::unique_ptr<Mapper> NewUcdpMapper() { return std::make_unique<UcdpMapper>(); }

}  // namespace dalil::importer
