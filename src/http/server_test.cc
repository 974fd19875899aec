// <utility> before any Asio header: see server.cc.
#include <utility>

#include "http/server.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <unistd.h>

namespace dalil::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;
using BeastResponse = bhttp::response<bhttp::string_body>;
using BeastRequest = bhttp::request<bhttp::string_body>;

// Runs a Server on an ephemeral port in a background thread.
class TestServer {
 public:
  TestServer(const Router& router, ServerOptions options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    if (options.threads == 0) options.threads = 2;
    server_ = std::make_unique<Server>(options, router);
    Status status = server_->Listen();
    EXPECT_TRUE(status.ok()) << status.ToString();
    thread_ = std::thread([this] {
      server_->Run(/*handle_signals=*/false);
      returned_.set_value();
    });
  }
  ~TestServer() { Stop(); }

  // Stops the server and waits for Run() to return; false if it took longer
  // than `limit`.
  bool Stop(std::chrono::seconds limit = std::chrono::seconds(10)) {
    if (!thread_.joinable()) return true;
    server_->Stop();
    bool returned =
        returned_future_.wait_for(limit) == std::future_status::ready;
    if (returned)
      thread_.join();
    else
      thread_.detach();  // keep the test binary from hanging
    return returned;
  }

  uint16_t port() const { return server_->port(); }
  Server& server() { return *server_; }

 private:
  std::unique_ptr<Server> server_;
  std::promise<void> returned_;
  std::future<void> returned_future_ = returned_.get_future();
  std::thread thread_;
};

// A synchronous Beast client on one connection.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  BeastResponse Send(BeastRequest req) {
    bool head = req.method() == bhttp::verb::head;
    req.set(bhttp::field::host, "127.0.0.1");
    req.prepare_payload();
    bhttp::write(socket_, req);
    return Read(head);
  }

  BeastResponse Get(const std::string& target) {
    return Send(BeastRequest(bhttp::verb::get, target, 11));
  }

  BeastResponse Post(const std::string& target, std::string body) {
    BeastRequest req(bhttp::verb::post, target, 11);
    req.body() = std::move(body);
    return Send(std::move(req));
  }

  void WriteRaw(const std::string& bytes) {
    asio::write(socket_, asio::buffer(bytes));
  }

  BeastResponse Read(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.skip(head);
    bhttp::read(socket_, buffer_, parser);
    return parser.release();
  }

  // True when the server has closed the connection (read gives EOF/reset).
  bool ReadsEof() {
    char c;
    beast::error_code ec;
    if (buffer_.size() > 0) return false;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

json Body(const BeastResponse& res) { return json::parse(res.body()); }

Router MakeRouter() {
  Router router;
  router.Add("GET", "/hello", "greeting", http::Access::Public(), [](Request& req) {
    Response res;
    res.body = json{{"hello", req.Query("name").value_or("world")},
                    {"method", req.method},
                    {"remote", req.remote_address},
                    {"agent", req.Header("x-test").value_or("")}}
                   .dump();
    return res;
  });
  router.Add("POST", "/echo", "echo", http::Access::Public(), [](Request& req) {
    Response res;
    res.content_type = "text/plain";
    res.body = req.body;
    return res;
  });
  router.AddUpload("POST", "/upload", "upload", http::Access::Public(), [](Request& req) {
    Response res;
    res.body = json{{"size", req.body.size()}}.dump();
    return res;
  });
  router.Add("GET", "/cached", "own cache header", http::Access::Public(), [](Request&) {
    Response res;
    res.body = "{}";
    res.headers.emplace_back("Cache-Control", "max-age=60");
    return res;
  });
  router.Add("GET", "/evil-header", "header injection", http::Access::Public(), [](Request&) {
    Response res;
    res.body = "{}";
    res.headers.emplace_back("Content-Disposition",
                             "attachment\r\nSet-Cookie: x=1");
    res.headers.emplace_back("X-Fine", "yes");
    return res;
  });
  // A body produced piece by piece: 40 pieces of 100,000 bytes, each
  // filled with its own letter; ?fail=N stops after N pieces.
  router.Add("GET", "/stream", "streamed body", http::Access::Public(), [](Request& req) {
    Response res;
    res.content_type = "text/plain";
    res.headers.emplace_back("Content-Disposition", "attachment; filename=\"s.txt\"");
    auto given = std::make_shared<int>(0);
    const int fail = std::stoi(req.Query("fail").value_or("-1"));
    res.next = [given, fail](std::string* piece) {
      if (*given == fail) return false;
      if (*given < 40) piece->assign(100000, static_cast<char>('A' + *given % 26));
      ++*given;
      return true;
    };
    return res;
  });
  router.Add("DELETE", "/nothing", "no content", http::Access::Public(), [](Request&) {
    Response res;
    res.status = 204;
    return res;
  });
  return router;
}

void ExpectSecurityHeaders(const BeastResponse& res,
                           const std::string& cache = "no-store") {
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(res["Referrer-Policy"], "no-referrer");
  EXPECT_EQ(res["Content-Security-Policy"],
            "default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
            "form-action 'self'");
  EXPECT_EQ(res["X-Frame-Options"], "DENY");
  EXPECT_EQ(res["X-XSS-Protection"], "0");
  EXPECT_EQ(res["Cache-Control"], cache);
  EXPECT_EQ(res["Server"], "dalil");
}

std::filesystem::path TempPath(const std::string& stem) {
  static std::atomic<int> counter{0};
  return std::filesystem::temp_directory_path() /
         (stem + "-" + std::to_string(::getpid()) + "-" +
          std::to_string(counter++) + ".log");
}

TEST(ServerTest, GetRoundTrip) {
  Router router = MakeRouter();
  TestServer server(router);
  Client client(server.port());
  BeastRequest req(bhttp::verb::get, "/hello?name=Mosul%20Dam", 11);
  req.set("X-Test", "abc");
  BeastResponse res = client.Send(req);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[bhttp::field::content_type], "application/json; charset=utf-8");
  EXPECT_EQ(res[bhttp::field::content_length],
            std::to_string(res.body().size()));
  json body = Body(res);
  EXPECT_EQ(body["hello"], "Mosul Dam");
  EXPECT_EQ(body["method"], "GET");
  EXPECT_EQ(body["remote"], "127.0.0.1");
  EXPECT_EQ(body["agent"], "abc");
  ExpectSecurityHeaders(res);
}

