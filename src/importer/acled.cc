// ACLED event rows (ACLED codebook): event_id_cnty, event_date,
// time_precision, event_type, sub_event_type, actor1/inter1, actor2/inter2,
// admin1..3, location, latitude, longitude, geo_precision, source, notes,
// fatalities.
#include "importer/mappers.h"

#include "base/text.h"
#include "model/schema.h"

namespace dalil::importer {
namespace {

// ACLED inter codes 1-8 -> actor kinds (docs/data-model.md).
constexpr const char* kInterKinds[] = {"state_forces",     "rebel_group",   "political_militia",
                                       "identity_militia", "rioters",       "protesters",
                                       "civilians",        "external_other"};

// Who did what to whom, by event type: the role of actor1 and of actor2.
struct Roles {
  std::string_view event_type;
  const char* actor1;
  const char* actor2;
};
constexpr Roles kRoles[] = {
    {"protests", "other", "perpetrator"},  // actor2 intervenes against protesters
    {"riots", "other", "other"},
    {"violence_against_civilians", "perpetrator", "target"},
    {"battles", "perpetrator", "perpetrator"},
    {"explosions_remote_violence", "perpetrator", "target"},
    {"strategic_developments", "perpetrator", "target"},
};

class AcledMapper : public Mapper {
 public:
  Status Bind(const std::vector<std::string>& header) override {
    c_.Bind(header);
    DALIL_RETURN_IF_ERROR(c_.Require({"event_id_cnty", "event_date", "event_type",
                                      "sub_event_type", "actor1", "admin1", "fatalities"}));
    id_ = c_.Find("event_id_cnty");
    date_ = c_.Find("event_date");
    prec_ = c_.Find("time_precision");
    type_ = c_.Find("event_type");
    sub_ = c_.Find("sub_event_type");
    actor1_ = c_.Find("actor1");
    inter1_ = c_.Find("inter1");
    actor2_ = c_.Find("actor2");
    inter2_ = c_.Find("inter2");
    country_ = c_.Find("country");
    iso_ = c_.Find("iso");
    admin1_ = c_.Find("admin1");
    admin2_ = c_.Find("admin2");
    location_ = c_.Find("location");
    lat_ = c_.Find("latitude");
    lon_ = c_.Find("longitude");
    geo_prec_ = c_.Find("geo_precision");
    source_ = c_.Find("source");
    notes_ = c_.Find("notes");
    fatalities_ = c_.Find("fatalities");
    return Status::Ok();
  }

  std::string DefaultDataset() const override { return "acled"; }

  MapResult Map(const std::vector<std::string>& row) const override {
    MapResult r;
    auto fail = [&](int col, std::string reason) {
      r.error = {col >= 0 ? c_.Name(col) : "", Clip(Cell(row, col), 200), std::move(reason)};
      return r;
    };
    MappedRow m;
    m.key = Cell(row, id_);
    if (m.key.empty()) return fail(id_, "the event id is missing");
    if (Cell(row, date_).empty()) return fail(date_, "the event date is missing");
    auto date = NormaliseDate(Cell(row, date_));
    if (!date) return fail(date_, "is not a date that exists");
    m.incident["start_date"] = *date;
    m.incident["end_date"] = *date;
    const std::string& p = Cell(row, prec_);
    m.incident["date_precision"] = p == "2" ? "week" : p == "3" ? "month" : "day";
    m.origin["incident.start_date"] = c_.Name(date_);

    std::string type = SnakeLabel(Cell(row, type_));
    std::string sub = SnakeLabel(Cell(row, sub_));
    const model::EventType* found = nullptr;
    for (const model::EventType& et : model::EventTypes()) {
      if (et.type == type) found = &et;
    }
    if (found == nullptr) {
      return fail(type_, Cell(row, type_).empty() ? "the event type is missing"
                                                 : "is not an ACLED event type");
    }
    m.incident["event_type"] = type;
    if (!sub.empty()) {
      bool ok = false;
      for (std::string_view s : found->sub_types) ok = ok || s == sub;
      if (!ok) return fail(sub_, "is not a sub-event type of " + Cell(row, type_));
      m.incident["sub_event_type"] = sub;
    }

    std::optional<int64_t> fatalities;
    if (auto e = ParseCount(Cell(row, fatalities_), fatalities)) return fail(fatalities_, *e);
    if (!fatalities) return fail(fatalities_, "fatalities is missing");
    m.claims.push_back({"killed", *fatalities, *fatalities, *fatalities});
    m.origin["claim.count_min"] = c_.Name(fatalities_);

    if (int bad = MapPoint(Cell(row, lat_), Cell(row, lon_), &Cell(row, geo_prec_), m.incident)) {
      return fail(bad == 1 ? lat_ : lon_, bad == 1 ? "is not a latitude" : "is not a longitude");
    }
    m.country = Cell(row, country_);
    m.country_code = Cell(row, iso_);
    m.adm1 = Cell(row, admin1_);
    m.adm2 = Cell(row, admin2_);
    m.location = Cell(row, location_);
    m.origin["place.adm1"] = c_.Name(admin1_);

    const Roles* roles = &kRoles[0];
    for (const Roles& rr : kRoles) {
      if (rr.event_type == type) roles = &rr;
    }
    for (int side = 0; side < 2; ++side) {
      int ac = side == 0 ? actor1_ : actor2_;
      int ic = side == 0 ? inter1_ : inter2_;
      const std::string& name = Cell(row, ac);
      if (name.empty()) continue;
      const std::string& inter = Cell(row, ic);
      // Older files give the code (1-8), newer ones its label ("State forces").
      auto code = ParseInt(inter);
      if (!inter.empty() && !code) {
        const std::string label = SnakeLabel(inter);
        for (int k = 0; k < 8; ++k) {
          if (label.starts_with(kInterKinds[k])) code = k + 1;
        }
        if (label.starts_with("external")) code = 8;
      }
      if (!inter.empty() && (!code || *code < 1 || *code > 8)) {
        return fail(ic, "is not an ACLED inter code (1 to 8, or its label)");
      }
      m.actors.push_back({name, code ? kInterKinds[*code - 1] : "external_other",
                          side == 0 ? roles->actor1 : roles->actor2});
    }
    if (m.actors.empty()) return fail(actor1_, "actor1 is missing");

    m.incident["title_en"] = Clip(Cell(row, sub_).empty() ? Cell(row, type_) : Cell(row, sub_), 200) +
                             (m.location.empty() ? "" : ", " + Clip(m.location, 250));
    if (!Cell(row, notes_).empty()) {
      m.incident["description_en"] = Cell(row, notes_);
      m.origin["incident.description_en"] = c_.Name(notes_);
    }
    m.incident["tags"] = nlohmann::json::array({"acled"});
    MappedSource src;
    src.title = Cell(row, source_).empty() ? "ACLED" : Cell(row, source_);
    m.origin["source.title"] = source_ >= 0 ? c_.Name(source_) : "source";
    m.source = std::move(src);
    r.row = std::move(m);
    return r;
  }

 private:
  Columns c_;
  int id_ = -1, date_ = -1, prec_ = -1, type_ = -1, sub_ = -1, actor1_ = -1, inter1_ = -1,
      actor2_ = -1, inter2_ = -1, country_ = -1, iso_ = -1, admin1_ = -1, admin2_ = -1,
      location_ = -1, lat_ = -1, lon_ = -1, geo_prec_ = -1, source_ = -1, notes_ = -1,
      fatalities_ = -1;
};

}  // namespace

std::unique_ptr<Mapper> NewAcledMapper() { return std::make_unique<AcledMapper>(); }

}  // namespace dalil::importer
