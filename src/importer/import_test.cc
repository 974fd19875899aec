// The import pipeline and exports against a real SQLite store in a
// temporary directory.
#include "importer/import.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "figures/query.h"
#include "importer/bundle.h"
#include "importer/export.h"
#include "store/sqlite/db.h"
#include "store/sqlite/sqlite_store.h"

namespace dalil::importer {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const model::EntitySpec& Spec(const char* name) { return *model::FindEntityByName(name); }

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dalil_import_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store_ = Open("a.db");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<store::Store> Open(const std::string& name) {
    auto s = store::OpenSqliteStore({.path = (dir_ / name).string()});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(s).value();
  }

  Result<ImportSummary> Import(store::Store& store, const std::string& text,
                               const std::string& format, bool dry_run = false,
                               const std::string& dataset = "") {
    std::istringstream in(text);
    ImportOptions opts;
    opts.format = format;
    opts.dataset = dataset;
    opts.file_name = "test.csv";
    opts.dry_run = dry_run;
    opts.batch_rows = 2;  // several batches even in small files
    return ImportFile(store, in, opts);
  }

  std::string PlaceCode(int64_t incident) {
    auto inc = store_->Get(Spec("incident"), incident);
    auto place = store_->Get(Spec("place"), (*inc)["place_id"].get<int64_t>());
    return (*place)["iso_code"].is_string() ? (*place)["iso_code"].get<std::string>() : "";
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
};

const char kAcledHeader[] =
    "event_id_cnty,event_date,time_precision,event_type,sub_event_type,actor1,inter1,actor2,"
    "inter2,country,admin1,admin2,location,latitude,longitude,geo_precision,source,notes,"
    "fatalities\n";

std::string AcledFile(const std::string& fatalities_of_irq1 = "5") {
  return std::string(kAcledHeader) +
         "IRQ1,2021-02-26,1,Protests,Excessive force against protesters,Protesters (Iraq),6,"
         "Police Forces of Iraq,1,Iraq,Thi Qar,,Nasiriyah,31.04,46.25,1,Shafaq News,"
         "\"Live fire, many hurt\"," + fatalities_of_irq1 + "\n"
         "IRQ2,27 February 2021,1,Protests,Peaceful protest,Protesters (Iraq),6,,,Iraq,ذي قار,,"
         "الناصرية,,,,Al Sumaria,,0\n"
         "IRQ3,2021-03-01,2,Violence against civilians,Attack,Unidentified Armed Group (Iraq),3,"
         "Civilians (Iraq),7,Iraq,Al Anbār province,,Ramadi,,,,Rudaw,,1\n"
         "IRQ4,2021-03-02,1,Riots,Mob violence,Rioters (Iraq),5,,,Iraq,Atlantis,,,,,,NINA,,0\n";
}

TEST_F(ImportTest, AcledImportMatchesPlacesAndIsIdempotent) {
  auto s = Import(*store_, AcledFile(), "acled");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->counts.rows, 4);
  EXPECT_EQ(s->counts.imported, 4);
  EXPECT_EQ(s->counts.rejected, 0);
  EXPECT_EQ(s->counts.flagged, 1);  // Atlantis
  auto incidents = store_->List(Spec("incident"), {.limit = 10});
  ASSERT_EQ(incidents->total, 4);
  EXPECT_EQ(PlaceCode(incidents->items[0]["id"].get<int64_t>()), "IQ-DQ");  // Thi Qar
  EXPECT_EQ(PlaceCode(incidents->items[1]["id"].get<int64_t>()), "IQ-DQ");  // ذي قار
  EXPECT_EQ(PlaceCode(incidents->items[2]["id"].get<int64_t>()), "IQ-AN");  // Al Anbār province
  EXPECT_EQ(incidents->items[0]["review_status"], "in_review");
  auto report = store_->LoadImportReport(s->run_id);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->flags.size(), 1u);
  EXPECT_EQ(report->flags[0].line, 5);
  EXPECT_NE(report->flags[0].reason.find("Atlantis"), std::string::npos);
  EXPECT_EQ(report->run.status, "completed");
  EXPECT_EQ(report->run.file_sha256.size(), 64u);

  const uint64_t leaves = *store_->LedgerSize();
  auto again = Import(*store_, AcledFile(), "acled");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->counts.unchanged, 4);
  EXPECT_EQ(again->counts.imported + again->counts.updated + again->counts.rejected, 0);
  EXPECT_EQ(*store_->LedgerSize(), leaves);  // nothing new was written
  EXPECT_EQ(store_->List(Spec("place"), {.limit = 100})->total, 20);  // 19 seeded + Atlantis
}