TEST(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  Router router = MakeRouter();
  TestServer server(router);
  Client client(server.port());
  BeastResponse first = client.Get("/hello?name=one");
  EXPECT_EQ(first.result_int(), 200);
  EXPECT_TRUE(first.keep_alive());
  BeastResponse second = client.Post("/echo", "two");
  EXPECT_EQ(second.result_int(), 200);
  EXPECT_EQ(second.body(), "two");
  EXPECT_EQ(second[bhttp::field::content_type], "text/plain");
}

TEST(ServerTest, ConnectionCloseIsHonoured) {
  Router router = MakeRouter();
  TestServer server(router);
  Client client(server.port());
  BeastRequest req(bhttp::verb::get, "/hello", 11);
  req.keep_alive(false);
  BeastResponse res = client.Send(req);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(client.ReadsEof());
}

TEST(ServerTest, BodyOverLimitIs413) {
  Router router = MakeRouter();
  ServerOptions options;
  options.max_body_bytes = 1024;
  TestServer server(router, options);
  Client client(server.port());
  BeastResponse res = client.Post("/echo", std::string(2048, 'x'));
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_FALSE(res.keep_alive());
  json body = Body(res);
  EXPECT_EQ(body["error"]["code"], "payload_too_large");
  EXPECT_EQ(body["error"]["field"], "body");
  EXPECT_EQ(body["error"]["message"], "request body exceeds 1024 bytes");
  ExpectSecurityHeaders(res);
  EXPECT_TRUE(client.ReadsEof());

  // At the limit is fine.
  Client ok_client(server.port());
  EXPECT_EQ(ok_client.Post("/echo", std::string(1024, 'y')).result_int(), 200);
}

TEST(ServerTest, ChunkedBodyOverLimitIs413) {
  Router router = MakeRouter();
  ServerOptions options;
  options.max_body_bytes = 1024;
  TestServer server(router, options);
  Client client(server.port());
  std::string chunk(800, 'z');
  client.WriteRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "320\r\n" +
      chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
  BeastResponse res = client.Read();
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(Body(res)["error"]["code"], "payload_too_large");
}

