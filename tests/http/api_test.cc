// The JSON API against the real server on an ephemeral loopback port, with
// a real SQLite database on disk and the demo dataset loaded. Requests carry
// an admin's API token (accounts and authorization are tested in
// auth_test.cc).
#include <utility>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "http/api/api.h"
#include "http/server.h"
#include "importer/bundle.h"
#include "security/tokens.h"
#include "store/accounts.h"
#include "store/sqlite/sqlite_store.h"
#include "test_client.h"

namespace dalil {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("dalil_api_test_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    auto s = store::OpenSqliteStore({.path = (*dir_ / "dalil.db").string()});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value().release();
    json demo = json::parse(ReadFile(std::string(DALIL_SOURCE_DIR) + "/data/demo/demo.json"));
    blobs_ = new store::BlobStore((*dir_ / "evidence").string());
    auto loaded = importer::LoadBundle(*store_, demo, "demo", blobs_);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    auto accounts = store::OpenSqliteAccounts((*dir_ / "dalil.db").string(), nullptr);
    ASSERT_TRUE(accounts.ok()) << accounts.status().ToString();
    accounts_ = std::move(accounts).value().release();
    auto org = accounts_->CreateOrganisation("test", "Test organisation");
    ASSERT_TRUE(org.ok());
    // The demo was loaded before any organisation existed: it becomes the
    // first organisation's, as `dalil serve` does after creating it.
    auto adopted = store_->AdoptUnownedRecords();
    ASSERT_TRUE(adopted.ok()) << adopted.status().ToString();
    ASSERT_GT(*adopted, 0);
    store::User admin;
    admin.organisation_id = org->id;
    admin.username = "api-test-admin";
    admin.role = "admin";
    admin.password_hash = "unused: this user signs in with an API token only";
    auto user = accounts_->CreateUser("test", admin);
    ASSERT_TRUE(user.ok()) << user.status().ToString();
    token_ = new std::string(security::NewToken());
    store::ApiToken t{.user_id = user->id, .organisation_id = org->id, .role = "admin",
                      .name = "api test", .expires_at = Clock::System()->NowSeconds() + 86400};
    ASSERT_TRUE(accounts_->CreateToken("test", t, security::TokenHash(*token_)).ok());
    router_ = new http::Router();
    api::RegisterRoutes(*router_, store_, blobs_, {.version = "test", .accounts = accounts_});
    http::ServerOptions opts;
    opts.port = 0;
    opts.threads = 2;
    opts.max_body_bytes = 64 * 1024;
    opts.max_upload_bytes = 1 << 20;
    server_ = new http::Server(opts, *router_);
    ASSERT_TRUE(server_->Listen().ok());
    thread_ = new std::thread([] { server_->Run(false); });
  }

