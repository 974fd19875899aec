#include "model/validate.h"

#include <gtest/gtest.h>

namespace dalil::model {
namespace {

using nlohmann::json;

const EntitySpec& Incident() { return *FindEntityByName("incident"); }

json GoodIncident() {
  return {{"title_en", "Shooting at Al-Haboubi Square"},
          {"start_date", "2021-02-26"},
          {"end_date", "2021-02-27"},
          {"place_id", 13},
          {"event_type", "protests"},
          {"sub_event_type", "excessive_force_against_protesters"}};
}

TEST(ValidateTest, AcceptsGoodIncidentAndFillsDefaults) {
  auto r = ValidateCreate(Incident(), GoodIncident());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["review_status"], "draft");
  EXPECT_EQ((*r)["date_precision"], "day");
  EXPECT_TRUE((*r)["tags"].is_null());
}

TEST(ValidateTest, EndDateDefaultsToStart) {
  json b = GoodIncident();
  b.erase("end_date");
  auto r = ValidateCreate(Incident(), b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["end_date"], "2021-02-26");
}

struct BadCase {
  const char* name;
  json patch;          // merged into a good incident
  const char* field;   // the field the error must name
};

TEST(ValidateTest, RejectsEachKindOfBadInputNamingTheField) {
  const BadCase cases[] = {
      {"unknown field", {{"colour", "red"}}, "colour"},
      {"system field", {{"id", 5}}, "id"},
      {"wrong type", {{"place_id", "13"}}, "place_id"},
      {"float id", {{"place_id", 13.5}}, "place_id"},
      {"date that does not exist", {{"start_date", "2021-02-30"}}, "start_date"},
      {"end before start", {{"end_date", "2021-02-25"}}, "end_date"},
      {"bad enum", {{"event_type", "picnic"}}, "event_type"},
      {"sub type of other type", {{"sub_event_type", "arrests"}}, "sub_event_type"},
      {"lat without lon", {{"latitude", 31.0}}, "longitude"},
      {"lat out of range", {{"latitude", 91.0}, {"longitude", 46.0}}, "latitude"},
      {"geo precision", {{"geo_precision", 4}}, "geo_precision"},
      {"no title", {{"title_en", nullptr}}, "title_en"},
      {"required null", {{"event_type", nullptr}}, "event_type"},
      {"tags not list", {{"tags", "x"}}, "tags"},
      {"tag not string", {{"tags", {1}}}, "tags[0]"},
      {"invalid utf8", {{"title_ar", std::string("\xC3\x28")}}, "title_ar"},
  };
  for (const auto& c : cases) {
    json body = GoodIncident();
    for (auto& [k, v] : c.patch.items()) body[k] = v;
    auto r = ValidateCreate(Incident(), body);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << c.name;
    EXPECT_EQ(r.status().field(), c.field) << c.name << ": " << r.status().ToString();
  }
}

TEST(ValidateTest, MissingRequiredField) {
  json body = GoodIncident();
  body.erase("start_date");
  auto r = ValidateCreate(Incident(), body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "start_date");
  EXPECT_FALSE(ValidateCreate(Incident(), json::array()).ok());
}

TEST(ValidateTest, ClaimRanges) {
  const EntitySpec& claim = *FindEntityByName("claim");
  json base = {{"incident_id", 1}, {"source_id", 1}, {"category", "injured"},
               {"count_min", 261}};
  EXPECT_TRUE(ValidateCreate(claim, base).ok());  // "more than 260": open max
  json bad = base;
  bad["count_max"] = 200;
  EXPECT_EQ(ValidateCreate(claim, bad).status().field(), "count_max");
  bad = base;
  bad["count_min"] = -1;
  EXPECT_EQ(ValidateCreate(claim, bad).status().field(), "count_min");
  bad = base;
  bad["count_max"] = 300;
  bad["count_best"] = 100;
  EXPECT_EQ(ValidateCreate(claim, bad).status().field(), "count_best");
}

TEST(ValidateTest, ReadOnlyFieldsOnlyForServer) {
  const EntitySpec& ev = *FindEntityByName("evidence");
  json body = {{"sha256", std::string(64, 'a')}, {"size", 3}};
  EXPECT_EQ(ValidateCreate(ev, body).status().field(), "sha256");
  EXPECT_TRUE(ValidateCreate(ev, body, Writer::kServer).ok());
}

TEST(ValidateTest, PatchMergesAndClears) {
  auto rec = ValidateCreate(Incident(), GoodIncident());
  ASSERT_TRUE(rec.ok());
  auto p = ValidatePatch(Incident(), *rec, {{"review_status", "verified"},
                                            {"sub_event_type", nullptr},
                                            {"version", 1}});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)["review_status"], "verified");
  EXPECT_TRUE((*p)["sub_event_type"].is_null());
  EXPECT_EQ((*p)["title_en"], "Shooting at Al-Haboubi Square");
  EXPECT_EQ(ValidatePatch(Incident(), *rec, {{"end_date", "2020-01-01"}}).status().field(),
            "end_date");
}

TEST(SchemaTest, EveryReferenceNamesAnEarlierOrSameEntity) {
  std::vector<std::string_view> seen;
  for (const EntitySpec* e : AllEntities()) {
    seen.push_back(e->name);
    for (const Field& f : e->fields) {
      if (f.type != FieldType::kRef) continue;
      EXPECT_NE(std::find(seen.begin(), seen.end(), f.ref), seen.end())
          << e->name << "." << f.name << " refers to " << f.ref;
    }
  }
}

TEST(SchemaTest, SensitiveFieldsAreFewAndNamed) {
  std::vector<std::string> sensitive;
  for (const EntitySpec* e : AllEntities()) {
    for (const Field& f : e->fields) {
      if (f.sensitive) sensitive.push_back(std::string(e->name) + "." + std::string(f.name));
    }
  }
  EXPECT_EQ(sensitive, (std::vector<std::string>{"source.witness_identity", "person.name",
                                                 "person.name_variants", "person.contact",
                                                 "person.home_location", "person.affiliation",
                                                 "involvement.perpetrator_names"}));
}

}  // namespace
}  // namespace dalil::model
