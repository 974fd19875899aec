// CSV with an HXL hashtag row (hxlstandard.org): columns are mapped by
// their tags, not their header names. docs/formats/import-export.md has the
// table of tags read.
#include <set>
#include <sstream>

#include "importer/mappers.h"
#include "model/schema.h"

namespace dalil::importer {
namespace {

struct Tag {
  std::string name;             // "affected"
  std::set<std::string> attrs;  // {"killed", "min"}
};

std::optional<Tag> ParseTag(std::string_view cell) {
  while (!cell.empty() && cell.front() == ' ') cell.remove_prefix(1);
  while (!cell.empty() && cell.back() == ' ') cell.remove_suffix(1);
  if (cell.size() < 2 || cell[0] != '#') return std::nullopt;
  Tag t;
  std::string part;
  bool first = true;
  auto flush = [&] {
    for (char& c : part) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (first) t.name = part;
    else if (!part.empty()) t.attrs.insert(part);
    first = false;
    part.clear();
  };
  for (char c : cell.substr(1)) {
    if (c == '+') flush();
    else if (c != ' ') part.push_back(c);
  }
  flush();
  if (t.name.empty()) return std::nullopt;
  return t;
}

const char* const kCategories[] = {"killed", "injured", "detained", "abducted", "tortured",
                                   "threatened"};

class HxlMapper : public Mapper {
 public:
  Status Bind(const std::vector<std::string>& header) override {
    header_ = header;
    return Status::Ok();
  }

  Result<bool> TakeHxlRow(const std::vector<std::string>& row) override {
    if (!LooksLikeHxlRow(row)) {
      return Status::Invalid("header", "an hxl-csv file needs a row of HXL hashtags "
                                       "(#date, #adm1+name, ...) under its header");
    }
    for (size_t i = 0; i < row.size(); ++i) {
      auto t = ParseTag(row[i]);
      if (!t) continue;
      const int col = static_cast<int>(i);
      auto has = [&](const char* a) { return t->attrs.count(a) > 0; };
      auto set = [&](int& slot) {
        if (slot < 0) slot = col;
      };
      if (t->name == "event" && (has("id") || has("code"))) set(key_);
      else if (t->name == "date" && has("end")) set(end_);
      else if (t->name == "date" && !has("year") && !has("reported") && !has("precision")) set(start_);
      else if (t->name == "event" && has("type") && has("sub")) set(sub_);
      else if (t->name == "event" && has("type")) set(type_);
      else if (t->name == "event" && has("name") && has("i_ar")) set(title_ar_);
      else if (t->name == "event" && has("name")) set(title_en_);
      else if (t->name == "description" && has("i_ar")) set(desc_ar_);
      else if (t->name == "description") set(desc_en_);
      else if (t->name == "adm1" && has("code")) set(adm1_code_);
      else if (t->name == "adm1") set(adm1_);
      else if (t->name == "adm2" && !has("code")) set(adm2_);
      else if (t->name == "loc") set(loc_);
      else if (t->name == "country" && has("code")) set(country_code_);
      else if (t->name == "country") set(country_);
      else if (t->name == "geo" && has("lat")) set(lat_);
      else if (t->name == "geo" && (has("lon") || has("long"))) set(lon_);
      else if (t->name == "meta" && has("source")) set(source_);
      else if (t->name == "group" && has("perpetrator")) set(perpetrators_);
      else if (t->name == "group" && has("first")) set(group1_);
      else if (t->name == "group" && has("second")) set(group2_);
      else if (t->name == "affected") {
        for (int k = 0; k < 6; ++k) {
          if (!has(kCategories[k])) continue;
          if (has("min")) set(counts_[k][0]);
          else if (has("max")) set(counts_[k][1]);
          else if (has("best")) set(counts_[k][2]);
          else set(counts_[k][3]);
        }
      }
    }
    std::string missing;
    if (start_ < 0) missing += " #date (or #date+start)";
    if (type_ < 0) missing += " #event+type";
    if (adm1_ < 0 && adm1_code_ < 0 && adm2_ < 0 && loc_ < 0 && country_ < 0) {
      missing += " a place (#adm1+name, #adm1+code, #adm2+name, #loc+name or #country+name)";
    }
    if (!missing.empty()) {
      return Status::Invalid("header", "the HXL row lacks the tags:" + missing);
    }
    return true;
  }

  std::string DefaultDataset() const override { return "hxl-csv"; }

