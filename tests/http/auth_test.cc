// Accounts, sessions and authorization against the real server on an
// ephemeral loopback port, with a real SQLite database on disk. Time comes
// from a manual clock shared by the server and the account tables, so
// expiry and throttling are tested without waiting.
#include <utility>

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "http/api/api.h"
#include "http/api/sensitive.h"
#include "http/server.h"
#include "ledger/leaf.h"
#include "security/password.h"
#include "security/tokens.h"
#include "security/totp.h"
#include "store/accounts.h"
#include "store/sqlite/db.h"
#include "store/sqlite/sqlite_store.h"
#include "test_client.h"

namespace dalil {
namespace {

using nlohmann::json;
using security::Role;
namespace fs = std::filesystem;

constexpr char kPassword[] = "auth test: amber lantern 5521";
constexpr char kCookieName[] = "__Host-dalil_session";

class ManualClock : public Clock {
 public:
  int64_t NowSeconds() const override { return now_.load(); }
  void Advance(int64_t seconds) { now_ += seconds; }

 private:
  std::atomic<int64_t> now_{1'800'000'000};
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json BodyJson(const testing::Reply& r) {
  return json::parse(r.body, nullptr, /*allow_exceptions=*/false);
}

std::string ErrorCode(const testing::Reply& r) {
  json j = BodyJson(r);
  if (!j.is_object() || !j.contains("error")) return "";
  return j["error"].value("code", "");
}

// A signed-in browser: the session cookie and the CSRF token.
struct Browser {
  std::string token;  // the cookie's value
  std::string csrf;
  json body;          // the login response
  std::map<std::string, std::string> Headers(bool with_csrf = true) const {
    std::map<std::string, std::string> h = {{"Cookie", std::string(kCookieName) + "=" + token}};
    if (with_csrf) h["X-CSRF-Token"] = csrf;
    return h;
  }
};

class AuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("dalil_auth_test_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    clock_ = new ManualClock();
    const std::string db = (*dir_ / "dalil.db").string();
    auto s = store::OpenSqliteStore({.path = db, .clock = clock_});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value().release();
    auto accounts = store::OpenSqliteAccounts(db, nullptr, clock_);
    ASSERT_TRUE(accounts.ok()) << accounts.status().ToString();
    accounts_ = std::move(accounts).value().release();
    auto org = accounts_->CreateOrganisation("test", "Test organisation");
    ASSERT_TRUE(org.ok());
    org_ = org->id;
    auto hash = security::HashPassword(kPassword, security::kTestCost);
    ASSERT_TRUE(hash.ok());
    hash_ = new std::string(*hash);
    auto other = accounts_->CreateOrganisation("test", "Other organisation");
    ASSERT_TRUE(other.ok());
    other_org_ = other->id;
    tokens_ = new std::map<Role, std::string>();
    other_tokens_ = new std::map<Role, std::string>();
    for (Role role : kRoles) {
      const std::string name = "matrix-" + std::string(security::RoleName(role));
      int64_t id = MakeUser(name, role);
      (*tokens_)[role] = MakeToken(id, role, 3650 * 86400);
      id = MakeUser("other-" + name, role, false, nullptr, other_org_);
      (*other_tokens_)[role] = MakeToken(id, role, 3650 * 86400, other_org_);
    }
    blobs_ = new store::BlobStore((*dir_ / "evidence").string());
    owned_ = new std::map<std::string, int64_t>(MakeOwnedRecords(org_, "matrix"));
    router_ = new http::Router();
    api::ApiOptions opts{.version = "test", .accounts = accounts_, .clock = clock_};
    opts.auth.idle_timeout_seconds = 600;
    opts.auth.session_lifetime_seconds = 3600;
    opts.auth.reauth_seconds = 300;
    opts.auth.hash_cost = security::kTestCost;
    api::RegisterRoutes(*router_, store_, blobs_, opts);
    http::ServerOptions server_opts;
    server_opts.port = 0;
    server_opts.threads = 2;
    server_opts.access_log = (*dir_ / "access.log").string();
    server_ = new http::Server(server_opts, *router_);
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
    delete store_;
    delete clock_;
    delete tokens_;
    delete other_tokens_;
    delete owned_;
    delete hash_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  static int64_t MakeUser(const std::string& name, Role role, bool must_change = false,
                          const std::string* hash = nullptr, int64_t org = 0) {
    store::User u;
    u.organisation_id = org ? org : org_;
    u.username = name;
    u.role = std::string(security::RoleName(role));
    u.password_hash = hash ? *hash : *hash_;
    u.must_change_password = must_change;
    auto made = accounts_->CreateUser("test", u);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? made->id : 0;
  }

  static std::string MakeToken(int64_t user, Role role, int64_t seconds, int64_t org = 0) {
    std::string secret = security::NewToken();
    store::ApiToken t{.user_id = user, .organisation_id = org ? org : org_,
                      .role = std::string(security::RoleName(role)), .name = "test",
                      .expires_at = clock_->NowSeconds() + seconds};
    EXPECT_TRUE(accounts_->CreateToken("test", t, security::TokenHash(secret)).ok());
    return secret;
  }

  // Gives a user a confirmed TOTP secret directly; returns the raw key.
  static std::string EnrolTotp(int64_t user) {
    std::string secret = security::NewTotpSecret();
    EXPECT_TRUE(accounts_->SetTotp("test", user, secret, true).ok());
    return *security::Base32Decode(secret);
  }

  testing::Reply Call(const std::string& method, const std::string& target,
                      const std::string& body = "",
                      const std::map<std::string, std::string>& headers = {}) {
    return testing::TestClient(server_->port()).Send(method, target, body, headers);
  }

  testing::Reply Bearer(const std::string& token, const std::string& method,
                        const std::string& target, const std::string& body = "") {
    return Call(method, target, body, {{"Authorization", "Bearer " + token}});
  }

  testing::Reply LoginReply(const std::string& user, const std::string& password,
                            json extra = json::object()) {
    extra["username"] = user;
    extra["password"] = password;
    return Call("POST", "/api/v1/session", extra.dump());
  }

  // Signs in and returns the browser; fails the test if refused.
  Browser Login(const std::string& user, json extra = json::object()) {
    testing::Reply r = LoginReply(user, kPassword, std::move(extra));
    EXPECT_EQ(r.status, 201) << r.body;
    Browser b;
    const std::string& cookie = r.headers["set-cookie"];
    const std::string prefix = std::string(kCookieName) + "=";
    EXPECT_EQ(cookie.rfind(prefix, 0), 0u) << cookie;
    b.token = cookie.substr(prefix.size(), cookie.find(';') - prefix.size());
    b.body = BodyJson(r);
    b.csrf = b.body.value("csrf_token", "");
    return b;
  }

  // The URL of a new person named `name`, created with a documenter's token.
  std::string NewPersonUrl(const std::string& name) {
    testing::Reply r = Bearer(tokens_->at(Role::kDocumenter), "POST", "/api/v1/persons",
                              json{{"name", name}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return "/api/v1/persons/" + std::to_string(BodyJson(r).value("id", int64_t{0}));
  }

  // Asks for `url`/reveal every way CanReveal refuses: a viewer's session,
  // a documenter's and an admin's API token, the session of a documenter
  // (<prefix>-documenter) whose password check has lapsed, and that session
  // without its CSRF token. Each is refused for its reason, audited as a
  // "reveal.refused" row saying `detail` and the reason, and never shows
  // `canary`. Returns the documenter's id and session (still signed in).
  std::pair<int64_t, Browser> ExpectRefusedEveryWay(const std::string& url, const std::string& prefix,
                                                    const json& detail, const std::string& canary) {
    const auto refused = [&](const testing::Reply& reply, const char* field) {
      EXPECT_EQ(reply.status, 403) << reply.body;
      EXPECT_EQ(BodyJson(reply)["error"]["field"], field) << reply.body;
      EXPECT_EQ(reply.body.find(canary), std::string::npos);
      auto audit = accounts_->ListAudit(1);
      ASSERT_TRUE(audit.ok());
      EXPECT_EQ((*audit)[0].action, "reveal.refused");
      json want = detail;
      want["reason"] = field;
      EXPECT_EQ((*audit)[0].detail, want);
    };
    MakeUser(prefix + "-viewer", Role::kViewer);
    refused(Call("POST", url + "/reveal", "", Login(prefix + "-viewer").Headers()), "role");
    refused(Bearer(tokens_->at(Role::kDocumenter), "POST", url + "/reveal"), "authorization");
    refused(Bearer(tokens_->at(Role::kAdmin), "POST", url + "/reveal"), "authorization");
    const int64_t documenter = MakeUser(prefix + "-documenter", Role::kDocumenter);
    Browser b = Login(prefix + "-documenter");
    clock_->Advance(301);
    refused(Call("POST", url + "/reveal", "", b.Headers()), "reauthentication");
    EXPECT_EQ(Call("POST", url + "/reveal", "", b.Headers(false)).status, 403);  // no CSRF token
    return {documenter, b};
  }

  // One record of every entity that has an owner or takes its incident's,
  // owned by `org` with the default visibility (organisation), written as
  // the system on the organisation's behalf; plural -> id. `tag` goes into
  // text fields. Places and actors are shared and not made here.
  static std::map<std::string, int64_t> MakeOwnedRecords(int64_t org, const std::string& tag) {
    std::map<std::string, int64_t> ids;
    auto sha = blobs_->Put("evidence of " + tag);
    EXPECT_TRUE(sha.ok());
    Status s = store_->WriteAs("test", store::Viewer::System(org), [&](store::WriteTxn& txn) -> Status {
      auto make = [&](const char* entity, json body,
                      model::Writer w = model::Writer::kClient) -> Result<int64_t> {
        DALIL_ASSIGN_OR_RETURN(json r, txn.Create(*model::FindEntityByName(entity), body, w));
        const int64_t id = r["id"].get<int64_t>();
        ids[std::string(model::FindEntityByName(entity)->plural)] = id;
        return id;
      };
      DALIL_ASSIGN_OR_RETURN(json actor, txn.Create(*model::FindEntityByName("actor"),
                                                    {{"kind", "state_forces"}, {"name_en", tag + " force"}}));
      json inc = ValidIncident();
      inc["title_en"] = tag + " incident";
      DALIL_ASSIGN_OR_RETURN(int64_t incident, make("incident", inc));
      DALIL_ASSIGN_OR_RETURN(int64_t source, make("source", {{"kind", "witness_testimony"},
                                                             {"reliability", "reliable"},
                                                             {"title", tag + " source"},
                                                             {"witness_identity", tag + " witness"}}));
      DALIL_ASSIGN_OR_RETURN(int64_t person, make("person", {{"name", tag + " person"}}));
      DALIL_RETURN_IF_ERROR(make("claim", {{"incident_id", incident}, {"source_id", source},
                                           {"category", "killed"}, {"count_min", 3}}).status());
      DALIL_ASSIGN_OR_RETURN(int64_t outcome, make("outcome", {{"incident_id", incident},
                                                               {"person_id", person},
                                                               {"kind", "detained"}}));
      DALIL_RETURN_IF_ERROR(make("outcome_update", {{"outcome_id", outcome}, {"status", "released"},
                                                    {"date", "2021-03-05"}}).status());
      DALIL_RETURN_IF_ERROR(make("involvement", {{"incident_id", incident}, {"actor_id", actor["id"]},
                                                 {"role", "perpetrator"},
                                                 {"perpetrator_names", {tag + " officer"}}}).status());
      return make("evidence", {{"sha256", *sha}, {"size", 12 + tag.size()},
                               {"media_type", "text/plain"}, {"incident_id", incident}},
                  model::Writer::kServer).status();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return ids;
  }

  static json ValidIncident() {
    return {{"title_en", "Protest"}, {"start_date", "2021-03-01"}, {"place_id", 13},
            {"event_type", "protests"}, {"sub_event_type", "peaceful_protest"}};
  }

  static fs::path* dir_;
  static ManualClock* clock_;
  static store::Store* store_;
  static store::AccountStore* accounts_;
  static store::BlobStore* blobs_;
  static http::Router* router_;
  static http::Server* server_;
  static std::thread* thread_;
  static int64_t org_, other_org_;
  static std::string* hash_;
  static std::map<Role, std::string>* tokens_;        // org_'s accounts
  static std::map<Role, std::string>* other_tokens_;  // other_org_'s
  static std::map<std::string, int64_t>* owned_;      // org_'s records, by plural
  static constexpr Role kRoles[] = {Role::kViewer, Role::kDocumenter, Role::kReviewer,
                                    Role::kCoordinator, Role::kAdmin};
};

fs::path* AuthTest::dir_;
ManualClock* AuthTest::clock_;
store::Store* AuthTest::store_;
store::AccountStore* AuthTest::accounts_;
store::BlobStore* AuthTest::blobs_;
http::Router* AuthTest::router_;
http::Server* AuthTest::server_;
std::thread* AuthTest::thread_;
int64_t AuthTest::org_;
int64_t AuthTest::other_org_;
std::string* AuthTest::hash_;
std::map<Role, std::string>* AuthTest::tokens_;
std::map<Role, std::string>* AuthTest::other_tokens_;
std::map<std::string, int64_t>* AuthTest::owned_;

// The router refused the caller (as opposed to the handler answering).
bool RouterDenied(const testing::Reply& r) {
  const std::string code = ErrorCode(r);
  return (r.status == 401 && code == "unauthenticated") || (r.status == 403 && code == "forbidden");
}

// Every route of the table, as anonymous and as a token of every role: the
// router allows exactly what the route's declared rule allows. A route added
// later is covered by this loop without any change here.
TEST_F(AuthTest, EveryRouteAllowsExactlyWhatItsRuleSays) {
  // Anonymous, then every role of the records' organisation, then every
  // role of another organisation.
  struct Caller {
    std::optional<Role> role;
    bool own = false;
  };
  std::vector<Caller> callers = {{std::nullopt, false}};
  for (Role r : kRoles) callers.push_back({r, true});
  for (Role r : kRoles) callers.push_back({r, false});
  int checked = 0, record_checks = 0;
  for (const http::Route& route : router_->routes()) {
    // A record route ("/api/v1/<plural>/{id}...") gets the id of the first
    // organisation's record of that entity (visibility organisation); any
    // other parameter a record that does not exist, so that nothing here
    // changes real data (writes carry a stale version: 409, never applied).
    std::string target = route.pattern;
    const std::string prefix = "/api/v1/";
    const size_t slash = target.find('/', prefix.size());
    const std::string plural = slash == std::string::npos ? "" : target.substr(prefix.size(), slash - prefix.size());
    const bool record_route = target.rfind(prefix, 0) == 0 && slash != std::string::npos &&
                              target.compare(slash, 5, "/{id}") == 0 && owned_->count(plural) > 0;
    for (size_t open; (open = target.find('{')) != std::string::npos;) {
      const std::string id = record_route ? std::to_string(owned_->at(plural)) : "999999";
      target.replace(open, target.find('}', open) - open + 1, id);
    }
    std::string body = "{}";
    if (record_route && route.method == "PATCH") body = json{{"version", 999999}}.dump();
    if (record_route && route.method == "DELETE") target += "?version=999999";
    const bool has_body = route.method == "POST" || route.method == "PATCH" || route.method == "PUT";
    for (const Caller& c : callers) {
      std::map<std::string, std::string> headers;
      if (c.role) headers["Authorization"] = "Bearer " + (c.own ? tokens_ : other_tokens_)->at(*c.role);
      testing::Reply r = Call(route.method, target, has_body ? body : "", headers);
      const auto kind = route.access.kind;
      bool allowed = kind == http::Access::Kind::kPublic || kind == http::Access::Kind::kRecords ||
                     (c.role && (kind == http::Access::Kind::kAccount ||
                                 static_cast<int>(*c.role) >= static_cast<int>(route.access.min_role)));
      const std::string who = (c.role ? std::string(security::RoleName(*c.role)) : "anonymous") +
                              (c.role ? (c.own ? " (own organisation)" : " (other organisation)") : "");
      EXPECT_EQ(!RouterDenied(r), allowed)
          << route.method << " " << route.pattern << " (" << route.access.Describe() << ") as "
          << who << ": " << r.status << " " << r.body;
      if (!allowed) {
        EXPECT_EQ(r.status, c.role ? 403 : 401) << route.method << " " << route.pattern;
        EXPECT_TRUE(BodyJson(r).contains("error")) << r.body;
      } else if (record_route) {
        // The record is its organisation's: hidden from everyone else
        // exactly as a missing record (404), open to its own members.
        ++record_checks;
        if (!c.own) {
          EXPECT_EQ(r.status, 404) << route.method << " " << route.pattern << " as " << who << ": " << r.body;
          EXPECT_EQ(ErrorCode(r), "not_found") << r.body;
        } else {
          // Writes carry a stale version (409); a reveal by an API token is
          // refused whatever the role (403, section 15).
          const bool reveal = route.pattern.ends_with("/reveal");
          const int want = route.method == "GET" ? 200 : reveal ? 403 : 409;
          EXPECT_EQ(r.status, want) << route.method << " " << route.pattern << " as " << who << ": " << r.body;
          if (reveal) {
            EXPECT_EQ(ErrorCode(r), "permission_denied") << r.body;
          }
        }
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(router_->routes().size() * callers.size()));
  EXPECT_GT(router_->routes().size(), 50u);
  EXPECT_GT(record_checks, 200);
}

// Every incident id that figures name (under "incidents" at any depth).
std::set<int64_t> FigureIncidents(const json& j) {
  std::set<int64_t> out;
  std::function<void(const json&)> walk = [&](const json& v) {
    if (v.is_object()) {
      for (const auto& [k, x] : v.items()) {
        if (k == "incidents" && x.is_array()) {
          for (const json& id : x) {
            if (id.is_number_integer()) out.insert(id.get<int64_t>());
          }
        }
        walk(x);
      }
    } else if (v.is_array()) {
      for (const json& x : v) walk(x);
    }
  };
  walk(j);
  return out;
}

bool ListHas(const testing::Reply& r, int64_t id) {
  const json body = BodyJson(r);
  for (const json& item : body["items"]) {
    if (item["id"] == id) return true;
  }
  return false;
}

// ASVS 4.2.1 (IDOR): another organisation's ids, on every record route,
// answer exactly as ids that do not exist; lists, figures and exports never
// hold them; nothing can be written to or attached to them.
TEST_F(AuthTest, AnotherOrganisationsIdsAnswerAsMissingOnEveryRecordRoute) {
  std::map<std::string, int64_t> ids = MakeOwnedRecords(org_, "idor");
  const std::string inc = "/api/v1/incidents/" + std::to_string(ids["incidents"]);
  ASSERT_TRUE(store_->Update("test", *model::FindEntityByName("incident"), ids["incidents"],
                             {{"review_status", "verified"}}).ok());
  const std::string& other_admin = other_tokens_->at(Role::kAdmin);
  const std::string& other_documenter = other_tokens_->at(Role::kDocumenter);
  int routes = 0;
  for (const auto& [plural, id] : ids) {
    const std::string base = "/api/v1/" + plural + "/";
    const std::string sid = std::to_string(id);
    // The answer for a missing id, with that id in place of the missing one.
    auto as_missing = [&](const std::string& method, const std::string& suffix,
                          const std::string& body) {
      testing::Reply missing = Bearer(other_admin, method, base + "987654" + suffix, body);
      testing::Reply hidden = Bearer(other_admin, method, base + sid + suffix, body);
      std::string want = missing.body;
      for (size_t at; (at = want.find("987654")) != std::string::npos;) want.replace(at, 6, sid);
      EXPECT_EQ(hidden.status, 404) << method << " " << base << sid << suffix << ": " << hidden.body;
      EXPECT_EQ(hidden.body, want) << method << " " << base << sid << suffix;
      ++routes;
    };
    as_missing("GET", "", "");
    as_missing("GET", "/history", "");
    as_missing("PATCH", "", json{{"version", 1}}.dump());
    as_missing("DELETE", "", "");
    // Reveals (and evidence files, which come back only through one): a
    // hidden record is missing before any rule about reveals is applied.
    const bool revealable = plural == "persons" || plural == "sources" ||
                            plural == "involvements" || plural == "evidence";
    if (revealable) as_missing("POST", "/reveal", "");
    // Lists: the owner's members see it, nobody else does.
    const std::string list = "/api/v1/" + plural + "?limit=500";
    EXPECT_TRUE(ListHas(Bearer(tokens_->at(Role::kViewer), "GET", list), id)) << plural;
    EXPECT_FALSE(ListHas(Bearer(other_admin, "GET", list), id)) << plural;
    EXPECT_FALSE(ListHas(Call("GET", list), id)) << plural;
  }
  EXPECT_EQ(routes, 8 * 4 + 4);
  // Nothing attaches to a hidden record: the same 400 as for a missing one.
  json claim = {{"incident_id", ids["incidents"]}, {"source_id", ids["sources"]},
                {"category", "injured"}, {"count_min", 1}};
  testing::Reply hidden = Bearer(other_documenter, "POST", "/api/v1/claims", claim.dump());
  EXPECT_EQ(hidden.status, 400) << hidden.body;
  EXPECT_EQ(BodyJson(hidden)["error"]["message"],
            "no incident with id " + std::to_string(ids["incidents"]));
  testing::Reply upload = Call("POST", "/api/v1/evidence?incident_id=" + std::to_string(ids["incidents"]),
                               "some bytes", {{"Authorization", "Bearer " + other_documenter},
                                              {"Content-Type", "text/plain"}});
  EXPECT_EQ(upload.status, 400) << upload.body;
  // Figures and every export format: the verified incident counts for its
  // organisation only.
  EXPECT_TRUE(FigureIncidents(BodyJson(Bearer(tokens_->at(Role::kViewer), "GET", "/api/v1/figures")))
                  .count(ids["incidents"]));
  EXPECT_FALSE(FigureIncidents(BodyJson(Bearer(other_admin, "GET", "/api/v1/figures"))).count(ids["incidents"]));
  EXPECT_FALSE(FigureIncidents(BodyJson(Call("GET", "/api/v1/figures"))).count(ids["incidents"]));
  // "As of" figures come from the records, not the index: the same filter.
  const std::string as_of = "/api/v1/figures?as_of=2030-01-01";
  EXPECT_TRUE(FigureIncidents(BodyJson(Bearer(tokens_->at(Role::kViewer), "GET", as_of)))
                  .count(ids["incidents"]));
  EXPECT_FALSE(FigureIncidents(BodyJson(Bearer(other_admin, "GET", as_of))).count(ids["incidents"]));
  EXPECT_FALSE(FigureIncidents(BodyJson(Call("GET", as_of))).count(ids["incidents"]));
  for (const char* format : {"csv", "hxl", "json", "geojson"}) {
    const std::string path = std::string("/api/v1/export?format=") + format;
    testing::Reply own = Bearer(tokens_->at(Role::kViewer), "GET", path);
    ASSERT_EQ(own.status, 200) << own.body;
    EXPECT_NE(own.body.find("idor incident"), std::string::npos) << format;
    for (const testing::Reply& r : {Bearer(other_admin, "GET", path), Call("GET", path)}) {
      EXPECT_EQ(r.status, 200) << r.body;
      EXPECT_EQ(r.body.find("idor"), std::string::npos) << format << ": " << r.body;
    }
  }
}

// Visibility: organisation (default), restricted to named roles, public but
// not yet verified (still unpublished), published; publishing is a
// reviewer's decision and is recorded in the ledger like every change.
TEST_F(AuthTest, VisibilityOrganisationRestrictedUnverifiedAndPublished) {
  std::map<std::string, int64_t> ids = MakeOwnedRecords(org_, "vis");
  const std::string inc = "/api/v1/incidents/" + std::to_string(ids["incidents"]);
  const std::string claim = "/api/v1/claims/" + std::to_string(ids["claims"]);
  const std::string person = "/api/v1/persons/" + std::to_string(ids["persons"]);
  const std::string source = "/api/v1/sources/" + std::to_string(ids["sources"]);
  const std::string& viewer = tokens_->at(Role::kViewer);
  const std::string& documenter = tokens_->at(Role::kDocumenter);
  const std::string& reviewer = tokens_->at(Role::kReviewer);
  const std::string& other = other_tokens_->at(Role::kAdmin);
  auto patch = [&](const std::string& token, const std::string& path, const json& body) {
    return Bearer(token, "PATCH", path, body.dump());
  };
  // Organisation: its members only.
  EXPECT_EQ(Bearer(viewer, "GET", inc).status, 200);
  EXPECT_EQ(Bearer(other, "GET", inc).status, 404);
  EXPECT_EQ(Call("GET", inc).status, 404);
  // Restricted to named roles of the organisation, and their dependents with them.
  EXPECT_EQ(patch(documenter, inc, {{"visibility", "restricted"}}).status, 400);  // no roles named
  testing::Reply r = patch(documenter, inc, {{"visibility", "restricted"},
                                             {"restricted_roles", {"documenter", "reviewer"}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Bearer(viewer, "GET", inc).status, 404);
  EXPECT_EQ(Bearer(viewer, "GET", claim).status, 404);
  EXPECT_EQ(Bearer(tokens_->at(Role::kAdmin), "GET", inc).status, 404);  // not named
  EXPECT_EQ(Bearer(reviewer, "GET", inc).status, 200);
  EXPECT_EQ(Bearer(reviewer, "GET", claim).status, 200);
  EXPECT_FALSE(ListHas(Bearer(viewer, "GET", "/api/v1/incidents?limit=500"), ids["incidents"]));
  EXPECT_EQ(patch(documenter, inc, {{"restricted_roles", {"admin"}}}).status, 200);
  EXPECT_EQ(Bearer(documenter, "GET", inc).status, 404);
  // Public is publishing: a reviewer's decision.
  r = patch(documenter, person, {{"visibility", "public"}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(BodyJson(r)["error"]["field"], "visibility");
  r = patch(reviewer, inc, {{"visibility", "public"}, {"restricted_roles", nullptr}});
  EXPECT_EQ(r.status, 404) << r.body;  // restricted to admins: hidden from the reviewer too
  r = patch(tokens_->at(Role::kAdmin), inc, {{"visibility", "public"}, {"restricted_roles", nullptr}});
  ASSERT_EQ(r.status, 200) << r.body;
  // Public but not verified: still unpublished.
  EXPECT_EQ(Call("GET", inc).status, 404);
  EXPECT_EQ(Bearer(other, "GET", inc).status, 404);
  EXPECT_FALSE(FigureIncidents(BodyJson(Call("GET", "/api/v1/figures"))).count(ids["incidents"]));
  EXPECT_FALSE(FigureIncidents(BodyJson(Call("GET", "/api/v1/figures?as_of=2030-01-01")))
                   .count(ids["incidents"]));
  // Verified: published, with its claims, outcomes and involvements.
  ASSERT_EQ(patch(reviewer, inc, {{"review_status", "verified"}}).status, 200);
  EXPECT_EQ(Call("GET", inc).status, 200);
  EXPECT_EQ(Call("GET", claim).status, 200);
  EXPECT_EQ(Call("GET", inc + "/history").status, 200);
  EXPECT_TRUE(ListHas(Call("GET", "/api/v1/incidents?limit=500"), ids["incidents"]));
  EXPECT_TRUE(FigureIncidents(BodyJson(Call("GET", "/api/v1/figures"))).count(ids["incidents"]));
  // "As of" figures come from the records, not the index: the same filter.
  const std::string as_of = "/api/v1/figures?as_of=2030-01-01";
  EXPECT_TRUE(FigureIncidents(BodyJson(Call("GET", as_of))).count(ids["incidents"]));
  EXPECT_NE(Call("GET", "/api/v1/export?format=csv").body.find("vis incident"), std::string::npos);
  // Seen by another organisation, never written by it.
  EXPECT_EQ(Bearer(other, "GET", inc).status, 200);
  r = patch(other, inc, {{"title_en", "taken over"}});
  EXPECT_EQ(r.status, 403) << r.body;
  r = Bearer(other_tokens_->at(Role::kDocumenter), "POST", "/api/v1/claims",
             json{{"incident_id", ids["incidents"]}, {"source_id", ids["sources"]},
                  {"category", "injured"}, {"count_min", 1}}.dump());
  EXPECT_EQ(r.status, 400) << r.body;  // its source is not published: as if missing
  EXPECT_EQ(BodyJson(r)["error"]["field"], "source_id");
  // The person and source stay the organisation's until published too; then
  // their identities stay withheld outside it.
  EXPECT_EQ(Call("GET", person).status, 404);
  ASSERT_EQ(patch(reviewer, person, {{"visibility", "public"}, {"notes", "vis note"}}).status, 200);
  ASSERT_EQ(patch(reviewer, source, {{"visibility", "public"}}).status, 200);
  for (const testing::Reply& got : {Call("GET", person), Bearer(other, "GET", person)}) {
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_TRUE(BodyJson(got)["name"].is_null()) << got.body;
    EXPECT_TRUE(BodyJson(got)["notes"].is_null()) << got.body;
  }
  // Inside the organisation the name is there, withheld until revealed
  // (section 15); outside it the store does not even decrypt it.
  EXPECT_EQ(BodyJson(Bearer(viewer, "GET", person))["withheld"]["fields"], json::array({"name"}));
  EXPECT_FALSE(BodyJson(Bearer(other, "GET", person)).contains("withheld"));
  EXPECT_TRUE(BodyJson(Call("GET", source))["witness_identity"].is_null());
  r = Bearer(other_tokens_->at(Role::kDocumenter), "POST", "/api/v1/claims",
             json{{"incident_id", ids["incidents"]}, {"source_id", ids["sources"]},
                  {"category", "injured"}, {"count_min", 1}}.dump());
  EXPECT_EQ(r.status, 403) << r.body;  // both visible now: the incident is not theirs
  EXPECT_EQ(BodyJson(r)["error"]["field"], "incident_id");
  // Published does not mean revealable: only the owning organisation may
  // reveal identities, even to a documenter of another organisation who
  // has just re-authenticated.
  MakeUser("vis-other-documenter", Role::kDocumenter, false, nullptr, other_org_);
  Browser outsider = Login("vis-other-documenter");
  ASSERT_EQ(Call("POST", "/api/v1/session/reauth", json{{"password", kPassword}}.dump(),
                 outsider.Headers()).status, 200);
  r = Call("POST", person + "/reveal", "", outsider.Headers());
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(BodyJson(r)["error"]["field"], "organisation") << r.body;
  EXPECT_EQ(r.body.find("vis person"), std::string::npos);
  // The ledger holds each visibility change with who made it.
  json history = BodyJson(Call("GET", inc + "/history"));
  int restricted = 0, published = 0;
  for (const json& v : history["versions"]) {
    const std::string content = v["content"].is_string() ? v["content"].get<std::string>() : "";
    restricted += content.find("\"visibility\":\"restricted\"") != std::string::npos;
    published += content.find("\"visibility\":\"public\"") != std::string::npos;
  }
  EXPECT_EQ(restricted, 2);
  EXPECT_EQ(published, 2);  // made public, then verified
  // Withdrawing it is a reviewer's decision too.
  EXPECT_EQ(patch(documenter, inc, {{"visibility", "organisation"}}).status, 403);
  ASSERT_EQ(patch(reviewer, inc, {{"visibility", "organisation"}}).status, 200);
  EXPECT_EQ(Call("GET", inc).status, 404);
}

// docs/security.md lists every route with its rule, as the table declares it.
TEST_F(AuthTest, SecurityDocumentListsEveryRouteRule) {
  const std::string doc = ReadFile(std::string(DALIL_SOURCE_DIR) + "/docs/security.md");
  ASSERT_FALSE(doc.empty());
  for (const http::Route& route : router_->routes()) {
    const std::string row = "| " + route.method + " | `" + route.pattern + "` | " +
                            route.access.Describe() + " |";
    EXPECT_NE(doc.find(row), std::string::npos) << "docs/security.md lacks the row " << row;
  }
}

TEST_F(AuthTest, LoginSetsAHostOnlySecureStrictCookie) {
  MakeUser("cookie-user", Role::kViewer);
  testing::Reply r = LoginReply("cookie-user", kPassword);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string cookie = r.headers["set-cookie"];
  EXPECT_EQ(cookie.rfind("__Host-dalil_session=", 0), 0u);
  for (const char* attr : {"; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict"}) {
    EXPECT_NE(cookie.find(attr), std::string::npos) << attr << " missing in " << cookie;
  }
  EXPECT_EQ(cookie.find("Domain"), std::string::npos);
  EXPECT_EQ(r.headers["cache-control"], "no-store");
}

TEST_F(AuthTest, WrongPasswordAndUnknownUserGetTheSameAnswer) {
  MakeUser("known-user", Role::kViewer);
  testing::Reply wrong = LoginReply("known-user", "not the password at all");
  testing::Reply unknown = LoginReply("nobody-here", kPassword);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(wrong.headers.count("set-cookie"), 0u);
}

TEST_F(AuthTest, EveryLoginGetsAFreshTokenAndPlantedOnesAreRefused) {
  MakeUser("fixation-user", Role::kViewer);
  const std::string planted = security::NewToken();
  testing::Reply r = Call("GET", "/api/v1/incidents", "",
                          {{"Cookie", std::string(kCookieName) + "=" + planted}});
  EXPECT_EQ(r.status, 401);
  testing::Reply login = Call("POST", "/api/v1/session",
                              json{{"username", "fixation-user"}, {"password", kPassword}}.dump(),
                              {{"Cookie", std::string(kCookieName) + "=" + planted}});
  ASSERT_EQ(login.status, 201);
  EXPECT_EQ(login.headers["set-cookie"].find(planted), std::string::npos);
  Browser a = Login("fixation-user");
  Browser b = Login("fixation-user");
  EXPECT_NE(a.token, b.token);
  EXPECT_NE(a.csrf, b.csrf);
  EXPECT_EQ(Call("GET", "/api/v1/incidents", "", a.Headers(false)).status, 200);
  r = Call("GET", "/api/v1/incidents", "", {{"Cookie", std::string(kCookieName) + "=" + planted}});
  EXPECT_EQ(r.status, 401);
}

TEST_F(AuthTest, SessionsEndAfterIdleTimeAndAfterTheirLifetime) {
  MakeUser("expiry-user", Role::kViewer);
  Browser idle = Login("expiry-user");
  clock_->Advance(599);
  EXPECT_EQ(Call("GET", "/api/v1/session", "", idle.Headers()).status, 200);
  clock_->Advance(601);
  testing::Reply r = Call("GET", "/api/v1/session", "", idle.Headers());
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("expired"), std::string::npos) << r.body;

  // Used every 500 s (under the idle limit), it still ends at 3600 s.
  Browser busy = Login("expiry-user");
  for (int i = 0; i < 7; ++i) {
    clock_->Advance(500);
    EXPECT_EQ(Call("GET", "/api/v1/session", "", busy.Headers()).status, 200) << i;
  }
  clock_->Advance(500);
  EXPECT_EQ(Call("GET", "/api/v1/session", "", busy.Headers()).status, 401);
}

TEST_F(AuthTest, LogoutListRevokeAndSignOutEverywhere) {
  MakeUser("logout-user", Role::kViewer);
  Browser a = Login("logout-user");
  Browser b = Login("logout-user");
  Browser c = Login("logout-user");
  json list = BodyJson(Call("GET", "/api/v1/sessions", "", a.Headers()));
  ASSERT_EQ(list["items"].size(), 3u) << list;
  // Revoke b from a.
  const int64_t b_id = b.body["session_id"];
  EXPECT_EQ(Call("DELETE", "/api/v1/sessions/" + std::to_string(b_id), "", a.Headers()).status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/session", "", b.Headers()).status, 401);
  // Logout c.
  testing::Reply out = Call("DELETE", "/api/v1/session", "", c.Headers());
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(out.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v1/session", "", c.Headers()).status, 401);
  // Everywhere from a fresh d: a and d end.
  Browser d = Login("logout-user");
  EXPECT_EQ(Call("DELETE", "/api/v1/sessions", "", d.Headers()).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/session", "", a.Headers()).status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/session", "", d.Headers()).status, 401);
  // Another user's session cannot be revoked.
  MakeUser("other-user", Role::kViewer);
  Browser o = Login("other-user");
  Browser e = Login("logout-user");
  const int64_t o_id = o.body["session_id"];
  EXPECT_EQ(Call("DELETE", "/api/v1/sessions/" + std::to_string(o_id), "", e.Headers()).status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/session", "", o.Headers()).status, 200);
}

TEST_F(AuthTest, CookieWritesNeedTheCsrfTokenAndTheSameOrigin) {
  MakeUser("csrf-user", Role::kDocumenter);
  Browser b = Login("csrf-user");
  const std::string body = ValidIncident().dump();
  auto no_csrf = b.Headers(false);
  testing::Reply r = Call("POST", "/api/v1/incidents", body, no_csrf);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCode(r), "csrf");
  auto wrong = b.Headers();
  wrong["X-CSRF-Token"] = std::string(64, 'a');
  EXPECT_EQ(Call("POST", "/api/v1/incidents", body, wrong).status, 403);
  auto cross = b.Headers();
  cross["Origin"] = "https://evil.example";
  r = Call("POST", "/api/v1/incidents", body, cross);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCode(r), "cross_origin");
  auto same = b.Headers();
  same["Origin"] = "http://127.0.0.1";  // the client's Host header
  EXPECT_EQ(Call("POST", "/api/v1/incidents", body, same).status, 201);
  // GET /session hands the same token to a page that lost it.
  json current = BodyJson(Call("GET", "/api/v1/session", "", no_csrf));
  EXPECT_EQ(current["csrf_token"], b.csrf);
  // Bearer tokens are not sent by browsers on their own: no CSRF token needed.
  EXPECT_EQ(Bearer(tokens_->at(Role::kDocumenter), "POST", "/api/v1/incidents", body).status, 201);
}

TEST_F(AuthTest, FailedLoginsAreThrottledWithGrowingDelays) {
  MakeUser("throttle-user", Role::kViewer);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(LoginReply("throttle-user", "wrong password number").status, 401) << i;
  }
  // After the fourth failure a one-second delay: even the right password waits.
  testing::Reply r = LoginReply("throttle-user", kPassword);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers["retry-after"], "1");
  clock_->Advance(1);
  EXPECT_EQ(LoginReply("throttle-user", "wrong password number").status, 401);
  r = LoginReply("throttle-user", kPassword);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers["retry-after"], "2");
  // The delay is capped and passes: the real user gets in afterwards.
  clock_->Advance(2);
  EXPECT_EQ(LoginReply("throttle-user", kPassword).status, 201);
}

TEST_F(AuthTest, ReviewersMustEnrolTotpBeforeActing) {
  MakeUser("totp-reviewer", Role::kReviewer);
  Browser b = Login("totp-reviewer");
  EXPECT_EQ(b.body["totp_enrolment_required"], true);
  testing::Reply r = Call("GET", "/api/v1/incidents", "", b.Headers());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCode(r), "totp_enrolment_required");
  json begin = BodyJson(Call("POST", "/api/v1/me/totp", "", b.Headers()));
  ASSERT_TRUE(begin.contains("secret")) << begin;
  EXPECT_EQ(begin["otpauth_uri"].get<std::string>().rfind("otpauth://totp/Dalil:totp-reviewer?", 0), 0u);
  const std::string key = *security::Base32Decode(begin["secret"].get<std::string>());
  EXPECT_EQ(Call("POST", "/api/v1/me/totp/confirm", json{{"code", "000000"}}.dump(), b.Headers()).status,
            400);
  const std::string code = security::Totp(key, clock_->NowSeconds());
  r = Call("POST", "/api/v1/me/totp/confirm", json{{"code", code}}.dump(), b.Headers());
  ASSERT_EQ(r.status, 200) << r.body;
  json codes = BodyJson(r)["recovery_codes"];
  ASSERT_EQ(codes.size(), 10u);
  EXPECT_EQ(Call("GET", "/api/v1/incidents", "", b.Headers()).status, 200);

  // From now on sign-in needs a code; the one just used cannot be replayed.
  r = LoginReply("totp-reviewer", kPassword);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(ErrorCode(r), "totp_required");
  EXPECT_EQ(LoginReply("totp-reviewer", kPassword, {{"totp_code", code}}).status, 401);
  clock_->Advance(30);
  Login("totp-reviewer", {{"totp_code", security::Totp(key, clock_->NowSeconds())}});
  // A recovery code works once.
  const std::string recovery = codes[0];
  Login("totp-reviewer", {{"recovery_code", recovery}});
  EXPECT_EQ(LoginReply("totp-reviewer", kPassword, {{"recovery_code", recovery}}).status, 401);
}

TEST_F(AuthTest, AdminsWithoutTotpAndUsersWithAOneTimePasswordMayOnlyFinishSigningIn) {
  MakeUser("new-admin", Role::kAdmin, /*must_change=*/true);
  Browser b = Login("new-admin");
  EXPECT_EQ(b.body["must_change_password"], true);
  testing::Reply r = Call("GET", "/api/v1/users", "", b.Headers());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCode(r), "password_change_required");
  r = Call("POST", "/api/v1/me/password",
           json{{"current_password", kPassword}, {"new_password", "qwertyuiop1234"}}.dump(),
           b.Headers());
  EXPECT_EQ(r.status, 400) << r.body;  // a common password
  r = Call("POST", "/api/v1/me/password",
           json{{"current_password", kPassword}, {"new_password", "new admin: quiet harbour 90"}}.dump(),
           b.Headers());
  ASSERT_EQ(r.status, 200) << r.body;
  r = Call("GET", "/api/v1/users", "", b.Headers());
  EXPECT_EQ(ErrorCode(r), "totp_enrolment_required");
  json begin = BodyJson(Call("POST", "/api/v1/me/totp", "", b.Headers()));
  const std::string key = *security::Base32Decode(begin["secret"].get<std::string>());
  r = Call("POST", "/api/v1/me/totp/confirm",
           json{{"code", security::Totp(key, clock_->NowSeconds())}}.dump(), b.Headers());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Call("GET", "/api/v1/users", "", b.Headers()).status, 200);
}

TEST_F(AuthTest, SensitiveActionsNeedARecentPasswordCheck) {
  const int64_t id = MakeUser("reauth-admin", Role::kAdmin);
  const std::string key = EnrolTotp(id);
  clock_->Advance(60);
  Browser b = Login("reauth-admin", {{"totp_code", security::Totp(key, clock_->NowSeconds())}});
  const std::string create = json{{"username", "made-by-admin"}, {"role", "documenter"}}.dump();
  testing::Reply r = Call("POST", "/api/v1/users", create, b.Headers());
  ASSERT_EQ(r.status, 201) << r.body;  // sign-in counts as a fresh check
  const std::string one_time = BodyJson(r)["one_time_password"];
  EXPECT_EQ(BodyJson(r)["must_change_password"], true);
  const int64_t made = BodyJson(r)["id"];
  clock_->Advance(301);
  r = Call("PATCH", "/api/v1/users/" + std::to_string(made), json{{"role", "viewer"}}.dump(), b.Headers());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(BodyJson(r)["error"]["field"], "reauthentication");
  EXPECT_EQ(Call("POST", "/api/v1/session/reauth", json{{"password", kPassword}}.dump(), b.Headers()).status,
            401);  // the code is missing
  r = Call("POST", "/api/v1/session/reauth",
           json{{"password", kPassword}, {"totp_code", security::Totp(key, clock_->NowSeconds())}}.dump(),
           b.Headers());
  ASSERT_EQ(r.status, 200) << r.body;
  r = Call("PATCH", "/api/v1/users/" + std::to_string(made), json{{"disabled", true}}.dump(), b.Headers());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(LoginReply("made-by-admin", one_time).status, 401);  // disabled
  // An admin cannot demote themself; API tokens never count as recent.
  r = Call("PATCH", "/api/v1/users/" + std::to_string(id), json{{"role", "viewer"}}.dump(), b.Headers());
  EXPECT_EQ(r.status, 403);
  r = Bearer(tokens_->at(Role::kAdmin), "POST", "/api/v1/users", create);
  EXPECT_EQ(r.status, 403);
  r = Call("POST", "/api/v1/users/" + std::to_string(made) + "/reset-password", "", b.Headers());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(BodyJson(r)["one_time_password"], one_time);
}

// Sensitive fields never leave in a response (docs/security.md 14); a
// reveal needs the documenter role, a session (not an API token) and a
// password check in the last reauth_seconds, and is recorded in the ledger
// (who, what, when, never the values) before anything is shown. Refusals
// are account events, also in the ledger.
TEST_F(AuthTest, RevealNeedsTheRoleASessionAndARecentPasswordCheckAndIsRecorded) {
  const std::string name = "REVEAL-CANARY-name-51";
  const std::string contact = "REVEAL-CANARY-contact-51";
  testing::Reply r = Bearer(tokens_->at(Role::kDocumenter), "POST", "/api/v1/persons",
                            json{{"name", name}, {"contact", contact}}.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body.find("REVEAL-CANARY"), std::string::npos) << r.body;  // the create echo
  const int64_t person = BodyJson(r)["id"];
  const std::string url = "/api/v1/persons/" + std::to_string(person);
  for (const auto& [role, token] : *tokens_) {
    for (const std::string& path : {url, std::string("/api/v1/persons?limit=500"), url + "/history",
                                    std::string("/api/v1/persons/duplicates?threshold=0")}) {
      testing::Reply got = Bearer(token, "GET", path);
      EXPECT_EQ(got.status, 200) << path;
      EXPECT_EQ(got.body.find("REVEAL-CANARY"), std::string::npos)
          << path << " as " << security::RoleName(role);
    }
  }
  json shown = BodyJson(Bearer(tokens_->at(Role::kAdmin), "GET", url));
  EXPECT_FALSE(shown.contains("name"));
  EXPECT_EQ(shown["withheld"]["fields"], json::array({"name", "contact"}));
  EXPECT_EQ(shown["withheld"]["reveal"], "POST " + url + "/reveal");
  // A PATCH of what was read back leaves the withheld fields as they were.
  json patch = shown;
  for (const char* k : {"id", "version", "created_at", "created_by", "updated_at", "updated_by",
                        "owner_organisation_id", "withheld"}) {
    patch.erase(k);
  }
  patch["age_min"] = 30;
  r = Bearer(tokens_->at(Role::kDocumenter), "PATCH", url, patch.dump());
  ASSERT_EQ(r.status, 200) << r.body;

  auto [documenter, b] = ExpectRefusedEveryWay(
      url, "reveal",
      {{"entity", "person"}, {"record_id", person},
       {"fields", {"name", "name_variants", "contact", "home_location", "affiliation"}}},
      "REVEAL-CANARY");
  r = Call("POST", url + "/reveal", json{{"fields", {"name", "sex"}}}.dump(), b.Headers());
  EXPECT_EQ(r.status, 400);  // sex is not sensitive
  EXPECT_EQ(BodyJson(r)["error"]["field"], "fields");
  EXPECT_EQ(Call("POST", "/api/v1/persons/999999/reveal", "", b.Headers()).status, 404);
  ASSERT_EQ(Call("POST", "/api/v1/session/reauth", json{{"password", kPassword}}.dump(), b.Headers()).status,
            200);
  const uint64_t leaves_before = *store_->LedgerSize();
  r = Call("POST", url + "/reveal", json{{"fields", {"name"}}}.dump(), b.Headers());
  ASSERT_EQ(r.status, 200) << r.body;
  json revealed = BodyJson(r);
  EXPECT_EQ(revealed["fields"], json({{"name", name}}));
  r = Call("POST", url + "/reveal", "", b.Headers());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(BodyJson(r)["fields"], json({{"name", name}, {"name_variants", nullptr}, {"contact", contact},
                                         {"home_location", nullptr}, {"affiliation", nullptr}}));
  // One leaf per reveal: who, what, when; the values nowhere in the ledger.
  EXPECT_EQ(*store_->LedgerSize(), leaves_before + 2);
  const uint64_t at = revealed["ledger_leaf"];
  auto leaves = store_->Leaves(at, at + 1);
  ASSERT_TRUE(leaves.ok() && leaves->size() == 1);
  auto leaf = ledger::DecodeLeaf((*leaves)[0].data);
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(leaf->entity, "reveal");
  EXPECT_EQ(leaf->actor, "user:" + std::to_string(documenter));
  EXPECT_EQ(leaf->record_id, revealed["reveal_id"].get<uint64_t>());
  EXPECT_EQ(leaf->time, static_cast<uint64_t>(clock_->NowSeconds()));
  const std::string content = ledger::EventContent(
      ledger::kReveal, revealed["reveal_id"], clock_->NowSeconds(), leaf->actor,
      {{"user_id", documenter}, {"organisation_id", org_}, {"entity", "person"},
       {"record_id", person}, {"fields", {"name"}}});
  EXPECT_EQ(leaf->content_hash, ledger::Sha256(content));
  auto db = sqlite::Database::Open((*dir_ / "dalil.db").string(), false, true);
  ASSERT_TRUE(db.ok());
  auto st = (*db)->Prepare("SELECT group_concat(content, '|') FROM ledger");
  ASSERT_TRUE(st.ok() && *st->Step());
  const std::string all = st->Text(0);
  EXPECT_NE(all.find(content), std::string::npos);
  EXPECT_EQ(all.find("REVEAL-CANARY"), std::string::npos);
  EXPECT_EQ(ReadFile((*dir_ / "access.log").string()).find("REVEAL-CANARY"), std::string::npos);
  // Admins see who revealed what, and when; never the values.
  r = Bearer(tokens_->at(Role::kAdmin), "GET", "/api/v1/reveals?entity=person&record_id=" +
                                                    std::to_string(person));
  ASSERT_EQ(r.status, 200) << r.body;
  json listed = BodyJson(r)["items"];
  ASSERT_EQ(listed.size(), 2u) << r.body;
  EXPECT_EQ(listed[1]["id"], revealed["reveal_id"]);
  EXPECT_EQ(listed[1]["fields"], json::array({"name"}));
  EXPECT_EQ(listed[0]["fields"].size(), 5u);
  EXPECT_EQ(listed[0]["actor"], "user:" + std::to_string(documenter));
  EXPECT_EQ(r.body.find("REVEAL-CANARY"), std::string::npos);
  EXPECT_EQ(Bearer(tokens_->at(Role::kAdmin), "GET", "/api/v1/reveals?entity=person").status, 400);
  EXPECT_EQ(Bearer(tokens_->at(Role::kAdmin), "GET", "/api/v1/reveals?entity=incident&record_id=1").status,
            400);
  EXPECT_EQ(Bearer(tokens_->at(Role::kAdmin), "GET",
                   "/api/v1/reveals?user_id=" + std::to_string(documenter) + "&limit=1")
                .status,
            200);
  // The store signs over the leaves the account tables appended on their
  // own connection, and the whole log verifies, events included.
  auto key = ledger::GenerateSigningKey("dalil/reveal-test");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(store_->SignCheckpoint(*key).ok());
  auto report = store_->VerifyLedger(ledger::VerifierOf(*key), std::nullopt);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->intact()) << json(report->problems).dump(1);
  EXPECT_GT(report->events, 10u);
}

// An evidence file's contents are sensitive (docs/security.md 1): no GET
// serves them; they come back only through a reveal, under the same rule as
// identities, recorded in the ledger before the bytes are sent.
TEST_F(AuthTest, EvidenceContentsComeBackOnlyThroughARecordedReveal) {
  std::string bytes = "%PDF-1.4 EVIDENCE-CANARY medical record scan";
  bytes += std::string("\x00\x01\xff", 3);
  const std::string documenter_token = tokens_->at(Role::kDocumenter);
  testing::Reply r = Call("POST", "/api/v1/evidence?name=scan.pdf", bytes,
                          {{"Authorization", "Bearer " + documenter_token},
                           {"Content-Type", "application/pdf"}});
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t evidence = BodyJson(r)["id"];
  const std::string url = "/api/v1/evidence/" + std::to_string(evidence);
  EXPECT_EQ(BodyJson(r)["withheld"], json({{"fields", {"content"}}, {"reveal", "POST " + url + "/reveal"}}));
  for (const auto& [role, token] : *tokens_) {
    EXPECT_EQ(Bearer(token, "GET", url).status, 200);
    // The old download route is gone for every role.
    testing::Reply old = Bearer(token, "GET", url + "/content");
    EXPECT_EQ(old.status, 404) << security::RoleName(role);
    EXPECT_EQ(old.body.find("EVIDENCE-CANARY"), std::string::npos);
  }
  json shown = BodyJson(Bearer(tokens_->at(Role::kViewer), "GET", url));
  EXPECT_EQ(shown["withheld"]["fields"], json::array({"content"}));
  EXPECT_EQ(shown["sha256"], store::Sha256Hex(bytes));

  auto [documenter, b] = ExpectRefusedEveryWay(
      url, "file", {{"entity", "evidence"}, {"record_id", evidence}, {"fields", {"content"}}},
      "EVIDENCE-CANARY");
  r = Call("POST", url + "/reveal", json{{"fields", {"name"}}}.dump(), b.Headers());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(BodyJson(r)["error"]["field"], "fields");
  EXPECT_EQ(Call("POST", "/api/v1/evidence/999999/reveal", "", b.Headers()).status, 404);
  ASSERT_EQ(Call("POST", "/api/v1/session/reauth", json{{"password", kPassword}}.dump(), b.Headers()).status,
            200);

  // Allowed: one reveal row and one leaf, then the bytes as they were uploaded.
  const uint64_t leaves_before = *store_->LedgerSize();
  r = Call("POST", url + "/reveal", "", b.Headers());
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(r.body, bytes);
  EXPECT_EQ(r.headers["content-type"], "application/pdf");
  EXPECT_EQ(r.headers["content-disposition"],
            "attachment; filename=\"evidence-" + std::to_string(evidence) + "\"");
  EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(r.headers["cache-control"], "no-store");
  EXPECT_EQ(r.headers["digest"], "sha-256=" + store::Sha256Hex(bytes));
  EXPECT_EQ(*store_->LedgerSize(), leaves_before + 1);
  const int64_t reveal_id = std::stoll(r.headers["dalil-reveal-id"]);
  const uint64_t at = std::stoull(r.headers["dalil-ledger-leaf"]);
  EXPECT_EQ(at, leaves_before);
  auto leaves = store_->Leaves(at, at + 1);
  ASSERT_TRUE(leaves.ok() && leaves->size() == 1);
  auto leaf = ledger::DecodeLeaf((*leaves)[0].data);
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(leaf->entity, "reveal");
  EXPECT_EQ(leaf->record_id, static_cast<uint64_t>(reveal_id));
  EXPECT_EQ(leaf->actor, "user:" + std::to_string(documenter));
  const std::string content = ledger::EventContent(
      ledger::kReveal, reveal_id, clock_->NowSeconds(), leaf->actor,
      {{"user_id", documenter}, {"organisation_id", org_}, {"entity", "evidence"},
       {"record_id", evidence}, {"fields", {"content"}}});
  EXPECT_EQ(leaf->content_hash, ledger::Sha256(content));
  r = Bearer(tokens_->at(Role::kAdmin), "GET",
             "/api/v1/reveals?entity=evidence&record_id=" + std::to_string(evidence));
  ASSERT_EQ(r.status, 200) << r.body;
  json listed = BodyJson(r)["items"];
  ASSERT_EQ(listed.size(), 1u) << r.body;
  EXPECT_EQ(listed[0]["id"], reveal_id);
  EXPECT_EQ(listed[0]["fields"], json::array({"content"}));
  EXPECT_EQ(listed[0]["user_id"], documenter);

  // Naming the contents is the same reveal; an HTML file never comes back as HTML.
  r = Call("POST", url + "/reveal", json{{"fields", {"content"}}}.dump(), b.Headers());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, bytes);
  r = Call("POST", "/api/v1/evidence", "<script>alert('EVIDENCE-CANARY')</script>",
           {{"Authorization", "Bearer " + documenter_token}, {"Content-Type", "text/html"}});
  ASSERT_EQ(r.status, 201) << r.body;
  r = Call("POST", "/api/v1/evidence/" + std::to_string(BodyJson(r)["id"].get<int64_t>()) + "/reveal",
           "", b.Headers());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "application/octet-stream");
  EXPECT_EQ(r.headers["content-disposition"].rfind("attachment;", 0), 0u);
  EXPECT_EQ(*store_->LedgerSize(), leaves_before + 4);  // two reveals, one upload between

  // The bytes are in no log, no audit row and no ledger content.
  EXPECT_EQ(ReadFile((*dir_ / "access.log").string()).find("EVIDENCE-CANARY"), std::string::npos);
  auto db = sqlite::Database::Open((*dir_ / "dalil.db").string(), false, true);
  ASSERT_TRUE(db.ok());
  auto st = (*db)->Prepare(
      "SELECT group_concat(content, '|') || (SELECT group_concat(detail, '|') FROM account_audit) "
      "FROM ledger");
  ASSERT_TRUE(st.ok() && *st->Step());
  EXPECT_EQ(st->Text(0).find("EVIDENCE-CANARY"), std::string::npos);
  EXPECT_NE(st->Text(0).find(content), std::string::npos);
}

// The audit rows behind the reveals of one account, newest first: the
// account's "reveal.*" rows among the latest `n`.
std::vector<store::AuditEntry> RevealRows(store::AccountStore* accounts, int64_t user, int n) {
  std::vector<store::AuditEntry> out;
  auto audit = accounts->ListAudit(n);
  EXPECT_TRUE(audit.ok());
  if (!audit.ok()) return out;
  for (const store::AuditEntry& e : *audit) {
    if (e.user_id == user && e.action.rfind("reveal.", 0) == 0) out.push_back(e);
  }
  return out;
}

// Refused reveals write an audit row and a leaf each, so an account gets 10
// at once and then one a minute; past that it is answered 429 and its
// attempts are counted, with at most one "reveal.throttled" row a minute
// carrying the count. A reveal that is allowed has its own limit.
TEST_F(AuthTest, RefusedRevealsAreThrottledAndCountedWithoutALeafEach) {
  const std::string url = NewPersonUrl("THROTTLE-CANARY");
  testing::Reply r;
  const int64_t user = MakeUser("throttled-documenter", Role::kDocumenter);
  Browser b = Login("throttled-documenter");
  clock_->Advance(301);  // the password check has lapsed: every reveal is refused
  const uint64_t start = *store_->LedgerSize();
  for (int i = 0; i < api::kRefusedRevealRate.burst; ++i) {
    r = Call("POST", url + "/reveal", "", b.Headers());
    ASSERT_EQ(r.status, 403) << i << " " << r.body;
    EXPECT_EQ(BodyJson(r)["error"]["field"], "reauthentication");
  }
  EXPECT_EQ(*store_->LedgerSize(), start + 10);  // one leaf per refusal so far
  r = Call("POST", url + "/reveal", "", b.Headers());
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(ErrorCode(r), "too_many_reveals");
  EXPECT_EQ(r.headers["retry-after"], "60");
  EXPECT_NE(BodyJson(r)["error"]["message"].get<std::string>().find("60 seconds"), std::string::npos);
  auto rows = RevealRows(accounts_, user, 1);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].action, "reveal.throttled");
  EXPECT_EQ(rows[0].detail["count"], 1);
  EXPECT_EQ(rows[0].detail["limit"], "refusals");
  EXPECT_EQ(rows[0].detail["retry_after"], 60);
  EXPECT_EQ(rows[0].detail["entity"], "person");
  const int64_t first_row = rows[0].id;
  // Hammering adds no row and no leaf within the minute.
  for (int i = 0; i < 20; ++i) {
    clock_->Advance(1);
    r = Call("POST", url + "/reveal", "", b.Headers());
    ASSERT_EQ(r.status, 429) << i;
    EXPECT_EQ(r.headers["retry-after"], std::to_string(59 - i));
  }
  EXPECT_EQ(*store_->LedgerSize(), start + 11);
  EXPECT_EQ(RevealRows(accounts_, user, 1)[0].id, first_row);
  // Refusals do not spend the reveals' limit: after a password check the
  // account reveals at once; the 20 counted attempts wait for the minute.
  ASSERT_EQ(Call("POST", "/api/v1/session/reauth", json{{"password", kPassword}}.dump(), b.Headers()).status,
            200);
  r = Call("POST", url + "/reveal", "", b.Headers());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(*store_->LedgerSize(), start + 12);  // the reveal only
  clock_->Advance(40);  // a minute after the row: the next attempt writes the count
  r = Call("POST", url + "/reveal", "", b.Headers());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(*store_->LedgerSize(), start + 14);  // the count, then the reveal
  rows = RevealRows(accounts_, user, 5);
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows[0].action, "reveal.throttled");
  EXPECT_EQ(rows[0].detail, json({{"count", 20}}));
  EXPECT_EQ(rows[1].id, first_row);
  // Every throttled attempt is counted once: 1 + 20.
  int64_t counted = 0;
  for (const auto& e : RevealRows(accounts_, user, 100)) {
    if (e.action == "reveal.throttled") counted += e.detail["count"].get<int64_t>();
  }
  EXPECT_EQ(counted, 21);
  // Five minutes on the limit has given back one refusal a minute: six
  // more are audited, then 429 again.
  clock_->Advance(301);
  for (int i = 0; i < 6; ++i) {
    r = Call("POST", url + "/reveal", "", b.Headers());
    EXPECT_EQ(r.status, 403) << i << " " << r.body;
  }
  EXPECT_EQ(RevealRows(accounts_, user, 1)[0].action, "reveal.refused");
  r = Call("POST", url + "/reveal", "", b.Headers());
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers["retry-after"], "59");
  // Another account is not affected.
  MakeUser("other-documenter", Role::kDocumenter);
  Browser other = Login("other-documenter");
  EXPECT_EQ(Call("POST", url + "/reveal", "", other.Headers()).status, 200);
}