  static void TearDownTestSuite() {
    server_->Stop();
    thread_->join();
    delete thread_;
    delete server_;
    delete router_;
    delete blobs_;
    delete accounts_;
    delete token_;
    delete store_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  testing::Reply Call(const std::string& method, const std::string& target,
                      const std::string& body = "",
                      const std::map<std::string, std::string>& headers = {}) {
    std::map<std::string, std::string> h = headers;
    h.emplace("Authorization", "Bearer " + *token_);
    return testing::TestClient(server_->port()).Send(method, target, body, h);
  }

  json CallJson(const std::string& method, const std::string& target, int want_status,
                const std::string& body = "") {
    auto r = Call(method, target, body);
    EXPECT_EQ(r.status, want_status) << method << " " << target << ": " << r.body;
    if (r.body.empty()) return json();
    return json::parse(r.body);
  }

  int64_t CountIncidents() {
    return CallJson("GET", "/api/v1/incidents?limit=1", 200)["total"];
  }

  static json ValidIncident() {
    return {{"title_en", "Protest at the governorate building"},
            {"title_ar", "تظاهرة أمام مبنى المحافظة"},
            {"start_date", "2021-03-01"},
            {"place_id", 13},
            {"event_type", "protests"},
            {"sub_event_type", "peaceful_protest"}};
  }

  static fs::path* dir_;
  static store::Store* store_;
  static store::BlobStore* blobs_;
  static http::Router* router_;
  static http::Server* server_;
  static std::thread* thread_;
  static store::AccountStore* accounts_;
  static std::string* token_;
};

store::AccountStore* ApiTest::accounts_;
std::string* ApiTest::token_;

fs::path* ApiTest::dir_;
store::Store* ApiTest::store_;
store::BlobStore* ApiTest::blobs_;
http::Router* ApiTest::router_;
http::Server* ApiTest::server_;
std::thread* ApiTest::thread_;

TEST_F(ApiTest, IncidentsInDhiQarIncludeNasiriya2021) {
  json r = CallJson("GET", "/api/v1/incidents?place=IQ-DQ&limit=100", 200);
  bool found = false;
  for (const auto& inc : r["items"]) {
    if (inc["start_date"] == "2021-02-26" &&
        inc["title_en"].get<std::string>().find("Nasiriya") != std::string::npos) {
      found = true;
    }
  }
  EXPECT_TRUE(found) << r.dump(1);
  EXPECT_GE(r["total"].get<int>(), 2);
  // Baghdad's incidents are not in Dhi Qar.
  for (const auto& inc : r["items"]) {
    EXPECT_EQ(inc["title_en"].get<std::string>().find("Tahrir"), std::string::npos);
  }
}

TEST_F(ApiTest, CreateThenGet) {
  auto r = Call("POST", "/api/v1/incidents", ValidIncident().dump());
  ASSERT_EQ(r.status, 201) << r.body;
  json created = json::parse(r.body);
  EXPECT_EQ(r.headers["location"], "/api/v1/incidents/" + std::to_string(created["id"].get<int>()));
  json got = CallJson("GET", r.headers["location"], 200);
  EXPECT_EQ(got["title_ar"], "تظاهرة أمام مبنى المحافظة");
  EXPECT_EQ(got["end_date"], "2021-03-01");
  EXPECT_EQ(got["review_status"], "draft");
}

struct BadBody {
  const char* name;
  std::string path;
  std::string body;
  int status;
  const char* field;
};

TEST_F(ApiTest, BadInputGets4xxNamingTheFieldAndWritesNothing) {
  auto with = [](std::initializer_list<std::pair<const char*, json>> changes) {
    json b = ValidIncident();
    for (auto& [k, v] : changes) {
      if (v.is_discarded()) b.erase(k);
      else b[k] = v;
    }
    return b.dump();
  };
  std::string deep(100, '[');
  deep += std::string(100, ']');
  const BadBody cases[] = {
      {"malformed JSON", "/api/v1/incidents", "{\"title_en\": ", 400, "body"},
      {"not an object", "/api/v1/incidents", "[1,2]", 400, "body"},
      {"empty body", "/api/v1/incidents", "", 400, "body"},
      {"unknown field", "/api/v1/incidents", with({{"weather", "sunny"}}), 400, "weather"},
      {"wrong type", "/api/v1/incidents", with({{"place_id", "thirteen"}}), 400, "place_id"},
      {"invalid UTF-8", "/api/v1/incidents",
       "{\"title_en\": \"bad \xC3\x28 byte\", \"start_date\": \"2021-03-01\", "
       "\"place_id\": 13, \"event_type\": \"protests\"}",
       400, "body"},
      {"date that does not exist", "/api/v1/incidents", with({{"start_date", "2021-02-29"}}), 400,
       "start_date"},
      {"ends before it starts", "/api/v1/incidents",
       with({{"end_date", "2021-02-01"}}), 400, "end_date"},
      {"missing required", "/api/v1/incidents",
       with({{"event_type", json(json::value_t::discarded)}}), 400, "event_type"},
      {"reference to missing record", "/api/v1/incidents", with({{"place_id", 99999}}), 400,
       "place_id"},
      {"too deep", "/api/v1/incidents", deep, 400, "body"},
      {"server field", "/api/v1/incidents", with({{"version", 3}}), 400, "version"},
      {"body over the limit", "/api/v1/incidents",
       with({{"description_en", std::string(70 * 1024, 'x')}}), 413, "body"},
  };
  const int64_t before = CountIncidents();
  for (const auto& c : cases) {
    auto r = Call("POST", c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    json err = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(err.is_object() && err.contains("error")) << c.name << ": " << r.body;
    EXPECT_EQ(err["error"]["field"], c.field) << c.name << ": " << r.body;
    EXPECT_TRUE(err["error"]["code"].is_string()) << c.name;
    EXPECT_FALSE(err["error"]["message"].get<std::string>().empty()) << c.name;
  }
  EXPECT_EQ(CountIncidents(), before);
}

TEST_F(ApiTest, ClaimWithMinAboveMaxIsRefused) {
  json inc = CallJson("GET", "/api/v1/incidents?limit=1", 200)["items"][0];
  json src = CallJson("GET", "/api/v1/sources?limit=1", 200)["items"][0];
  json claim = {{"incident_id", inc["id"]}, {"source_id", src["id"]}, {"category", "killed"},
                {"count_min", 12}, {"count_max", 10}};
  json before = CallJson("GET", "/api/v1/claims?limit=1", 200);
  json err = CallJson("POST", "/api/v1/claims", 400, claim.dump());
  EXPECT_EQ(err["error"]["field"], "count_max");
  EXPECT_EQ(CallJson("GET", "/api/v1/claims?limit=1", 200)["total"], before["total"]);
  claim["count_max"] = nullptr;  // "more than 12": open-ended
  json ok = CallJson("POST", "/api/v1/claims", 201, claim.dump());
  EXPECT_TRUE(ok["count_max"].is_null());
}

TEST_F(ApiTest, ClaimsCanBeEnteredByTheirWording) {
  json inc = CallJson("GET", "/api/v1/incidents?limit=1", 200)["items"][0];
  json src = CallJson("GET", "/api/v1/sources?limit=1", 200)["items"][0];
  struct Case { const char* quote; int64_t min; json max; };
  const Case cases[] = {
      {"dozens injured", 12, nullptr},
      {"أكثر من ٢٦٠ جريحاً", 261, nullptr},
      {"عشرات المعتقلين", 10, nullptr},
      {"10-12 killed", 10, 12},
  };
  for (const auto& c : cases) {
    json claim = {{"incident_id", inc["id"]}, {"source_id", src["id"]}, {"category", "injured"},
                  {"quote", c.quote}};
    json made = CallJson("POST", "/api/v1/claims", 201, claim.dump());
    EXPECT_EQ(made["count_min"], c.min) << c.quote;
    EXPECT_EQ(made["count_max"], c.max) << c.quote;
    EXPECT_EQ(made["quote"], c.quote);
  }
  for (const char* quote : {"many people", "10 killed and 5 injured"}) {
    json bad = {{"incident_id", inc["id"]}, {"source_id", src["id"]}, {"category", "injured"},
                {"quote", quote}};
    EXPECT_EQ(CallJson("POST", "/api/v1/claims", 400, bad.dump())["error"]["field"], "quote") << quote;
  }
}

TEST_F(ApiTest, FiguresForDhiQarIncludeNasiriya) {
  json r = CallJson("GET", "/api/v1/figures?place=IQ-DQ&from=2021-02-26&to=2021-02-27", 200);
  ASSERT_EQ(r["groups"].size(), 1u);
  const json& f = r["groups"][0]["figures"];
  EXPECT_EQ(f["killed"]["phrase"]["en"], "at least 10 killed");
  EXPECT_EQ(f["injured"]["phrase"]["en"], "more than 260 injured");
  EXPECT_EQ(f["killed"]["phrase"]["ar"], "ما لا يقل عن ١٠ قتلى");
  EXPECT_FALSE(f["killed"]["claims"].empty());
  json w = CallJson("GET", "/api/v1/figures?place=IQ-DQ&from=2021-02-26&to=2021-02-27&digits=western", 200);
  EXPECT_EQ(w["groups"][0]["figures"]["killed"]["phrase"]["ar"], "ما لا يقل عن 10 قتلى");
  json g = CallJson("GET", "/api/v1/figures?by=governorate", 200);
  EXPECT_GE(g["groups"].size(), 3u);
  EXPECT_EQ(CallJson("GET", "/api/v1/figures?by=year", 400)["error"]["field"], "query.by");
  EXPECT_EQ(CallJson("GET", "/api/v1/figures?as_of=2021-02-30", 400)["error"]["field"], "query.as_of");
  EXPECT_EQ(CallJson("GET", "/api/v1/figures?digits=roman", 400)["error"]["field"], "query.digits");
}

TEST_F(ApiTest, DuplicatePersonsAreSuggestedNotMerged) {
  const int64_t before = CallJson("GET", "/api/v1/persons?limit=1", 200)["total"];
  json a = CallJson("POST", "/api/v1/persons", 201,
                    R"j({"name": "محمد جاسم كاظم (demo)", "sex": "male", "age_min": 24, "age_max": 24})j");
  json b = CallJson("POST", "/api/v1/persons", 201,
                    R"j({"name": "Mohammed Jassim Kadhim (demo)", "sex": "male", "age_min": 23, "age_max": 25})j");
  json r = CallJson("GET", "/api/v1/persons/duplicates", 200);
  bool found = false;
  for (const auto& c : r["items"]) {
    std::set<int64_t> pair = {c["person_a"].get<int64_t>(), c["person_b"].get<int64_t>()};
    if (pair == std::set<int64_t>{a["id"].get<int64_t>(), b["id"].get<int64_t>()}) {
      found = true;
      EXPECT_FALSE(c["reasons"].empty());
      // The reasons quote no name: a name is shown only by a recorded reveal.
      EXPECT_EQ(c["reasons"][0], "names match across scripts (names withheld)") << c.dump();
      EXPECT_EQ(c.dump().find("Kadhim"), std::string::npos) << c.dump();
    }
  }
  EXPECT_TRUE(found) << r.dump(1);
  // Suggesting changes nothing.
  EXPECT_EQ(CallJson("GET", "/api/v1/persons?limit=1", 200)["total"], before + 2);
  EXPECT_TRUE(CallJson("GET", "/api/v1/persons/" + std::to_string(b["id"].get<int64_t>()), 200)["merged_into_id"].is_null());
  // A reviewer merges; the pair is no longer suggested; the merge can be undone.
  const std::string url = "/api/v1/persons/" + std::to_string(b["id"].get<int64_t>());
  CallJson("PATCH", url, 200, json({{"merged_into_id", a["id"]}}).dump());
  json after = CallJson("GET", "/api/v1/persons/duplicates", 200);
  for (const auto& c : after["items"]) EXPECT_NE(c["person_b"], b["id"]);
  CallJson("PATCH", url, 200, R"({"merged_into_id": null})");
  EXPECT_EQ(CallJson("GET", "/api/v1/persons/duplicates?threshold=2", 400)["error"]["field"], "query.threshold");
}

TEST_F(ApiTest, WritesTakeJsonOnlySoFormsElsewhereCannotForgeThem) {
  const int64_t before = CountIncidents();
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}) {
    auto r = Call("POST", "/api/v1/incidents", ValidIncident().dump(), {{"Content-Type", type}});
    EXPECT_EQ(r.status, 400) << type;
    EXPECT_EQ(json::parse(r.body)["error"]["field"], "content-type") << type;
  }
  EXPECT_EQ(CountIncidents(), before);
  auto ok = Call("POST", "/api/v1/incidents", ValidIncident().dump(),
                 {{"Content-Type", "application/json; charset=utf-8"}});
  EXPECT_EQ(ok.status, 201) << ok.body;
}