  MapResult Map(const std::vector<std::string>& row) const override {
    MapResult r;
    auto name = [&](int col) {
      return col >= 0 && static_cast<size_t>(col) < header_.size() && !header_[col].empty()
                 ? header_[col]
                 : "column " + std::to_string(col + 1);
    };
    auto fail = [&](int col, std::string reason) {
      r.error = {col >= 0 ? name(col) : "", Clip(Cell(row, col), 200), std::move(reason)};
      return r;
    };
    MappedRow m;
    m.key = Cell(row, key_);
    if (Cell(row, start_).empty()) return fail(start_, "the date is missing");
    auto start = NormaliseDate(Cell(row, start_));
    if (!start) return fail(start_, "is not a date that exists");
    auto end = Cell(row, end_).empty() ? start : NormaliseDate(Cell(row, end_));
    if (!end) return fail(end_, "is not a date that exists");
    if (*end < *start) return fail(end_, "the end date is before the start date");
    m.incident["start_date"] = *start;
    m.incident["end_date"] = *end;
    m.origin["incident.start_date"] = name(start_);
    m.origin["incident.end_date"] = name(end_ >= 0 ? end_ : start_);

    const std::string type = SnakeLabel(Cell(row, type_));
    const model::EventType* found = nullptr;
    for (const model::EventType& et : model::EventTypes()) {
      if (et.type == type) found = &et;
    }
    if (found == nullptr) {
      return fail(type_, type.empty() ? "the event type is missing" : "is not an event type");
    }
    m.incident["event_type"] = type;
    if (const std::string sub = SnakeLabel(Cell(row, sub_)); !sub.empty()) {
      bool ok = false;
      for (std::string_view s : found->sub_types) ok = ok || s == sub;
      if (!ok) return fail(sub_, "is not a sub-event type of " + type);
      m.incident["sub_event_type"] = sub;
    }
    m.adm1 = Cell(row, adm1_);
    m.adm1_code = Cell(row, adm1_code_);
    m.adm2 = Cell(row, adm2_);
    m.location = Cell(row, loc_);
    m.country = Cell(row, country_);
    m.country_code = Cell(row, country_code_);
    if (m.adm1.empty() && m.adm1_code.empty() && m.adm2.empty() && m.location.empty() &&
        m.country.empty()) {
      return fail(adm1_ >= 0 ? adm1_ : loc_, "the place is missing");
    }
    m.origin["place.adm1"] = name(adm1_ >= 0 ? adm1_ : adm1_code_);
    if (int bad = MapPoint(Cell(row, lat_), Cell(row, lon_), nullptr, m.incident)) {
      return fail(bad == 1 ? lat_ : lon_, bad == 1 ? "is not a latitude" : "is not a longitude");
    }
    for (int k = 0; k < 6; ++k) {
      std::optional<int64_t> v[4];
      for (int j = 0; j < 4; ++j) {
        if (auto e = ParseCount(Cell(row, counts_[k][j]), v[j])) return fail(counts_[k][j], *e);
      }
      std::optional<int64_t> lo = v[0] ? v[0] : v[3] ? v[3] : v[2];
      std::optional<int64_t> hi = v[1] ? v[1] : v[3] ? v[3] : v[2];
      if (!lo && !hi) continue;
      if (!lo) return fail(counts_[k][0], std::string("the minimum ") + kCategories[k] + " is missing");
      if (hi && *lo > *hi) {
        return fail(counts_[k][0], std::string("the minimum ") + kCategories[k] +
                                       " is greater than the maximum");
      }
      // A minimum with no maximum is open-ended ("more than 260").
      if (v[2] && (*v[2] < *lo || (hi && *v[2] > *hi))) {
        return fail(counts_[k][2], "the best estimate is not between the minimum and maximum");
      }
      m.claims.push_back({kCategories[k], *lo, hi, v[2]});
      m.origin["claim.count_min"] = name(counts_[k][0] >= 0 ? counts_[k][0] : counts_[k][3]);
    }
    auto split = [](const std::string& s) {
      std::vector<std::string> out;
      std::string part;
      std::istringstream in(s);
      while (std::getline(in, part, ';')) {
        size_t b = part.find_first_not_of(' ');
        size_t e = part.find_last_not_of(' ');
        if (b != std::string::npos) out.push_back(part.substr(b, e - b + 1));
      }
      return out;
    };
    for (const std::string& p : split(Cell(row, perpetrators_))) {
      m.actors.push_back({p, "external_other", "perpetrator"});
    }
    if (!Cell(row, group1_).empty()) m.actors.push_back({Cell(row, group1_), "external_other", "other"});
    if (!Cell(row, group2_).empty()) m.actors.push_back({Cell(row, group2_), "external_other", "other"});
    if (!Cell(row, title_en_).empty()) m.incident["title_en"] = Cell(row, title_en_);
    if (!Cell(row, title_ar_).empty()) m.incident["title_ar"] = Cell(row, title_ar_);
    if (!m.incident.contains("title_en") && !m.incident.contains("title_ar")) {
      m.incident["title_en"] = Clip(Cell(row, type_) + (m.location.empty() ? m.adm1 : m.location), 500);
    }
    m.origin["incident.title_en"] = name(title_en_);
    m.origin["incident.title_ar"] = name(title_ar_);
    if (!Cell(row, desc_en_).empty()) m.incident["description_en"] = Cell(row, desc_en_);
    if (!Cell(row, desc_ar_).empty()) m.incident["description_ar"] = Cell(row, desc_ar_);
    m.origin["incident.description_en"] = name(desc_en_);
    m.origin["incident.description_ar"] = name(desc_ar_);
    if (!m.claims.empty()) {
      MappedSource src;
      src.title = Cell(row, source_).empty() ? "HXL import" : Cell(row, source_);
      m.source = std::move(src);
      m.origin["source.title"] = name(source_);
    }
    r.row = std::move(m);
    return r;
  }

 private:
  std::vector<std::string> header_;
  int key_ = -1, start_ = -1, end_ = -1, type_ = -1, sub_ = -1, title_en_ = -1, title_ar_ = -1,
      desc_en_ = -1, desc_ar_ = -1, adm1_ = -1, adm1_code_ = -1, adm2_ = -1, loc_ = -1,
      country_ = -1, country_code_ = -1, lat_ = -1, lon_ = -1, source_ = -1,
      perpetrators_ = -1, group1_ = -1, group2_ = -1;
  int counts_[6][4] = {{-1, -1, -1, -1}, {-1, -1, -1, -1}, {-1, -1, -1, -1},
                       {-1, -1, -1, -1}, {-1, -1, -1, -1}, {-1, -1, -1, -1}};
};

}  // namespace

std::unique_ptr<Mapper> NewHxlMapper() { return std::make_unique<HxlMapper>(); }

}  // namespace dalil::importer