// A database from before migration 12 (import_rows a WITHOUT ROWID table
// keyed by dataset and event id) keeps every import key when it upgrades:
// the same file again is all unchanged, and writes nothing.
TEST_F(ImportTest, ImportKeysSurviveTheUpgradeToRowidImportRows) {
  auto s = Import(*store_, AcledFile(), "acled");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const uint64_t leaves = *store_->LedgerSize();
  store_.reset();
  {
    auto db = sqlite::Database::Open((dir_ / "a.db").string(), false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec(R"(
      CREATE TABLE old_rows (
        dataset TEXT NOT NULL, event_key TEXT NOT NULL,
        incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        row_hash TEXT NOT NULL, records TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES import_runs(id), line INTEGER NOT NULL,
        PRIMARY KEY (dataset, event_key)) WITHOUT ROWID;
      INSERT INTO old_rows SELECT dataset, event_key, incident_id, row_hash, records, run_id, line
        FROM import_rows;
      DROP TABLE import_rows;
      ALTER TABLE old_rows RENAME TO import_rows;
      CREATE INDEX import_rows_incident ON import_rows(incident_id);
      PRAGMA user_version = 11;)").ok());
  }
  store_ = Open("a.db");
  ASSERT_EQ(*store_->SchemaVersion(), store::LatestSchemaVersion());
  auto again = Import(*store_, AcledFile(), "acled");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->counts.unchanged, 4);
  EXPECT_EQ(again->counts.imported + again->counts.updated + again->counts.rejected, 0);
  EXPECT_EQ(*store_->LedgerSize(), leaves);
}

TEST_F(ImportTest, ANewerVersionUpdatesTheChangedRowAndRecordsIt) {
  ASSERT_TRUE(Import(*store_, AcledFile("5"), "acled").ok());
  auto s = Import(*store_, AcledFile("7"), "acled");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->counts.updated, 1);
  EXPECT_EQ(s->counts.unchanged, 3);
  auto claims = store_->List(Spec("claim"), {.limit = 10});
  ASSERT_EQ(claims->total, 4);
  EXPECT_EQ(claims->items[0]["count_min"], 7);
  EXPECT_EQ(claims->items[0]["version"], 2);
  auto history = store_->History(Spec("claim"), claims->items[0]["id"].get<int64_t>());
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 2u);  // the ledger holds both versions
  EXPECT_EQ(store_->LoadImportReport(s->run_id)->changes, 1);
  EXPECT_EQ(store_->List(Spec("incident"), {})->total, 4);
}