// Reveals that are allowed: a burst of 60, then one every 10 seconds, so a
// signed-in session cannot pull every identity at request rate.
TEST_F(AuthTest, RevealsPastTheBurstWaitForTheSteadyRate) {
  const std::string url = NewPersonUrl("BURST-CANARY");
  testing::Reply r;
  const int64_t user = MakeUser("burst-documenter", Role::kDocumenter);
  Browser b = Login("burst-documenter");
  const api::AuthOptions defaults;
  for (int i = 0; i < defaults.reveal_rate.burst; ++i) {
    ASSERT_EQ(Call("POST", url + "/reveal", json{{"fields", {"name"}}}.dump(), b.Headers()).status, 200)
        << i;
  }
  const uint64_t leaves = *store_->LedgerSize();
  r = Call("POST", url + "/reveal", json{{"fields", {"name"}}}.dump(), b.Headers());
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.headers["retry-after"], "10");
  EXPECT_EQ(r.body.find("BURST-CANARY"), std::string::npos);
  auto rows = RevealRows(accounts_, user, 1);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].detail["limit"], "reveals");
  EXPECT_EQ(rows[0].detail["fields"], json::array({"name"}));
  EXPECT_EQ(*store_->LedgerSize(), leaves + 1);
  clock_->Advance(10);
  EXPECT_EQ(Call("POST", url + "/reveal", "", b.Headers()).status, 200);
  EXPECT_EQ(Call("POST", url + "/reveal", "", b.Headers()).status, 429);
  EXPECT_EQ(*store_->LedgerSize(), leaves + 2);  // the reveal; the throttled one waits its minute
}