TEST(ServerTest, UploadRouteAcceptsLargerBody) {
  Router router = MakeRouter();
  ServerOptions options;
  options.max_body_bytes = 1024;
  options.max_upload_bytes = 200000;
  TestServer server(router, options);
  Client client(server.port());
  BeastResponse res = client.Post("/upload", std::string(150000, 'u'));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(Body(res)["size"], 150000);
  // The connection stays usable.
  EXPECT_EQ(client.Get("/hello").result_int(), 200);

  Client over(server.port());
  res = over.Post("/upload", std::string(200001, 'u'));
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(Body(res)["error"]["message"], "request body exceeds 200000 bytes");
}

TEST(ServerTest, ExpectContinueGetsInterimResponse) {
  Router router = MakeRouter();
  TestServer server(router);
  Client client(server.port());
  client.WriteRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
      "Expect: 100-continue\r\n\r\n");
  BeastResponse interim = client.Read();
  EXPECT_EQ(interim.result_int(), 100);
  client.WriteRaw("hello");
  BeastResponse res = client.Read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "hello");
}

TEST(ServerTest, ExpectContinueOverLimitGets413Instead) {
  Router router = MakeRouter();
  ServerOptions options;
  options.max_body_bytes = 1024;
  TestServer server(router, options);
  Client client(server.port());
  client.WriteRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
      "Expect: 100-continue\r\n\r\n");
  BeastResponse res = client.Read();
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_TRUE(client.ReadsEof());
}

TEST(ServerTest, SecurityHeadersOnEveryResponse) {
  Router router = MakeRouter();
  TestServer server(router);
  Client client(server.port());
  BeastResponse not_found = client.Get("/missing");
  EXPECT_EQ(not_found.result_int(), 404);
  EXPECT_EQ(Body(not_found)["error"]["code"], "not_found");
  ExpectSecurityHeaders(not_found);

  BeastResponse wrong_method = client.Post("/hello", "");
  EXPECT_EQ(wrong_method.result_int(), 405);
  EXPECT_EQ(wrong_method[bhttp::field::allow], "GET, HEAD");
  ExpectSecurityHeaders(wrong_method);

  BeastResponse cached = client.Get("/cached");
  ExpectSecurityHeaders(cached, "max-age=60");

  BeastResponse no_content =
      client.Send(BeastRequest(bhttp::verb::delete_, "/nothing", 11));
  EXPECT_EQ(no_content.result_int(), 204);
  ExpectSecurityHeaders(no_content);
}

TEST(ServerTest, HandlerHeadersWithLineBreaksAreDropped) {
  Router router = MakeRouter();
  TestServer server(router);
  Client client(server.port());
  BeastResponse res = client.Get("/evil-header");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.count(bhttp::field::content_disposition), 0u);
  EXPECT_EQ(res.count(bhttp::field::set_cookie), 0u);
  EXPECT_EQ(res["X-Fine"], "yes");
}

TEST(ServerTest, HeadDropsBodyButKeepsLength) {
  Router router = MakeRouter();
  TestServer server(router);
  Client client(server.port());
  BeastResponse get = client.Get("/hello");
  BeastResponse head =
      client.Send(BeastRequest(bhttp::verb::head, "/hello", 11));
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(head[bhttp::field::content_length],
            std::to_string(get.body().size()));
  ExpectSecurityHeaders(head);
  // The connection is still in sync after a HEAD.
  EXPECT_EQ(client.Get("/hello").result_int(), 200);
}

// A streamed body arrives whole, chunked, with the handler's and the
// server's headers; HEAD gets the headers alone and the connection stays in
// step; a producer that fails midway leaves a truncated body and a closed
// connection, never a complete-looking response.
TEST(ServerTest, StreamedBodyArrivesWholeAndAFailureTruncatesIt) {
  Router router = MakeRouter();
  TestServer server(router);
  Client client(server.port());
  BeastResponse res = client.Get("/stream");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[bhttp::field::transfer_encoding], "chunked");
  EXPECT_EQ(res[bhttp::field::content_type], "text/plain");
  EXPECT_EQ(res["Content-Disposition"], "attachment; filename=\"s.txt\"");
  ExpectSecurityHeaders(res);
  ASSERT_EQ(res.body().size(), 4000000u);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(res.body()[static_cast<size_t>(i) * 100000 + 99999], static_cast<char>('A' + i % 26));
  }
  BeastResponse head = client.Send(BeastRequest(bhttp::verb::head, "/stream", 11));
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(client.Get("/hello").result_int(), 200);

  Client broken(server.port());
  broken.WriteRaw("GET /stream?fail=3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  // Reading the whole response fails: the last chunk never comes.
  EXPECT_THROW(broken.Read(), boost::system::system_error);
}