TEST_F(ImportTest, BadRowsAreKeptWithLineColumnValueAndReason) {
  const std::string file = std::string(kAcledHeader) +
      "IRQ1,2021-02-26,1,Protests,,A,6,,,Iraq,Baghdad,,,,,,S,,1\n"
      "IRQ2,2021-02-31,1,Protests,,A,6,,,Iraq,Baghdad,,,,,,S,,1\n"
      "IRQ3,2021-02-26,1,Protests,,A,6,,,Iraq,Baghdad,,,,,,S,,lots\n"
      "IRQ4,2021-02-26,1,Protests\n"
      "IRQ5,2021-02-26,1,Protests,,A,6,,,Iraq,Bagh\xff" "dad,,,,,,S,,1\n"
      "IRQ1,2021-02-26,1,Protests,,B,6,,,Iraq,Baghdad,,,,,,S,,2\n"
      "IRQ6,2021-02-26,1,Protests,,A,6,,,Iraq,Baghdad,,,,,,\"" + std::string(1200, 'T') + "\",,1\n"
      // Notes past 100,000 bytes: the mapper passes them, the model refuses
      // them (found as the reading thread prepares the records); a count
      // past a billion the mapper refuses itself.
      "IRQ7,2021-02-26,1,Protests,,A,6,,,Iraq,Baghdad,,,,,,S," + std::string(100001, 'N') + ",1\n"
      "IRQ8,2021-02-26,1,Protests,,A,6,,,Iraq,Baghdad,,,,,,S,,2000000000\n";
  auto s = Import(*store_, file, "acled");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->counts.rows, 9);
  EXPECT_EQ(s->counts.imported, 2);  // IRQ1, and IRQ6 with its long source title kept whole
  EXPECT_EQ(s->counts.rejected, 7);
  auto report = store_->LoadImportReport(s->run_id);
  ASSERT_EQ(report->rejects.size(), 7u);
  const struct {
    int64_t line;
    const char* column;
    const char* value;
    const char* reason;
  } kWant[] = {
      {3, "event_date", "2021-02-31", "not a date that exists"},
      {4, "fatalities", "lots", "not a whole number"},
      {5, "", "", "the row has 4 columns, the header 19"},
      {6, "admin1", "hex:", "not valid UTF-8"},
      {7, "", "IRQ1", "appears twice in the file (first on line 2)"},
      {9, "notes", "NNNN", "incident description_en: "},
      {10, "fatalities", "2000000000", "too large"},
  };
  for (size_t i = 0; i < 7; ++i) {
    const auto& r = report->rejects[i];
    EXPECT_EQ(r.line, kWant[i].line);
    EXPECT_EQ(r.column, kWant[i].column) << r.line;
    EXPECT_EQ(r.value.rfind(kWant[i].value, 0), 0u) << r.line << " " << r.value;
    EXPECT_NE(r.reason.find(kWant[i].reason), std::string::npos) << r.reason;
  }
  auto sources = store_->List(Spec("source"), {.limit = 10});
  bool whole = false;
  for (const json& src : sources->items) {
    whole = whole || (src["notes"].is_string() &&
                      src["notes"].get<std::string>().find(std::string(1200, 'T')) != std::string::npos);
  }
  EXPECT_TRUE(whole);
}

TEST_F(ImportTest, DryRunWritesNothingAndFileErrorsAreClear) {
  const uint64_t leaves = *store_->LedgerSize();
  // The last row is refused by the model (an actor name longer than 300
  // bytes), so its batch is retried row by row: still nothing is written.
  const std::string file = AcledFile() + "IRQ9,2021-03-02,1,Riots,Mob violence," +
                           std::string(400, 'R') + ",5,,,Iraq,Basra,,,,,,NINA,,0\n";
  auto s = Import(*store_, file, "acled", /*dry_run=*/true);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->counts.imported, 4);
  EXPECT_EQ(s->counts.rejected, 1);
  ASSERT_EQ(s->rejects.size(), 1u);
  EXPECT_EQ(s->rejects[0].line, 6);
  EXPECT_NE(s->rejects[0].reason.find("actor name_en"), std::string::npos) << s->rejects[0].reason;
  EXPECT_EQ(*store_->LedgerSize(), leaves);
  EXPECT_EQ(store_->List(Spec("incident"), {})->total, 0);

  auto empty = Import(*store_, "", "acled");
  EXPECT_EQ(empty.status().code(), Code::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("empty"), std::string::npos);
  auto other = Import(*store_, "a,b,c\n1,2,3\n", "ucdp-ged");
  EXPECT_NE(other.status().message().find("required columns are missing: id,"), std::string::npos);
  auto no_hxl = Import(*store_, "date,place\n2021-01-01,Basra\n", "hxl-csv");
  EXPECT_NE(no_hxl.status().message().find("HXL"), std::string::npos);
  auto utf16 = Import(*store_, std::string("\xff\xfei\0d\0", 6), "acled");
  EXPECT_EQ(utf16.status().code(), Code::kInvalidArgument);
}