TEST_F(AuthTest, ApiTokensAreScopedExpiringAndRevocable) {
  const int64_t id = MakeUser("token-admin", Role::kAdmin);
  const std::string key = EnrolTotp(id);
  clock_->Advance(60);
  Browser b = Login("token-admin", {{"totp_code", security::Totp(key, clock_->NowSeconds())}});
  testing::Reply r = Call("POST", "/api/v1/tokens",
                          json{{"name", "import script"}, {"role", "documenter"}, {"expires_in_days", 1}}.dump(),
                          b.Headers());
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string token = BodyJson(r)["token"];
  const int64_t token_id = BodyJson(r)["id"];
  EXPECT_EQ(BodyJson(r)["role"], "documenter");
  // The documenter scope: may create, may not delete or manage users.
  EXPECT_EQ(Bearer(token, "POST", "/api/v1/incidents", ValidIncident().dump()).status, 201);
  EXPECT_EQ(ErrorCode(Bearer(token, "DELETE", "/api/v1/incidents/1")), "forbidden");
  EXPECT_EQ(ErrorCode(Bearer(token, "GET", "/api/v1/users")), "forbidden");
  // Listed without the secret.
  json list = BodyJson(Call("GET", "/api/v1/tokens", "", b.Headers()));
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_FALSE(list["items"][0].contains("token"));
  EXPECT_EQ(list.dump().find(token), std::string::npos);
  // Revoked: refused at once.
  EXPECT_EQ(Call("DELETE", "/api/v1/tokens/" + std::to_string(token_id), "", b.Headers()).status, 204);
  EXPECT_EQ(Bearer(token, "GET", "/api/v1/incidents").status, 401);
  // Expired: refused after its day.
  r = Call("POST", "/api/v1/tokens", json{{"name", "short"}, {"expires_in_days", 1}}.dump(), b.Headers());
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string short_lived = BodyJson(r)["token"];
  EXPECT_EQ(Bearer(short_lived, "GET", "/api/v1/incidents").status, 200);
  clock_->Advance(86400);
  EXPECT_EQ(Bearer(short_lived, "GET", "/api/v1/incidents").status, 401);
  // Never above the creator's role.
  MakeUser("token-doc", Role::kDocumenter);
  Browser d = Login("token-doc");
  r = Call("POST", "/api/v1/tokens", json{{"name", "x"}, {"role", "admin"}}.dump(), d.Headers());
  EXPECT_EQ(r.status, 403);
  // A demoted user's old token loses the rank with them.
  const int64_t promoted = MakeUser("demoted-user", Role::kReviewer);
  const std::string old = MakeToken(promoted, Role::kReviewer, 86400);
  ASSERT_TRUE(accounts_->UpdateUser("test", promoted, {.role = "viewer"}, "user.update", json::object()).ok());
  EXPECT_EQ(ErrorCode(Bearer(old, "POST", "/api/v1/incidents", ValidIncident().dump())), "forbidden");
}

