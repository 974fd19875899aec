#include "http/router.h"

#include <memory>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace dalil::http {
namespace {

using nlohmann::json;

Handler Echo(std::string tag) {
  return [tag](Request& req) {
    Response res;
    json params = json::object();
    for (const auto& [k, v] : req.params) params[k] = v;
    res.body = json{{"route", tag}, {"params", params}}.dump();
    return res;
  };
}

Request Make(std::string method, std::string path) {
  Request req;
  req.method = std::move(method);
  req.path = std::move(path);
  return req;
}

json Body(const Response& res) { return json::parse(res.body); }

std::string HeaderOf(const Response& res, const std::string& name) {
  for (const auto& [k, v] : res.headers) {
    if (k == name) return v;
  }
  return "";
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add("GET", "/api/v1/incidents", "list", http::Access::Public(), Echo("list"));
    router_.Add("POST", "/api/v1/incidents", "create", http::Access::Public(), Echo("create"));
    router_.Add("GET", "/api/v1/incidents/{id}", "get", http::Access::Public(), Echo("get"));
    router_.Add("DELETE", "/api/v1/incidents/{id}", "delete", http::Access::Public(), Echo("delete"));
    router_.Add("GET", "/api/v1/incidents/{id}/sources/{source_id}", "src", http::Access::Public(),
                Echo("source"));
    // Added after the parameterised route on purpose: literals win anyway.
    router_.Add("GET", "/api/v1/incidents/export", "export", http::Access::Public(), Echo("export"));
    router_.AddUpload("POST", "/api/v1/imports", "import", http::Access::Public(), Echo("import"));
  }

  Router router_;
};

TEST_F(RouterTest, DispatchesLiteralRoute) {
  Request req = Make("GET", "/api/v1/incidents");
  Response res = router_.Dispatch(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(Body(res)["route"], "list");
  req = Make("POST", "/api/v1/incidents");
  EXPECT_EQ(Body(router_.Dispatch(req))["route"], "create");
}

TEST_F(RouterTest, BindsParams) {
  Request req = Make("GET", "/api/v1/incidents/12");
  Response res = router_.Dispatch(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(Body(res)["route"], "get");
  EXPECT_EQ(req.params.at("id"), "12");

  req = Make("GET", "/api/v1/incidents/7/sources/abc");
  res = router_.Dispatch(req);
  EXPECT_EQ(Body(res)["route"], "source");
  EXPECT_EQ(req.params.at("id"), "7");
  EXPECT_EQ(req.params.at("source_id"), "abc");
}

TEST_F(RouterTest, LiteralSegmentBeatsParameter) {
  Request req = Make("GET", "/api/v1/incidents/export");
  EXPECT_EQ(Body(router_.Dispatch(req))["route"], "export");
  EXPECT_TRUE(req.params.empty());
}

TEST_F(RouterTest, UnknownPathIs404) {
  for (const char* path :
       {"/api/v1/nothing", "/", "/api/v1/incidents/", "/api/v1/incidents//",
        "/api/v1/incidents/1/extra", "/API/v1/incidents"}) {
    Request req = Make("GET", path);
    Response res = router_.Dispatch(req);
    EXPECT_EQ(res.status, 404) << path;
    EXPECT_EQ(Body(res)["error"]["code"], "not_found") << path;
  }
}

TEST_F(RouterTest, ParameterNeedsNonEmptySegment) {
  Request req = Make("GET", "/api/v1/incidents//sources/x");
  EXPECT_EQ(router_.Dispatch(req).status, 404);
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  Request req = Make("PUT", "/api/v1/incidents/3");
  Response res = router_.Dispatch(req);
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(Body(res)["error"]["code"], "method_not_allowed");
  EXPECT_EQ(HeaderOf(res, "Allow"), "DELETE, GET, HEAD");

  req = Make("GET", "/api/v1/imports");
  res = router_.Dispatch(req);
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(HeaderOf(res, "Allow"), "POST");
}

TEST_F(RouterTest, FindReportsUploadRoutes) {
  const Route* route = router_.Find("POST", "/api/v1/imports");
  ASSERT_NE(route, nullptr);
  EXPECT_TRUE(route->upload);
  route = router_.Find("GET", "/api/v1/incidents/5");
  ASSERT_NE(route, nullptr);
  EXPECT_FALSE(route->upload);
  EXPECT_EQ(route->pattern, "/api/v1/incidents/{id}");
  EXPECT_EQ(router_.Find("PATCH", "/api/v1/incidents/5"), nullptr);
  EXPECT_EQ(router_.Find("GET", "/nope"), nullptr);
  EXPECT_EQ(router_.routes().size(), 7u);
}

TEST(RouterExceptionTest, HandlerExceptionIs500WithoutLeakingWhat) {
  std::ostringstream captured;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured)));

  Router router;
  router.Add("GET", "/boom/{id}", "throws", http::Access::Public(), [](Request&) -> Response {
    throw std::runtime_error("secret-search-term");
  });
  router.Add("GET", "/boom2", "throws non-std", http::Access::Public(),
             [](Request&) -> Response { throw 42; });
  Request req = Make("GET", "/boom/1");
  Response res = router.Dispatch(req);
  Request req2 = Make("GET", "/boom2");
  Response res2 = router.Dispatch(req2);
  spdlog::set_default_logger(previous);

  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(Body(res)["error"]["code"], "internal");
  EXPECT_EQ(res.body.find("secret"), std::string::npos);
  EXPECT_EQ(res2.status, 500);
  std::string log = captured.str();
  EXPECT_NE(log.find("/boom/{id}"), std::string::npos) << log;
  EXPECT_EQ(log.find("secret"), std::string::npos) << log;
}