// Figures of `a` and `b`, in total and by governorate, month and type, are
// the same.
void ExpectSameFigures(store::Store& a_store, store::Store& b_store) {
  for (const char* by : {"", "governorate", "month", "type"}) {
    std::vector<std::pair<std::string, std::string>> params;
    if (*by) params.emplace_back("by", by);
    auto ra = figures::ParseFigureRequest(a_store, params, {});
    auto rb = figures::ParseFigureRequest(b_store, params, {});
    auto a = figures::ComputeFigures(a_store, *ra);
    auto b = figures::ComputeFigures(b_store, *rb);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size()) << by;
    ASSERT_FALSE(a->empty());
    for (size_t i = 0; i < a->size(); ++i) {
      EXPECT_EQ((*a)[i].key, (*b)[i].key);
      for (const auto& [cat, fig] : (*a)[i].figures) {
        ASSERT_TRUE((*b)[i].figures.contains(cat)) << by << " " << (*a)[i].key;
        const auto& other = (*b)[i].figures.at(cat);
        EXPECT_EQ(fig.min, other.min) << by << " " << (*a)[i].key;
        EXPECT_EQ(fig.max, other.max) << by << " " << (*a)[i].key;
        EXPECT_EQ(fig.provisional, other.provisional);
        EXPECT_EQ(fig.incidents.total, other.incidents.total);
      }
    }
  }
}

// dalil-json: export -> import into a fresh database -> identical figures;
// nothing sensitive leaves.
TEST_F(ImportTest, JsonExportRoundTripsFiguresWithoutNames) {
  std::ifstream demo(std::string(DALIL_SOURCE_DIR) + "/data/demo/demo.json");
  ASSERT_TRUE(demo);
  json bundle = json::parse(demo);
  store::BlobStore blobs((dir_ / "blobs").string());
  ASSERT_TRUE(LoadBundle(*store_, bundle, "demo", &blobs).ok());
  auto persons = store_->List(Spec("person"), {.limit = 500});
  ASSERT_GT(persons->total, 0);

  auto req = ParseExportRequest(*store_, {{"format", "json"}, {"all_statuses", "true"}}, true);
  ASSERT_TRUE(req.ok());
  std::ostringstream out;
  ASSERT_TRUE(WriteExport(*store_, *req, out).ok());
  const std::string text = out.str();
  for (const json& p : persons->items) {
    EXPECT_EQ(text.find(p["name"].get<std::string>()), std::string::npos) << "a name leaked";
    if (p["contact"].is_string()) {
      EXPECT_EQ(text.find(p["contact"].get<std::string>()), std::string::npos);
    }
  }
  EXPECT_EQ(json::parse(text)["persons"].size(), static_cast<size_t>(persons->total));

  auto fresh = Open("b.db");
  std::istringstream in(text);
  ImportOptions opts;  // (assigned, not designated: g++ 12 -O2 misreads the latter)
  opts.format = "dalil-json";
  opts.file_name = "export.json";
  auto s = ImportFile(*fresh, in, opts, &blobs);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_GT(s->counts.imported, 0);
  ExpectSameFigures(*store_, *fresh);
  // The same file again changes nothing.
  std::istringstream again(text);
  const uint64_t leaves = *fresh->LedgerSize();
  auto s2 = ImportFile(*fresh, again, opts, &blobs);
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(s2->counts.imported, 0);
  EXPECT_EQ(*fresh->LedgerSize(), leaves);
}