TEST_F(ApiTest, QueryParametersAreChecked) {
  struct Case { const char* target; const char* field; };
  const Case cases[] = {
      {"/api/v1/incidents?colour=red", "query.colour"},
      {"/api/v1/incidents?limit=0", "query.limit"},
      {"/api/v1/incidents?limit=100000", "query.limit"},
      {"/api/v1/incidents?offset=-1", "query.offset"},
      {"/api/v1/incidents?from=2021-02-30", "query.from"},
      {"/api/v1/incidents?from=2021-03-01&to=2021-02-01", "query.to"},
      {"/api/v1/incidents?status=finished", "query.status"},
      {"/api/v1/incidents?sort=description_en", "query.sort"},
      {"/api/v1/incidents?place=XX-YY", "place"},
      {"/api/v1/incidents?limit=1&limit=2", "query.limit"},
      {"/api/v1/persons?place=IQ", "query.place"},
      {"/api/v1/incidents?event_type=%C3%28", "query.event_type"},
  };
  for (const auto& c : cases) {
    json err = CallJson("GET", c.target, 400);
    EXPECT_EQ(err["error"]["field"], c.field) << c.target;
  }
}

TEST_F(ApiTest, FiltersSortAndPaginate) {
  json all = CallJson("GET", "/api/v1/incidents?limit=500", 200);
  // Date overlap: incidents touching 27 February 2021.
  json r = CallJson("GET", "/api/v1/incidents?from=2021-02-27&to=2021-02-27", 200);
  int expected = 0;
  for (const auto& i : all["items"]) {
    if (i["start_date"] <= "2021-02-27" && i["end_date"] >= "2021-02-27") ++expected;
  }
  EXPECT_GT(expected, 0);
  EXPECT_EQ(r["total"], expected);

  r = CallJson("GET", "/api/v1/incidents?status=verified&event_type=protests&limit=500", 200);
  for (const auto& i : r["items"]) {
    EXPECT_EQ(i["review_status"], "verified");
    EXPECT_EQ(i["event_type"], "protests");
  }
  EXPECT_GT(r["total"].get<int>(), 0);

  r = CallJson("GET", "/api/v1/incidents?sort=-start_date&limit=500", 200);
  for (size_t i = 1; i < r["items"].size(); ++i) {
    EXPECT_GE(r["items"][i - 1]["start_date"], r["items"][i]["start_date"]);
  }
  json p1 = CallJson("GET", "/api/v1/incidents?sort=start_date&limit=2&offset=0", 200);
  json p2 = CallJson("GET", "/api/v1/incidents?sort=start_date&limit=2&offset=2", 200);
  ASSERT_EQ(p1["items"].size(), 2u);
  EXPECT_NE(p1["items"][0]["id"], p2["items"][0]["id"]);
  EXPECT_EQ(p1["total"], p2["total"]);

  // Actor filter: incidents where a perpetrator is involved.
  json inv = CallJson("GET", "/api/v1/involvements?role=perpetrator&limit=1", 200)["items"][0];
  r = CallJson("GET", "/api/v1/incidents?actor=" + std::to_string(inv["actor_id"].get<int>()), 200);
  bool has = false;
  for (const auto& i : r["items"]) has = has || i["id"] == inv["incident_id"];
  EXPECT_TRUE(has);
}