TEST_F(AuthTest, DecidingReviewsAndMergingPersonsNeedAReviewer) {
  const std::string& documenter = tokens_->at(Role::kDocumenter);
  json verified = ValidIncident();
  verified["review_status"] = "verified";
  testing::Reply r = Bearer(documenter, "POST", "/api/v1/incidents", verified.dump());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(BodyJson(r)["error"]["field"], "review_status");
  r = Bearer(tokens_->at(Role::kReviewer), "POST", "/api/v1/incidents", verified.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string path = "/api/v1/incidents/" + std::to_string(BodyJson(r)["id"].get<int64_t>());
  // A documenter may edit the title but not undo the decision.
  EXPECT_EQ(Bearer(documenter, "PATCH", path, json{{"title_en", "Edited"}}.dump()).status, 200);
  EXPECT_EQ(Bearer(documenter, "PATCH", path, json{{"review_status", "draft"}}.dump()).status, 403);
  json draft = ValidIncident();
  draft["review_status"] = "in_review";
  EXPECT_EQ(Bearer(documenter, "POST", "/api/v1/incidents", draft.dump()).status, 201);
}

TEST_F(AuthTest, WritesCarryTheUserIdInTheLedgerNeverTheName) {
  const int64_t id = MakeUser("ledger-writer", Role::kDocumenter);
  const std::string token = MakeToken(id, Role::kDocumenter, 86400);
  testing::Reply r = Bearer(token, "POST", "/api/v1/incidents", ValidIncident().dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(BodyJson(r)["created_by"], "user:" + std::to_string(id));
  r = Bearer(token, "GET", "/api/v1/incidents/" + std::to_string(BodyJson(r)["id"].get<int64_t>()) + "/history");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"user:" + std::to_string(id) + "\""), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("ledger-writer"), std::string::npos);
}