// A later export of the same database, with one record changed, one field
// cleared and two records added, imported over the first: only the delta is
// written (one ledger leaf per record created or updated), the change is
// listed, nothing is duplicated and the figures equal the source's.
TEST_F(ImportTest, JsonReimportOfALaterExportWritesOnlyTheDelta) {
  std::ifstream demo(std::string(DALIL_SOURCE_DIR) + "/data/demo/demo.json");
  ASSERT_TRUE(demo);
  store::BlobStore blobs((dir_ / "blobs").string());
  ASSERT_TRUE(LoadBundle(*store_, json::parse(demo), "demo", &blobs).ok());
  auto export_all = [&] {
    auto req = ParseExportRequest(*store_, {{"format", "json"}, {"all_statuses", "true"}}, true);
    EXPECT_TRUE(req.ok());
    std::ostringstream out;
    EXPECT_TRUE(WriteExport(*store_, *req, out).ok());
    return out.str();
  };
  auto import = [&](store::Store& into, const std::string& text) {
    std::istringstream in(text);
    ImportOptions opts;  // (assigned, not designated: g++ 12 -O2 misreads the latter)
  opts.format = "dalil-json";
  opts.file_name = "export.json";
    return ImportFile(into, in, opts, &blobs);
  };
  auto fresh = Open("b.db");
  auto first = import(*fresh, export_all());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const int64_t records = first->counts.rows;

  // In the source: a verified claim counts more and loses its quote; a new
  // verified incident with a claim appears.
  auto claims = store_->List(Spec("claim"), {.limit = 500});
  json changed;
  for (const json& c : claims->items) {
    auto inc = store_->Get(Spec("incident"), c["incident_id"].get<int64_t>());
    if ((*inc)["review_status"] == "verified" && c["quote"].is_string()) {
      changed = c;
      break;
    }
  }
  ASSERT_TRUE(changed.is_object());
  const int64_t changed_id = changed["id"].get<int64_t>();
  ASSERT_TRUE(store_->Write("editor", [&](store::WriteTxn& txn) -> Status {
    auto u = txn.Update(Spec("claim"), changed_id,
                        {{"count_min", changed["count_min"].get<int64_t>() + 3},
                         {"count_max", nullptr}, {"count_best", nullptr},
                         {"quote", nullptr}});
    return u.status();
  }).ok());
  auto inc = store_->Get(Spec("incident"), changed["incident_id"].get<int64_t>());
  const json added = {
      {"incidents", {{{"$key", "new"}, {"title_en", "A later incident"},
                      {"start_date", "2020-01-20"}, {"end_date", "2020-01-20"},
                      {"date_precision", "day"}, {"place_id", (*inc)["place_id"]},
                      {"event_type", "protests"},
                      {"sub_event_type", "excessive_force_against_protesters"},
                      {"review_status", "verified"}}}},
      {"claims", {{{"incident_id", "$new"}, {"source_id", changed["source_id"]},
                   {"category", "killed"}, {"count_min", 2}, {"count_max", 2}}}}};
  ASSERT_TRUE(LoadBundle(*store_, added, "editor").ok());

  const uint64_t leaves = *fresh->LedgerSize();
  std::map<std::string, int64_t> totals;
  for (const char* entity : {"incident", "claim", "source", "place", "actor", "person",
                             "involvement", "outcome"}) {
    totals[entity] = fresh->List(Spec(entity), {.limit = 1})->total;
  }
  const std::string later = export_all();
  auto second = import(*fresh, later);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->counts.rows, records + 2);
  EXPECT_EQ(second->counts.imported, 2);
  EXPECT_EQ(second->counts.updated, 1);
  EXPECT_EQ(second->counts.unchanged, records - 1);
  EXPECT_EQ(*fresh->LedgerSize(), leaves + 3);  // two creates, one update
  EXPECT_EQ(fresh->LoadImportReport(second->run_id)->changes, 1);
  for (const auto& [entity, before] : totals) {
    const int64_t added_here = entity == "incident" || entity == "claim" ? 1 : 0;
    EXPECT_EQ(fresh->List(Spec(entity.c_str()), {.limit = 1})->total, before + added_here)
        << entity;
  }
  EXPECT_EQ(fresh->List(Spec("incident"), {.limit = 1})->total,
            store_->List(Spec("incident"), {.limit = 1})->total);
  // The changed claim is the same record, updated: its quote is gone.
  int64_t fresh_claim = 0;
  ASSERT_TRUE(fresh->Write("test", [&](store::WriteTxn& txn) -> Status {
    DALIL_ASSIGN_OR_RETURN(auto rec, txn.Imports().FindRecord(
                                         "dalil-json", "claim-" + std::to_string(changed_id)));
    if (!rec) return Status::NotFound("the claim's key");
    fresh_claim = rec->record_id;
    return Status::Ok();
  }).ok());
  auto claim = fresh->Get(Spec("claim"), fresh_claim);
  ASSERT_TRUE(claim.ok());
  EXPECT_EQ((*claim)["count_min"], changed["count_min"].get<int64_t>() + 3);
  EXPECT_TRUE((*claim)["quote"].is_null());
  EXPECT_EQ((*claim)["version"], 2);
  ExpectSameFigures(*store_, *fresh);

  // The same later file again: nothing.
  const uint64_t after = *fresh->LedgerSize();
  auto third = import(*fresh, later);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->counts.imported + third->counts.updated, 0);
  EXPECT_EQ(*fresh->LedgerSize(), after);
}

