#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "store/sqlite/db.h"

namespace dalil::store {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const model::EntitySpec& E(const char* name) { return *model::FindEntityByName(name); }

class FixedClock : public Clock {
 public:
  int64_t NowSeconds() const override { return 1614297600; }  // 2021-02-26
};

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dalil_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto s = OpenSqliteStore({.path = (dir_ / "t.db").string(), .clock = &clock_});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  int64_t Dq() { return *store_->ResolvePlace("IQ-DQ"); }

  json Incident(const char* title, const char* start, const char* end, int64_t place) {
    return {{"title_en", title}, {"start_date", start}, {"end_date", end},
            {"place_id", place}, {"event_type", "protests"}};
  }

  FixedClock clock_;
  fs::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, SeedsIraqAnd18Governorates) {
  auto r = store_->List(E("place"), {.equals = {{"level", "governorate"}}, .limit = 100});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->total, 18);
  for (const auto& p : r->items) {
    EXPECT_TRUE(p["name_ar"].is_string() && !p["name_ar"].get<std::string>().empty());
    EXPECT_TRUE(p["name_en"].is_string());
    EXPECT_EQ(p["iso_code"].get<std::string>().substr(0, 3), "IQ-");
  }
  auto dq = store_->Get(E("place"), Dq());
  ASSERT_TRUE(dq.ok());
  EXPECT_EQ((*dq)["name_ar"], "ذي قار");
  EXPECT_EQ(*store_->SchemaVersion(), LatestSchemaVersion());
}

// Each seeded centroid must fall inside the geoBoundaries polygon with the
// same ISO code (real third-party data, ODbL).
bool InsideRing(const json& ring, double lon, double lat) {
  bool in = false;
  for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    double xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
    if ((yi > lat) != (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi) in = !in;
  }
  return in;
}

TEST_F(StoreTest, GovernorateCentroidsLieInTheirGeoBoundariesPolygon) {
  std::ifstream in(std::string(DALIL_SHARED_DIR) + "/data/real/geoBoundaries-IRQ-ADM1.geojson");
  ASSERT_TRUE(in) << "missing shared/data/real";
  json geo = json::parse(in);
  ASSERT_EQ(geo["features"].size(), 18u);
  int checked = 0;
  for (const auto& f : geo["features"]) {
    std::string iso = f["properties"]["shapeISO"];
    auto id = store_->ResolvePlace(iso);
    ASSERT_TRUE(id.ok()) << iso << " is not seeded";
    auto p = store_->Get(E("place"), *id);
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(f["geometry"]["type"], "Polygon");
    EXPECT_TRUE(InsideRing(f["geometry"]["coordinates"][0], (*p)["longitude"], (*p)["latitude"]))
        << iso;
    ++checked;
  }
  EXPECT_EQ(checked, 18);
}

TEST_F(StoreTest, CreateGetUpdateDelete) {
  auto c = store_->Create("alice", E("incident"), Incident("A", "2021-02-26", "2021-02-27", Dq()));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  int64_t id = (*c)["id"];
  EXPECT_EQ((*c)["version"], 1);
  EXPECT_EQ((*c)["created_by"], "alice");
  EXPECT_EQ((*c)["created_at"], "2021-02-26T00:00:00Z");
  EXPECT_EQ((*c)["review_status"], "draft");

  auto u = store_->Update("bob", E("incident"), id, {{"review_status", "verified"}, {"version", 1}});
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ((*u)["version"], 2);
  EXPECT_EQ((*u)["updated_by"], "bob");
  EXPECT_EQ((*u)["created_by"], "alice");

  // A stale version is refused: nobody overwrites a change they did not see.
  auto stale = store_->Update("carol", E("incident"), id, {{"title_en", "B"}, {"version", 1}});
  EXPECT_EQ(stale.status().code(), Code::kConflict);
  EXPECT_EQ((*store_->Get(E("incident"), id))["title_en"], "A");

  EXPECT_EQ(store_->Delete("bob", E("incident"), id, 1).code(), Code::kConflict);
  EXPECT_TRUE(store_->Delete("bob", E("incident"), id, 2).ok());
  EXPECT_EQ(store_->Get(E("incident"), id).status().code(), Code::kNotFound);
}

TEST_F(StoreTest, ReferencesMustExistAndNameTheField) {
  auto c = store_->Create("a", E("incident"), Incident("A", "2021-02-26", "2021-02-26", 9999));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(c.status().field(), "place_id");
  EXPECT_EQ(*store_->Count(E("incident")), 0);
}

TEST_F(StoreTest, DeleteOfReferencedRecordIsRefused) {
  auto c = store_->Create("a", E("incident"), Incident("A", "2021-02-26", "2021-02-26", Dq()));
  ASSERT_TRUE(c.ok());
  Status s = store_->Delete("a", E("place"), Dq(), std::nullopt);
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_NE(s.message().find("incidents"), std::string::npos) << s.message();
}

TEST_F(StoreTest, UniqueIsoCodeConflictNamesField) {
  auto c = store_->Create("a", E("place"), {{"level", "governorate"}, {"name_en", "X"},
                                            {"iso_code", "IQ-DQ"}});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kConflict);
  EXPECT_EQ(c.status().field(), "iso_code");
}