TEST_F(ApiTest, PatchWithVersionAndDeleteRules) {
  json created = CallJson("POST", "/api/v1/incidents", 201, ValidIncident().dump());
  const std::string url = "/api/v1/incidents/" + std::to_string(created["id"].get<int>());
  json changed = CallJson("PATCH", url, 200, R"({"review_status": "in_review", "version": 1})");
  EXPECT_EQ(changed["version"], 2);
  json stale = CallJson("PATCH", url, 409, R"({"review_status": "verified", "version": 1})");
  EXPECT_EQ(stale["error"]["field"], "version");
  CallJson("PATCH", url, 400, R"({"start_date": "2021-03-05", "end_date": "2021-03-02"})");
  CallJson("PATCH", "/api/v1/incidents/999999", 404, R"({"review_status": "verified"})");

  // A place with incidents cannot be deleted.
  json err = CallJson("DELETE", "/api/v1/places/13", 409);
  EXPECT_EQ(err["error"]["code"], "conflict");
  CallJson("DELETE", url + "?version=1", 409);
  CallJson("DELETE", url + "?version=2", 204);
  CallJson("GET", url, 404);
  CallJson("GET", "/api/v1/incidents/abc", 404);
}

TEST_F(ApiTest, UnknownRoutesAndMethods) {
  json e = CallJson("GET", "/api/v1/nothing", 404);
  EXPECT_EQ(e["error"]["code"], "not_found");
  auto r = Call("PUT", "/api/v1/incidents");
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.headers["allow"].find("GET"), std::string::npos);
}