// An upload route refuses a caller it does not admit on the request's
// header: the refusal comes before the body is sent (the client here never
// sends the 50 MiB it announces), and the handler never runs. An admitted
// caller's upload is read and handled.
TEST(ServerTest, UploadsAreRefusedBeforeTheBodyIsRead) {
  Router router;
  router.SetIdentifier([](const Request& req) -> Result<std::optional<security::Principal>> {
    if (req.Header("authorization") != "Bearer admin") return std::optional<security::Principal>();
    security::Principal p;
    p.role = security::Role::kAdmin;
    p.method = security::AuthMethod::kApiToken;
    return std::optional<security::Principal>(p);
  });
  auto handled = std::make_shared<std::atomic<int>>(0);
  router.AddUpload("POST", "/admin-upload", "upload", http::Access::AtLeast(security::Role::kAdmin),
                   [handled](Request& req) {
                     ++*handled;
                     Response res;
                     res.body = json{{"size", req.body.size()}}.dump();
                     return res;
                   });
  TestServer server(router);
  Client anonymous(server.port());
  anonymous.WriteRaw("POST /admin-upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Content-Type: text/plain\r\nContent-Length: 52428800\r\n\r\n");
  BeastResponse refused = anonymous.Read();
  EXPECT_EQ(refused.result_int(), 401);
  EXPECT_EQ(Body(refused)["error"]["code"], "unauthenticated");
  EXPECT_TRUE(anonymous.ReadsEof());

  Client admin(server.port());
  BeastRequest req(bhttp::verb::post, "/admin-upload", 11);
  req.set(bhttp::field::authorization, "Bearer admin");
  req.body() = std::string(100000, 'x');
  BeastResponse ok = admin.Send(std::move(req));
  EXPECT_EQ(ok.result_int(), 200);
  EXPECT_EQ(Body(ok)["size"], 100000);
  EXPECT_EQ(handled->load(), 1);
}

TEST(ServerTest, MalformedTargetIs400) {
  Router router = MakeRouter();
  TestServer server(router);
  Client client(server.port());
  BeastResponse res = client.Get("/hello?name=%zz");
  EXPECT_EQ(res.result_int(), 400);
  json body = Body(res);
  EXPECT_EQ(body["error"]["code"], "invalid_argument");
  EXPECT_EQ(body["error"]["field"], "target");
  ExpectSecurityHeaders(res);
  EXPECT_TRUE(client.ReadsEof());
}

TEST(ServerTest, MalformedRequestIs400) {
  Router router = MakeRouter();
  TestServer server(router);
  Client client(server.port());
  client.WriteRaw("GET /hello HTTP/1.1\r\nBad Header\r\n\r\n");
  BeastResponse res = client.Read();
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(Body(res)["error"]["code"], "invalid_argument");
  EXPECT_TRUE(client.ReadsEof());
}

TEST(ServerTest, OversizedHeaderIs431) {
  Router router = MakeRouter();
  ServerOptions options;
  options.max_header_bytes = 1024;
  TestServer server(router, options);
  Client client(server.port());
  BeastRequest req(bhttp::verb::get, "/hello", 11);
  req.set("X-Big", std::string(2000, 'b'));
  BeastResponse res = client.Send(req);
  EXPECT_EQ(res.result_int(), 431);
  EXPECT_EQ(Body(res)["error"]["field"], "headers");
}