// A newer version of an ACLED file reuses the sources the older one made
// (same `source` text, same dataset) for changed and new rows alike.
TEST_F(ImportTest, ANewerAcledVersionReusesItsSources) {
  ASSERT_TRUE(Import(*store_, AcledFile("5"), "acled").ok());
  auto sources = store_->List(Spec("source"), {.limit = 100});
  ASSERT_EQ(sources->total, 4);  // Shafaq News, Al Sumaria, Rudaw, NINA
  const std::string newer = AcledFile("7") +
      "IRQ5,2021-03-05,1,Protests,Peaceful protest,Protesters (Iraq),6,,,Iraq,Basra,,,,,,"
      "Rudaw,,0\n";
  auto s = Import(*store_, newer, "acled");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->counts.imported, 1);
  EXPECT_EQ(s->counts.updated, 1);
  EXPECT_EQ(store_->List(Spec("source"), {.limit = 100})->total, 4);
  std::set<int64_t> cited;
  auto claims = store_->List(Spec("claim"), {.limit = 100});
  for (const json& c : claims->items) {
    cited.insert(c["source_id"].get<int64_t>());
  }
  std::set<int64_t> first;
  for (const json& src : sources->items) first.insert(src["id"].get<int64_t>());
  EXPECT_EQ(cited, first);
  // Another dataset's rows do not share them.
  auto other = Import(*store_, AcledFile("5"), "acled", false, "acled-mirror");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(store_->List(Spec("source"), {.limit = 100})->total, 8);
}

TEST_F(ImportTest, VerifiedOnlyExportsAndHxlRoundTrip) {
  ASSERT_TRUE(Import(*store_, AcledFile(), "acled").ok());
  ASSERT_TRUE(store_->Update("t", Spec("incident"), 1, {{"review_status", "verified"}}).ok());
  ASSERT_TRUE(store_->Update("t", Spec("incident"), 2, {{"review_status", "verified"}}).ok());
  auto req = ParseExportRequest(*store_, {{"format", "hxl"}}, false);
  ASSERT_TRUE(req.ok());
  EXPECT_FALSE(ParseExportRequest(*store_, {{"all_statuses", "true"}}, false).ok());
  EXPECT_FALSE(ParseExportRequest(*store_, {{"format", "xlsx"}}, false).ok());
  std::ostringstream out;
  ASSERT_TRUE(WriteExport(*store_, *req, out).ok());
  const std::string csv = out.str();
  EXPECT_NE(csv.find("\r\n#event+id,"), std::string::npos);
  EXPECT_NE(csv.find("الناصرية"), std::string::npos);  // Arabic intact
  EXPECT_NE(csv.find("\"Live fire, many hurt\""), std::string::npos);  // RFC 4180 quoting
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);  // header, HXL row, 2 verified

  auto fresh = Open("b.db");
  auto s = Import(*fresh, csv, "hxl-csv");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->counts.imported, 2);
  EXPECT_EQ(s->counts.rejected, 0);
  auto inc = fresh->Get(Spec("incident"), 1);
  EXPECT_EQ((*inc)["sub_event_type"], "excessive_force_against_protesters");
}

// The JSON export is written record by record in the order the loader needs:
// entities in model order, every reference to a record written before it
// (a place after its parent), so the file can be read in one pass.
TEST_F(ImportTest, JsonExportWritesEveryRecordAfterWhatItRefersTo) {
  std::ifstream demo(std::string(DALIL_SOURCE_DIR) + "/data/demo/demo.json");
  ASSERT_TRUE(demo);
  store::BlobStore blobs((dir_ / "blobs").string());
  ASSERT_TRUE(LoadBundle(*store_, json::parse(demo), "demo", &blobs).ok());
  auto req = ParseExportRequest(*store_, {{"format", "json"}, {"all_statuses", "true"}}, true);
  ASSERT_TRUE(req.ok());
  std::ostringstream out;
  ASSERT_TRUE(WriteExport(*store_, *req, out).ok());
  const nlohmann::ordered_json doc = nlohmann::ordered_json::parse(out.str());
  size_t rank = 0, lists = 0, records = 0, refs = 0;
  std::set<std::string> written;
  for (const auto& [key, value] : doc.items()) {
    if (key == "format" || key == "notice") continue;
    const model::EntitySpec* spec = model::FindEntityByPlural(key);
    ASSERT_NE(spec, nullptr) << key;
    size_t at = 0;
    while (model::AllEntities()[at] != spec) ++at;
    EXPECT_GE(at, rank) << key << " comes before an entity it may refer to";
    rank = at;
    ++lists;
    for (const auto& rec : value) {
      for (const model::Field& f : spec->fields) {
        auto v = rec.find(std::string(f.name));
        if (f.type != model::FieldType::kRef || v == rec.end()) continue;
        ++refs;
        EXPECT_TRUE(written.count(v->get<std::string>().substr(1)))
            << rec["$key"] << " refers to " << *v << " before it is written";
      }
      EXPECT_TRUE(written.insert(rec["$key"].get<std::string>()).second) << rec["$key"];
      ++records;
    }
  }
  EXPECT_GE(lists, 5u);
  EXPECT_GT(records, 30u);
  EXPECT_GT(refs, records / 2);
}