TEST_F(ApiTest, EvidenceIsStoredByHashAndComesBackIntact) {
  std::string bytes = "%PDF-1.4 witness statement scan\x00\x01\x02";
  bytes.push_back('\xff');
  auto r = Call("POST", "/api/v1/evidence?name=scan.pdf&incident_id=1", bytes,
                {{"Content-Type", "application/pdf"}});
  ASSERT_EQ(r.status, 201) << r.body;
  json rec = json::parse(r.body);
  EXPECT_EQ(rec["sha256"], store::Sha256Hex(bytes));
  EXPECT_EQ(rec["size"], bytes.size());
  EXPECT_EQ(rec["original_name"], "scan.pdf");
  // The same file again is the same record.
  auto again = Call("POST", "/api/v1/evidence", bytes, {{"Content-Type", "application/pdf"}});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(json::parse(again.body)["id"], rec["id"]);
  // The stored file is the upload, sealed; its contents come back only
  // through a reveal, which an API token never gets (auth_test has the rest).
  auto stored = blobs_->Get(rec["sha256"].get<std::string>());
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(*stored, bytes);
  const std::string url = "/api/v1/evidence/" + std::to_string(rec["id"].get<int>());
  EXPECT_EQ(rec["withheld"], json({{"fields", {"content"}}, {"reveal", "POST " + url + "/reveal"}}));
  EXPECT_EQ(Call("GET", url + "/content").status, 404);
  auto reveal = Call("POST", url + "/reveal");
  EXPECT_EQ(reveal.status, 403);
  EXPECT_EQ(json::parse(reveal.body)["error"]["field"], "authorization");
  EXPECT_EQ(reveal.body.find("witness statement"), std::string::npos);
  // Clients cannot forge the hash.
  json err = CallJson("PATCH", url, 400, R"({"sha256": "00"})");
  EXPECT_EQ(err["error"]["field"], "sha256");
  // Reference to a missing incident is refused, the blob alone is harmless.
  json bad = CallJson("POST", "/api/v1/evidence?incident_id=99999", 400, "other bytes");
  EXPECT_EQ(bad["error"]["field"], "incident_id");
}

