#include "importer/mapping.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "importer/csv_reader.h"
#include "importer/places.h"

namespace dalil::importer {
namespace {

const std::string kUcdp = std::string(DALIL_SHARED_DIR) + "/data/real/ucdp_ged_iraq_1989-2018_hdx.csv";

TEST(MappingTest, HelpersParseWhatDatasetsWrite) {
  EXPECT_EQ(NormaliseDate("2021-02-26").value_or(""), "2021-02-26");
  EXPECT_EQ(NormaliseDate("26 February 2021").value_or(""), "2021-02-26");
  EXPECT_EQ(NormaliseDate("26-Feb-2021").value_or(""), "2021-02-26");
  EXPECT_EQ(NormaliseDate("22 October 2019").value_or(""), "2019-10-22");  // ISO-length prefix
  EXPECT_EQ(NormaliseDate("2021/02/26").value_or(""), "2021-02-26");
  EXPECT_EQ(NormaliseDate("2014-01-24 00:00:00.000").value_or(""), "2014-01-24");
  EXPECT_FALSE(NormaliseDate("2021-02-30"));
  EXPECT_FALSE(NormaliseDate("31 June 2021"));
  EXPECT_FALSE(NormaliseDate("yesterday"));
  std::optional<int64_t> n;
  EXPECT_FALSE(ParseCount("12", n));
  EXPECT_EQ(n.value_or(-1), 12);
  EXPECT_FALSE(ParseCount("7.0", n));
  EXPECT_EQ(n.value_or(-1), 7);
  EXPECT_FALSE(ParseCount("", n));
  EXPECT_FALSE(n);
  EXPECT_TRUE(ParseCount("dozens", n));
  EXPECT_TRUE(ParseCount("-3", n));
  EXPECT_TRUE(ParseCount("99999999999999999999", n));
  EXPECT_EQ(SnakeLabel("Excessive force against protesters"), "excessive_force_against_protesters");
  EXPECT_EQ(SnakeLabel("Explosions/Remote violence"), "explosions_remote_violence");
  EXPECT_TRUE(LooksLikeHxlRow({"", "#date", " #adm1+name"}));
  EXPECT_FALSE(LooksLikeHxlRow({"", "", ""}));
  EXPECT_FALSE(LooksLikeHxlRow({"#date", "2021"}));
}

// The real UCDP file: header, HXL row, and the first event.
TEST(MappingTest, UcdpMapsTheRealFile) {
  std::ifstream in(kUcdp, std::ios::binary);
  ASSERT_TRUE(in) << kUcdp;
  CsvReader reader(in);
  CsvRecord header, hxl, row;
  ASSERT_TRUE(reader.Next(header) && reader.Next(hxl) && reader.Next(row));
  auto m = NewMapper("ucdp-ged");
  ASSERT_TRUE(m->Bind(header.fields).ok());
  EXPECT_TRUE(*m->TakeHxlRow(hxl.fields));
  MapResult r = m->Map(row.fields);
  ASSERT_TRUE(r.row) << r.error.reason;
  EXPECT_EQ(r.row->key, "114064");
  EXPECT_EQ(r.row->incident["start_date"], "2014-01-24");
  EXPECT_EQ(r.row->incident["end_date"], "2014-01-25");
  EXPECT_EQ(r.row->incident["event_type"], "battles");
  EXPECT_EQ(r.row->adm1, "Al Anbār province");
  ASSERT_EQ(r.row->claims.size(), 1u);
  EXPECT_EQ(r.row->claims[0].min, 8);
  EXPECT_EQ(r.row->claims[0].max.value_or(-1), 8);
  EXPECT_EQ(r.row->claims[0].best.value_or(-1), 8);
  ASSERT_EQ(r.row->actors.size(), 2u);
  EXPECT_EQ(r.row->actors[0].kind, "state_forces");
  EXPECT_EQ(r.row->source->title, "Iraq violence kills 14 as January toll tops 800");
  // A bad count names its column and value.
  row.fields[static_cast<size_t>(43)] = "many";
  r = m->Map(row.fields);
  ASSERT_FALSE(r.row);
  EXPECT_EQ(r.error.column, "best");
  EXPECT_EQ(r.error.value, "many");
  // A file of another format is refused by its header.
  EXPECT_FALSE(NewMapper("acled")->Bind(header.fields).ok());
}

std::vector<std::string> Split(const std::string& line) {
  std::istringstream in(line);
  CsvReader reader(in);
  CsvRecord r;
  reader.Next(r);
  return r.fields;
}

TEST(MappingTest, AcledRowsAndTheirProblems) {
  auto m = NewMapper("acled");
  ASSERT_TRUE(m->Bind(Split("event_id_cnty,event_date,time_precision,event_type,sub_event_type,"
                            "actor1,inter1,actor2,inter2,country,admin1,admin2,location,latitude,"
                            "longitude,geo_precision,source,notes,fatalities"))
                  .ok());
  MapResult r = m->Map(Split("IRQ1,26 February 2021,1,Protests,Excessive force against protesters,"
                             "Protesters (Iraq),Protesters,Police Forces of Iraq (2020-),1,Iraq,"
                             "Thi Qar,Al Nasiriyah,Nasiriyah,31.0439,46.2576,1,Shafaq News,"
                             "\"Security forces fired live ammunition\",5"));
  ASSERT_TRUE(r.row) << r.error.column << ": " << r.error.reason;
  EXPECT_EQ(r.row->incident["sub_event_type"], "excessive_force_against_protesters");
  EXPECT_EQ(r.row->incident["start_date"], "2021-02-26");
  ASSERT_EQ(r.row->actors.size(), 2u);
  EXPECT_EQ(r.row->actors[0].kind, "protesters");
  EXPECT_EQ(r.row->actors[0].role, "other");
  EXPECT_EQ(r.row->actors[1].kind, "state_forces");
  EXPECT_EQ(r.row->actors[1].role, "perpetrator");
  EXPECT_EQ(r.row->claims[0].min, 5);
  struct Bad {
    std::string line, column, reason;
  };
  const Bad kBad[] = {
      {"IRQ2,30 February 2021,1,Protests,,A,6,,,Iraq,Baghdad,,,,,,,,0", "event_date", "exists"},
      {"IRQ3,2021-02-26,1,Picnic,,A,6,,,Iraq,Baghdad,,,,,,,,0", "event_type", "not an ACLED event type"},
      {"IRQ4,2021-02-26,1,Protests,Armed clash,A,6,,,Iraq,Baghdad,,,,,,,,0", "sub_event_type", "not a sub-event type"},
      {"IRQ5,2021-02-26,1,Protests,,A,6,,,Iraq,Baghdad,,,,,,,,ten", "fatalities", "not a whole number"},
      {"IRQ6,2021-02-26,1,Protests,,A,9,,,Iraq,Baghdad,,,,,,,,0", "inter1", "inter code"},
      {"IRQ7,2021-02-26,1,Protests,,A,6,,,Iraq,Baghdad,,,95.5,44,,,,0", "latitude", "latitude"},
      {",2021-02-26,1,Protests,,A,6,,,Iraq,Baghdad,,,,,,,,0", "event_id_cnty", "missing"},
      {"IRQ8,2021-02-26,1,Protests,,A,6,,,Iraq,Baghdad,,,,,,,,", "fatalities", "missing"},
  };
  for (const Bad& b : kBad) {
    MapResult bad = m->Map(Split(b.line));
    ASSERT_FALSE(bad.row) << b.line;
    EXPECT_EQ(bad.error.column, b.column) << b.line;
    EXPECT_NE(bad.error.reason.find(b.reason), std::string::npos) << bad.error.reason;
  }
}

TEST(MappingTest, HxlColumnsAreFoundByTheirTags) {
  auto m = NewMapper("hxl-csv");
  ASSERT_TRUE(m->Bind(Split("When,Where,What,Dead min,Dead max,Hurt,Ref")).ok());
  EXPECT_FALSE(m->TakeHxlRow(Split("#date,#adm1+name,,,,,")).ok());  // no #event+type
  ASSERT_TRUE(*m->TakeHxlRow(Split(
      "#date,#adm1+name,#event+type,#affected+killed+min,#affected+killed+max,#affected+injured,#event+id")));
  MapResult r = m->Map(Split("2021-02-27,ذي قار,Protests,10,12,261,e1"));
  ASSERT_TRUE(r.row) << r.error.reason;
  EXPECT_EQ(r.row->key, "e1");
  EXPECT_EQ(r.row->adm1, "ذي قار");
  ASSERT_EQ(r.row->claims.size(), 2u);
  EXPECT_EQ(r.row->claims[0].category, "killed");
  EXPECT_EQ(r.row->claims[0].max.value_or(-1), 12);
  EXPECT_EQ(r.row->claims[1].category, "injured");
  EXPECT_EQ(r.row->claims[1].min, 261);
  MapResult bad = m->Map(Split("2021-02-27,Basra,Protests,12,10,,e2"));
  ASSERT_FALSE(bad.row);
  EXPECT_EQ(bad.error.column, "Dead min");
  EXPECT_NE(bad.error.reason.find("greater than the maximum"), std::string::npos);
  bad = m->Map(Split(",Basra,Protests,1,1,,e3"));
  ASSERT_FALSE(bad.row);
  EXPECT_EQ(bad.error.column, "When");
}

TEST(PlaceIndexTest, SpellingsAcrossDiacriticsArticlesAndScripts) {
  PlaceIndex index;
  index.Add(2, 1, "governorate", {"Al Anbar", "الأنبار", "Anbar"});
  index.Add(13, 1, "governorate", {"Dhi Qar", "ذي قار", "Thi Qar"});
  index.Add(9, 1, "governorate", {"Kirkuk", "At Ta'mim"});
  index.Add(50, 2, "district", {"Al Anbar"});  // same name, other level
  for (const char* name : {"Al Anbār province", "Anbar", "الأنبار", "محافظة الأنبار", "AL-ANBAR"}) {
    EXPECT_EQ(index.Find(name, "governorate", std::nullopt).value_or(-1), 2) << name;
  }
  for (const char* name : {"Thi Qar", "Dhi Qar", "Dhī Qār province", "ذي قار", "Thi-Qar governorate"}) {
    EXPECT_EQ(index.Find(name, "governorate", 1).value_or(-1), 13) << name;
  }
  EXPECT_EQ(index.Find("At-Ta'mim province", "governorate", 1).value_or(-1), 9);
  EXPECT_EQ(index.Find("Al Anbar", "district", std::nullopt).value_or(-1), 50);
  EXPECT_FALSE(index.Find("Al Anbar", "", std::nullopt));  // two places: never a guess
  EXPECT_FALSE(index.Find("Atlantis", "governorate", std::nullopt));
  EXPECT_FALSE(index.Find("Dhi Qar", "governorate", 7));  // under another parent
}

}  // namespace
}  // namespace dalil::importer
