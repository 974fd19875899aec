// Figures end to end on the demo dataset in a real SQLite store.
#include "figures/render.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "importer/bundle.h"
#include "store/sqlite/sqlite_store.h"

namespace dalil::figures {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class DemoFiguresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dalil_figures_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto s = store::OpenSqliteStore({.path = (dir_ / "d.db").string()});
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    std::ifstream in(std::string(DALIL_SOURCE_DIR) + "/data/demo/demo.json");
    std::stringstream ss;
    ss << in.rdbuf();
    store::BlobStore blobs((dir_ / "evidence").string());
    ASSERT_TRUE(importer::LoadBundle(*store_, json::parse(ss.str()), "demo", &blobs).ok());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  int64_t NasiriyaIncident() {
    auto r = store_->List(*model::FindEntityByName("incident"),
                          {.from = "2021-02-26", .to = "2021-02-26", .limit = 10});
    for (const auto& i : r->items) {
      if (i["review_status"] == "verified") return i["id"];
    }
    return 0;
  }
  fs::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(DemoFiguresTest, NasiriyaIsAtLeast10KilledMoreThan260Injured) {
  const FigureRequest req{.filter = {.within_place = *store_->ResolvePlace("IQ-DQ"),
                                     .from = "2021-02-26",
                                     .to = "2021-02-27"}};
  auto groups = ComputeFigures(*store_, req);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  ASSERT_EQ(groups->size(), 1u);
  json j = FiguresJson(*groups, {});
  const json& f = j[0]["figures"];
  EXPECT_EQ(f["killed"]["phrase"]["en"], "at least 10 killed") << j.dump(1);
  EXPECT_EQ(f["injured"]["phrase"]["en"], "more than 260 injured");
  EXPECT_EQ(f["killed"]["min"], 10);
  EXPECT_TRUE(f["killed"]["open_ended"].get<bool>());
  EXPECT_FALSE(f["killed"]["provisional"].get<bool>());
  EXPECT_EQ(f["injured"]["min"], 261);
  EXPECT_EQ(f["killed"]["incidents"], json::array({NasiriyaIncident()}));
  // Unreliable sources (30 killed; 5 killed) are not behind the figure.
  EXPECT_EQ(f["killed"]["claims"].size(), 2u);
  EXPECT_NE(f["killed"]["phrase"]["ar"].get<std::string>().find("١٠"), std::string::npos);
}

TEST_F(DemoFiguresTest, FiguresFollowEveryWrite) {
  const FigureRequest req{.filter = {.within_place = *store_->ResolvePlace("IQ-DQ"),
                                     .from = "2021-02-26",
                                     .to = "2021-02-27"}};
  auto before = ComputeFigures(*store_, req);
  ASSERT_TRUE(before.ok());
  // Reject the incident: it no longer counts at all.
  const auto& incidents = *model::FindEntityByName("incident");
  ASSERT_TRUE(store_->Update("user:1", incidents, NasiriyaIncident(), {{"review_status", "disputed"}}).ok());
  auto after = ComputeFigures(*store_, req);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty() || (*after)[0].figures.empty());
}

TEST_F(DemoFiguresTest, GroupingsAndFormats) {
  for (const char* by : {"governorate", "district", "week", "month", "actor", "type"}) {
    FigureRequest req;
    req.by = *ParseGroupBy(by);
    auto groups = ComputeFigures(*store_, req);
    ASSERT_TRUE(groups.ok()) << by;
    EXPECT_FALSE(groups->empty()) << by;
    EXPECT_FALSE(FiguresCsv(*groups, {}).empty());
    EXPECT_FALSE(FiguresTable(*groups, {}).empty());
  }
  FigureRequest req;
  req.by = GroupBy::kGovernorate;
  auto groups = ComputeFigures(*store_, req);
  bool dq = false;
  for (const auto& g : *groups) dq = dq || (g.key == "IQ-DQ" && g.name_ar == "ذي قار");
  EXPECT_TRUE(dq);
  std::string csv = FiguresCsv(*groups, {});
  EXPECT_EQ(csv.rfind("group,category,min,max", 0), 0u);
  EXPECT_NE(csv.find("IQ-DQ,killed,"), std::string::npos);
}

}  // namespace
}  // namespace dalil::figures