TEST_F(StoreTest, PlaceCannotBeItsOwnAncestor) {
  auto city = store_->Create("a", E("place"), {{"level", "district"}, {"name_en", "Nasiriya"},
                                               {"parent_id", Dq()}});
  ASSERT_TRUE(city.ok());
  auto u = store_->Update("a", E("place"), Dq(), {{"parent_id", (*city)["id"]}});
  EXPECT_EQ(u.status().field(), "parent_id");
}

TEST_F(StoreTest, WriteTransactionIsAllOrNothing) {
  Status s = store_->Write("a", [&](WriteTxn& txn) -> Status {
    auto ok = txn.Create(E("incident"), Incident("A", "2021-02-26", "2021-02-26", Dq()));
    if (!ok.ok()) return ok.status();
    auto bad = txn.Create(E("incident"), Incident("B", "2021-02-26", "2021-02-20", Dq()));
    return bad.status();
  });
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(*store_->Count(E("incident")), 0);
}

TEST_F(StoreTest, ListFiltersByPlaceSubtreeDateOverlapAndActor) {
  int64_t dq = Dq();
  auto city = store_->Create("a", E("place"), {{"level", "district"}, {"name_en", "Nasiriya"},
                                               {"parent_id", dq}});
  int64_t bg = *store_->ResolvePlace("IQ-BG");
  ASSERT_TRUE(city.ok());
  auto a = store_->Create("a", E("incident"), Incident("in city", "2021-02-26", "2021-02-27", (*city)["id"]));
  auto b = store_->Create("a", E("incident"), Incident("in dq", "2019-11-28", "2019-11-28", dq));
  auto c = store_->Create("a", E("incident"), Incident("in baghdad", "2019-10-25", "2019-10-26", bg));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());

  auto r = store_->List(E("incident"), {.within_place = dq});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->total, 2);

  // [2019-10-26, 2019-11-01] overlaps only the Baghdad incident (ends 10-26).
  r = store_->List(E("incident"), {.from = "2019-10-26", .to = "2019-11-01"});
  ASSERT_EQ(r->total, 1);
  EXPECT_EQ(r->items[0]["title_en"], "in baghdad");

  auto force = store_->Create("a", E("actor"), {{"kind", "state_forces"}, {"name_en", "ISF"}});
  auto unit = store_->Create("a", E("actor"), {{"kind", "state_forces"}, {"name_en", "Riot police"},
                                               {"parent_id", (*force)["id"]}});
  ASSERT_TRUE(store_->Create("a", E("involvement"), {{"incident_id", (*b)["id"]},
                                                     {"actor_id", (*unit)["id"]},
                                                     {"role", "perpetrator"}}).ok());
  r = store_->List(E("incident"), {.actor = (*force)["id"].get<int64_t>()});
  ASSERT_EQ(r->total, 1);
  EXPECT_EQ(r->items[0]["title_en"], "in dq");

  r = store_->List(E("incident"), {.sort = "start_date", .descending = true, .limit = 2});
  ASSERT_EQ(r->items.size(), 2u);
  EXPECT_EQ(r->total, 3);
  EXPECT_EQ(r->items[0]["title_en"], "in city");
  r = store_->List(E("incident"), {.sort = "start_date", .limit = 2, .offset = 2});
  ASSERT_EQ(r->items.size(), 1u);
  EXPECT_EQ(r->items[0]["title_en"], "in city");
}

TEST_F(StoreTest, ListRefusesUnsortableField) {
  auto r = store_->List(E("incident"), {.sort = "description_en"});
  EXPECT_EQ(r.status().field(), "sort");
}

TEST_F(StoreTest, SurvivesReopenAndPersistsArabic) {
  auto c = store_->Create("a", E("person"), {{"name", "محمّد علي (demo)"},
                                             {"name_variants", {"Mohammed Ali", "Muhammad Ali"}}});
  ASSERT_TRUE(c.ok());
  store_.reset();
  auto s = OpenSqliteStore({.path = (dir_ / "t.db").string(), .create = false});
  ASSERT_TRUE(s.ok());
  auto p = (*s)->Get(E("person"), (*c)["id"]);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)["name"], "محمّد علي (demo)");
  EXPECT_EQ((*p)["name_variants"][1], "Muhammad Ali");
}

TEST_F(StoreTest, RefusesNewerSchema) {
  store_.reset();
  {
    auto db = sqlite::Database::Open((dir_ / "t.db").string(), false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("PRAGMA user_version = 999").ok());
  }
  auto s = OpenSqliteStore({.path = (dir_ / "t.db").string(), .create = false});
  EXPECT_EQ(s.status().code(), Code::kCorruption);
}

TEST_F(StoreTest, RefusesFileThatIsNotADatabase) {
  store_.reset();
  {
    std::ofstream out(dir_ / "junk.db");
    out << std::string(8192, 'x');
  }
  auto s = OpenSqliteStore({.path = (dir_ / "junk.db").string(), .create = false});
  EXPECT_FALSE(s.ok());
}

TEST_F(StoreTest, ConcurrentReadersAndWriters) {
  int64_t dq = Dq();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if (t % 2 == 0) {
          if (!store_->Create("w", E("incident"), Incident("x", "2021-02-26", "2021-02-26", dq)).ok()) ++failures;
        } else if (!store_->List(E("incident"), {}).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*store_->Count(E("incident")), 50);
}

}  // namespace
}  // namespace dalil::store