TEST_F(AuthTest, PasswordsAreRehashedAtLoginWhenTheCostChanged) {
  auto old = security::HashPassword(kPassword, {2, size_t{20} << 20});
  ASSERT_TRUE(old.ok());
  const int64_t id = MakeUser("rehash-user", Role::kViewer, false, &*old);
  Login("rehash-user");
  auto u = accounts_->GetUser(id);
  ASSERT_TRUE(u.ok());
  EXPECT_NE(u->password_hash, *old);
  EXPECT_FALSE(security::NeedsRehash(u->password_hash, security::kTestCost));
  EXPECT_TRUE(security::VerifyPassword(u->password_hash, kPassword));
}

TEST_F(AuthTest, AccountChangesAreAuditedWithoutSecretsAndLogsHoldNone) {
  const int64_t id = MakeUser("audit-user", Role::kViewer);
  Browser b = Login("audit-user");
  LoginReply("audit-user", "a wrong password 77");
  auto audit = accounts_->ListAudit(1000);
  ASSERT_TRUE(audit.ok());
  std::set<std::string> actions;
  std::string all;
  for (const auto& e : *audit) {
    if (e.user_id == id) actions.insert(e.action);
    all += e.actor + e.action + e.detail.dump();
  }
  for (const char* a : {"user.create", "session.create", "login.failure"}) {
    EXPECT_EQ(actions.count(a), 1u) << a;
  }
  const std::string log = ReadFile((*dir_ / "access.log").string());
  ASSERT_FALSE(log.empty());
  for (const std::string& secret : {std::string(kPassword), b.token, b.csrf,
                                    tokens_->at(Role::kAdmin), std::string("a wrong password 77")}) {
    EXPECT_EQ(all.find(secret), std::string::npos);
    EXPECT_EQ(log.find(secret), std::string::npos);
  }
}

}  // namespace
}  // namespace dalil