TEST(ErrorResponseTest, Shape) {
  Response res = ErrorResponse(400, "invalid_argument", "bad date", "start");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.content_type, "application/json; charset=utf-8");
  json body = Body(res);
  EXPECT_EQ(body["error"]["code"], "invalid_argument");
  EXPECT_EQ(body["error"]["message"], "bad date");
  EXPECT_EQ(body["error"]["field"], "start");

  body = Body(ErrorResponse(404, "not_found", "gone"));
  ASSERT_TRUE(body["error"].contains("field"));
  EXPECT_TRUE(body["error"]["field"].is_null());
}

TEST(ErrorResponseTest, InvalidUtf8DoesNotThrow) {
  Response res;
  ASSERT_NO_THROW(
      res = ErrorResponse(400, "invalid_argument", "bad \xff", "f\xfe"));
  EXPECT_NO_THROW(json::parse(res.body));
}

// Access rules, enforced by Dispatch before any handler runs.
class RouterAccessTest : public ::testing::Test {
 protected:
  RouterAccessTest() {
    router_.Add("GET", "/open", "open", Access::Public(), Echo("open"));
    router_.Add("GET", "/mine", "mine", Access::Account(), Echo("mine"));
    router_.Add("POST", "/write", "write", Access::AtLeast(security::Role::kDocumenter),
                Echo("write"));
  }

  void SignInAs(std::optional<security::Principal> who) {
    router_.SetIdentifier([who](const Request&) -> Result<std::optional<security::Principal>> {
      return who;
    });
  }

  Router router_;
};

TEST_F(RouterAccessTest, WithoutAnIdentifierOnlyPublicRoutesAnswer) {
  Request open = Make("GET", "/open");
  EXPECT_EQ(router_.Dispatch(open).status, 200);
  Request mine = Make("GET", "/mine");
  Response res = router_.Dispatch(mine);
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(Body(res)["error"]["code"], "unauthenticated");
  EXPECT_NE(HeaderOf(res, "WWW-Authenticate").find("Bearer"), std::string::npos);
}

TEST_F(RouterAccessTest, RolesBelowTheRuleAreForbiddenAndPendingSignInIsHeldBack) {
  security::Principal viewer;
  viewer.role = security::Role::kViewer;
  SignInAs(viewer);
  Request write = Make("POST", "/write");
  Response res = router_.Dispatch(write);
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(Body(res)["error"]["code"], "forbidden");

  security::Principal documenter;
  documenter.role = security::Role::kDocumenter;
  documenter.must_change_password = true;
  SignInAs(documenter);
  Request blocked = Make("POST", "/write");
  EXPECT_EQ(Body(router_.Dispatch(blocked))["error"]["code"], "password_change_required");
  Request mine = Make("GET", "/mine");
  EXPECT_EQ(router_.Dispatch(mine).status, 200);  // the account routes stay open
  ASSERT_TRUE(mine.principal.has_value());

  documenter.must_change_password = false;
  SignInAs(documenter);
  Request ok = Make("POST", "/write");
  EXPECT_EQ(Body(router_.Dispatch(ok))["route"], "write");
}

TEST_F(RouterAccessTest, CredentialErrorsAndForeignOriginsAreRefused) {
  router_.SetIdentifier([](const Request&) -> Result<std::optional<security::Principal>> {
    return Status(Code::kUnauthenticated, "the session expired");
  });
  Request mine = Make("GET", "/mine");
  EXPECT_EQ(router_.Dispatch(mine).status, 401);
  router_.SetIdentifier([](const Request&) -> Result<std::optional<security::Principal>> {
    return Status(Code::kPermissionDenied, "missing X-CSRF-Token", "x-csrf-token");
  });
  Request write = Make("POST", "/write");
  Response res = router_.Dispatch(write);
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(Body(res)["error"]["code"], "csrf");
  // Another site's page posting here, even to a public route.
  router_.Add("POST", "/login", "login", Access::Public(), Echo("login"));
  Request cross = Make("POST", "/login");
  cross.headers["origin"] = "https://evil.example";
  cross.headers["host"] = "dalil.example";
  EXPECT_EQ(Body(router_.Dispatch(cross))["error"]["code"], "cross_origin");
  Request same = Make("POST", "/login");
  same.headers["origin"] = "https://dalil.example";
  same.headers["host"] = "dalil.example";
  EXPECT_EQ(Body(router_.Dispatch(same))["route"], "login");
}

}  // namespace
}  // namespace dalil::http