TEST(ServerTest, IdleConnectionTimesOut) {
  Router router = MakeRouter();
  ServerOptions options;
  options.keep_alive_timeout_seconds = 1;
  TestServer server(router, options);
  Client client(server.port());
  EXPECT_EQ(client.Get("/hello").result_int(), 200);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.ReadsEof());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(ServerTest, StopLetsInFlightRequestFinish) {
  std::promise<void> entered;
  std::atomic<bool> release{false};
  Router router = MakeRouter();
  router.Add("GET", "/slow", "slow", http::Access::Public(), [&](Request&) {
    entered.set_value();
    while (!release.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    Response res;
    res.body = R"({"slow":true})";
    return res;
  });
  ServerOptions options;
  options.keep_alive_timeout_seconds = 60;  // idle close must come from Stop
  TestServer server(router, options);

  // An idle keep-alive connection, which Stop() must close promptly.
  Client idle(server.port());
  EXPECT_EQ(idle.Get("/hello").result_int(), 200);

  std::future<BeastResponse> slow = std::async(std::launch::async, [&] {
    Client client(server.port());
    return client.Get("/slow");
  });
  entered.get_future().wait();

  auto start = std::chrono::steady_clock::now();
  std::future<bool> stopped =
      std::async(std::launch::async, [&] { return server.Stop(); });
  // Give Stop() time to act while the handler is still running.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(idle.ReadsEof());
  release = true;

  BeastResponse res = slow.get();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), R"({"slow":true})");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(stopped.get());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));

  // Nothing listens any more.
  asio::io_context ioc;
  tcp::socket probe(ioc);
  beast::error_code ec;
  probe.connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()), ec);
  EXPECT_TRUE(ec);
}

TEST(ServerTest, SigtermStopsServer) {
  Router router = MakeRouter();
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  Server server(options, router);
  ASSERT_TRUE(server.Listen().ok());
  std::promise<void> returned;
  std::future<void> returned_future = returned.get_future();
  std::thread runner([&] {
    server.Run(/*handle_signals=*/true);
    returned.set_value();
  });
  // A served request proves Run() is past installing the signal handlers.
  {
    Client client(server.port());
    EXPECT_EQ(client.Get("/hello").result_int(), 200);
  }
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  bool stopped = returned_future.wait_for(std::chrono::seconds(10)) ==
                 std::future_status::ready;
  if (!stopped) server.Stop();
  runner.join();
  EXPECT_TRUE(stopped);
}

TEST(ServerTest, StopBeforeRunReturnsPromptly) {
  Router router = MakeRouter();
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.threads = 1;
  Server server(options, router);
  ASSERT_TRUE(server.Listen().ok());
  server.Stop();
  server.Run(/*handle_signals=*/false);  // must not block
}

TEST(ServerTest, ListenReportsBadAddress) {
  Router router;
  ServerOptions options;
  options.address = "not-an-address";
  Server server(options, router);
  Status status = server.Listen();
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.field(), "address");
}

TEST(ServerTest, ListenReportsPortInUse) {
  Router router = MakeRouter();
  TestServer first(router);
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = first.port();
  Server second(options, router);
  EXPECT_EQ(second.Listen().code(), Code::kIoError);
}

TEST(ServerTest, AccessLogHasPathButNotQueryOrBody) {
  std::filesystem::path log_path = TempPath("dalil-access");
  {
    Router router = MakeRouter();
    ServerOptions options;
    options.access_log = log_path.string();
    TestServer server(router, options);
    Client client(server.port());
    EXPECT_EQ(client.Get("/hello?name=secret-search-term").result_int(), 200);
    EXPECT_EQ(client.Post("/echo?token=query-secret", "secret-body-text")
                  .result_int(),
              200);
    EXPECT_EQ(client.Get("/missing?q=another-secret").result_int(), 404);
    ASSERT_TRUE(server.Stop());
  }

  std::ifstream in(log_path);
  std::vector<json> lines;
  std::string all;
  for (std::string line; std::getline(in, line);) {
    all += line + "\n";
    lines.push_back(json::parse(line));
  }
  std::filesystem::remove(log_path);

  ASSERT_EQ(lines.size(), 3u) << all;
  EXPECT_EQ(all.find("secret"), std::string::npos) << all;
  EXPECT_EQ(lines[0]["path"], "/hello");
  EXPECT_EQ(lines[0]["method"], "GET");
  EXPECT_EQ(lines[0]["status"], 200);
  EXPECT_EQ(lines[0]["remote"], "127.0.0.1");
  EXPECT_TRUE(lines[0]["bytes"].is_number_unsigned());
  EXPECT_TRUE(lines[0]["ms"].is_number());
  std::string ts = lines[0]["ts"];
  EXPECT_EQ(ts.size(), 24u) << ts;  // 2024-05-01T12:00:00.000Z
  EXPECT_EQ(ts.back(), 'Z');
  EXPECT_EQ(lines[1]["path"], "/echo");
  EXPECT_EQ(lines[1]["method"], "POST");
  EXPECT_EQ(lines[1]["bytes"], 16);
  EXPECT_EQ(lines[2]["status"], 404);
}

}  // namespace
}  // namespace dalil::http