// dalil-json is read as a stream, record by record, in one transaction: a
// bad file names what is wrong and leaves nothing behind; the same file
// again writes nothing, not even a ledger leaf; a dry run writes nothing.
TEST_F(ImportTest, JsonImportStreamsAndRefusesBadFilesWholly) {
  const std::string head = R"({"format": "dalil-json/1", "notice": "n", )";
  const std::string good = head +
      R"("places": [{"$key": "place-100", "level": "district", "name_en": "Nasiriyah",)"
      R"( "parent_id": "IQ-DQ"}],)"
      R"( "sources": [{"$key": "source-1", "kind": "media_report", "reliability": "unknown",)"
      R"( "title": "Report"}],)"
      R"( "incidents": [{"$key": "incident-1", "title_en": "Protest", "start_date": "2021-02-26",)"
      R"( "place_id": "$place-100", "event_type": "protests", "tags": ["a", "b"]}],)"
      R"( "claims": [{"$key": "claim-1", "incident_id": "$incident-1", "source_id": "$source-1",)"
      R"( "category": "killed", "count_min": 10}]})";
  const uint64_t leaves = *store_->LedgerSize();
  struct Bad {
    std::string text, field, reason;
  };
  const Bad bad[] = {
      {"", "file", "empty"},
      {"[1, 2]", "format", "first member"},
      {R"({"incidents": []})", "format", "first member"},
      {R"({"format": "csv"})", "format", "dalil-json/1"},
      {head + R"("incidents": {"a": 1}})", "incidents", "array of records"},
      {head + R"("persons2": []})", "persons2", "not a kind of record"},
      {head + R"("claims": [{"incident_id": "$incident-1", "source_id": 1, "category": "killed",)"
              R"( "count_min": 1}]})", "claims[0].incident_id", "not loaded before it"},
      {good.substr(0, good.size() - 20), "file", "not valid JSON"},
      {head + "\"places\": [{\"name_en\": \"\xff\"}]}", "file", "not UTF-8"},
  };
  for (const Bad& b : bad) {
    auto r = Import(*store_, b.text, "dalil-json");
    ASSERT_FALSE(r.ok()) << b.text;
    EXPECT_NE(r.status().message().find(b.reason), std::string::npos) << r.status().ToString();
    EXPECT_EQ(r.status().field(), b.field);
    EXPECT_EQ(*store_->LedgerSize(), leaves) << "a refused file left leaves";
  }
  auto dry = Import(*store_, good, "dalil-json", /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_EQ(dry->counts.imported, 4);
  EXPECT_EQ(*store_->LedgerSize(), leaves);

  auto first = Import(*store_, good, "dalil-json");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->counts.rows, 4);
  EXPECT_EQ(first->counts.imported, 4);
  const uint64_t after = *store_->LedgerSize();
  EXPECT_EQ(after, leaves + 4);
  auto again = Import(*store_, good, "dalil-json");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->counts.imported, 0);
  EXPECT_EQ(again->counts.unchanged, 4);
  EXPECT_GT(again->run_id, first->run_id);
  EXPECT_EQ(*store_->LedgerSize(), after);
  auto claims = store_->List(Spec("claim"), {});
  ASSERT_EQ(claims->total, 1);
  EXPECT_EQ(claims->items[0]["count_min"], 10);
}

}  // namespace
}  // namespace dalil::importer