TEST_F(ApiTest, OpenApiDocumentMatchesTheRoutes) {
  json served = CallJson("GET", "/api/v1/openapi.json", 200);
  // The committed document is what the route table generates.
  EXPECT_EQ(served, api::BuildOpenApi(*router_))
      << "docs/openapi.json is out of date: run `dalil openapi > docs/openapi.json`";
  std::set<std::string> documented, routed;
  for (const auto& [path, ops] : served["paths"].items()) {
    for (const auto& [method, op] : ops.items()) documented.insert(method + " " + path);
  }
  for (const auto& route : router_->routes()) {
    std::string m = route.method;
    for (auto& c : m) c = static_cast<char>(std::tolower(c));
    routed.insert(m + " " + route.pattern);
  }
  EXPECT_EQ(documented, routed);
  EXPECT_GE(routed.size(), 50u);
  // Every entity's fields are documented.
  for (const model::EntitySpec* spec : model::AllEntities()) {
    bool found = false;
    for (const auto& [name, schema] : served["components"]["schemas"].items()) {
      if (schema.contains("properties") && schema["description"] == spec->description) {
        found = true;
        for (const auto& f : spec->fields) {
          EXPECT_TRUE(schema["properties"].contains(std::string(f.name))) << spec->name << "." << f.name;
        }
      }
    }
    EXPECT_TRUE(found) << spec->name;
  }
}

TEST_F(ApiTest, EveryEntityHasWorkingCrud) {
  // Each entity's list route answers, and the demo data exercises it.
  for (const model::EntitySpec* spec : model::AllEntities()) {
    json r = CallJson("GET", "/api/v1/" + std::string(spec->plural), 200);
    EXPECT_GT(r["total"].get<int>(), 0) << spec->plural << " missing from the demo dataset";
  }
  json actor = CallJson("POST", "/api/v1/actors", 201,
                        R"({"kind": "political_militia", "name_ar": "مسلحون مجهولون"})");
  const std::string url = "/api/v1/actors/" + std::to_string(actor["id"].get<int>());
  CallJson("PATCH", url, 200, R"({"name_en": "Unidentified gunmen"})");
  EXPECT_EQ(CallJson("GET", url, 200)["name_ar"], "مسلحون مجهولون");
  CallJson("DELETE", url, 204);
}

TEST_F(ApiTest, LandingPageIsArabicFirstWithoutScript) {
  auto r = Call("GET", "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("<html lang=\"ar\" dir=\"rtl\">"), std::string::npos);
  EXPECT_EQ(r.body.find("<script"), std::string::npos);
  EXPECT_EQ(r.body.find("style="), std::string::npos);  // CSP allows no inline style
  auto css = Call("GET", "/static/style.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.headers["content-type"], "text/css; charset=utf-8");
}

TEST_F(ApiTest, HealthAndSecurityHeaders) {
  auto r = Call("GET", "/api/v1/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["schema_version"], store::LatestSchemaVersion());
  EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(r.headers["referrer-policy"], "no-referrer");
  EXPECT_NE(r.headers["content-security-policy"].find("frame-ancestors 'none'"), std::string::npos);
}

}  // namespace
}  // namespace dalil
