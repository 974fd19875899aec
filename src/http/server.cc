// <utility> must come before any Asio header: Boost 1.74's awaitable.hpp
// uses std::exchange without including it, which g++ 12 no longer pulls in
// transitively.
#include <utility>

#include "http/server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <ctime>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace dalil::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// How much a fresh read asks for while waiting for the start of a request.
constexpr size_t kFirstReadBytes = 4096;
// After an error response that closes the connection, unread request bytes
// are drained (within these bounds) so that closing does not reset the
// connection before the client has read the response.
constexpr size_t kMaxDrainBytes = 1 << 20;
constexpr auto kDrainTimeout = std::chrono::seconds(2);
// Back-off after an accept error such as EMFILE, so the loop does not spin.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);

constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'";

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Handlers may put user data into header values (a download file name);
// a CR or LF there would let that data write its own headers.
bool IsSafeHeader(std::string_view name, std::string_view value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
    return false;
  }
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

// Framing and connection management belong to the server alone; a handler
// setting these would desynchronise the connection.
bool IsServerOwnedHeader(const std::string& lower_name) {
  return lower_name == "content-length" || lower_name == "transfer-encoding" ||
         lower_name == "connection" || lower_name == "keep-alive" ||
         lower_name == "upgrade" || lower_name == "trailer";
}

std::string NowIso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                    now.time_since_epoch())
                    .count() %
                1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char date[32];
  size_t n = std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(date, n);
  char frac[8];
  std::snprintf(frac, sizeof(frac), ".%03dZ", static_cast<int>(millis));
  out += frac;
  return out;
}

// Errors from the HTTP parser that mean the client sent something that is
// not HTTP (as opposed to hanging up or timing out).
bool IsMalformed(const beast::error_code& ec) {
  static const std::error_category& kHttpCategory =
      bhttp::make_error_code(bhttp::error::bad_target).category();
  return ec.category() == kHttpCategory &&
         ec != bhttp::error::partial_message &&
         ec != bhttp::error::end_of_stream;
}

std::chrono::seconds Seconds(int n) {
  // Zero or negative would make every read time out at once; one second is
  // the smallest useful limit.
  return std::chrono::seconds(std::max(n, 1));
}

struct Connection {
  Connection(tcp::socket socket, asio::ssl::context* tls_context) : stream(std::move(socket)) {
    if (tls_context) tls = std::make_unique<asio::ssl::stream<beast::tcp_stream&>>(stream, *tls_context);
  }

  // The TCP stream holds the deadlines; with TLS, reads and writes go
  // through `tls` layered on it.
  beast::tcp_stream stream;
  std::unique_ptr<asio::ssl::stream<beast::tcp_stream&>> tls;
  beast::flat_buffer buffer;
  std::string remote;
  // True while waiting for the first byte of a request, the only state in
  // which shutdown may close the connection. Touched only on the
  // connection's strand.
  bool idle = false;
};

// Runs an I/O operation on the connection's outermost stream: `op` is
// called with the TLS stream or the TCP stream and returns the awaitable.
template <typename Op>
auto OnStream(Connection& c, Op&& op) -> decltype(op(c.stream)) {
  if (c.tls) return op(*c.tls);
  return op(c.stream);
}

// What the access log needs to know about one request.
struct LogEntry {
  std::string method;
  std::string path;
  Clock::time_point start;
};

}  // namespace

struct Server::Impl {
  Impl(ServerOptions opts, const Router& r)
      : options(std::move(opts)),
        router(r),
        thread_count(ThreadCount(options.threads)),
        ioc(thread_count),
        control(asio::make_strand(ioc)),
        acceptor(control) {}

  static int ThreadCount(int requested) {
    if (requested > 0) return requested;
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  }

  Status Listen();
  void Run(bool handle_signals);
  void Stop();

  // Coroutine rules in this file work around g++ 12 miscompiling
  // `if (co_await F(std::move(obj)))` with a class passed by value (it
  // crashes at run time): co_await appears only as a full statement or an
  // initializer, and class objects are passed by reference to named locals.
  asio::awaitable<void> Accept();
  asio::awaitable<void> Serve(std::shared_ptr<Connection> conn);
  // Reads, dispatches and answers one request whose first bytes are in
  // conn.buffer. Returns whether the connection may carry another request.
  asio::awaitable<bool> HandleRequest(Connection& conn);
  // Writes `res` (consuming its body) and logs it. Returns false when the
  // write failed.
  asio::awaitable<bool> Write(Connection& conn, Response& res, unsigned version,
                              bool keep_alive, bool head, const LogEntry& log);
  // Answers with an error, then closes gracefully.
  asio::awaitable<bool> WriteStreamed(Connection& conn, Response& res,
                                      bhttp::response<bhttp::string_body> head_of,
                                      bool keep_alive, bool head, const LogEntry& log);
  asio::awaitable<void> Reject(Connection& conn, Response& res,
                               unsigned version, const LogEntry& log);
  asio::awaitable<void> Drain(Connection& conn);
  void LogAccess(const Connection& conn, const LogEntry& log, int status,
                 size_t bytes);

  ServerOptions options;
  const Router& router;
  const int thread_count;
  asio::io_context ioc;
  // Serialises the acceptor and the signal set: Stop() closes them from
  // whatever thread it is called on.
  asio::strand<asio::io_context::executor_type> control;
  tcp::acceptor acceptor;
  std::optional<asio::signal_set> signals;
  bool listening = false;
  uint16_t port = 0;
  std::shared_ptr<spdlog::logger> access_log;
  std::optional<asio::ssl::context> tls_context;

  std::atomic<bool> stopping{false};
  std::mutex mu;
  // Live connections, so Stop() can close the idle ones.
  std::unordered_set<std::shared_ptr<Connection>> live;  // guarded by mu
};

namespace {

// Keeps a connection in the live set for the lifetime of its coroutine.
class Registration {
 public:
  Registration(std::mutex& mu,
               std::unordered_set<std::shared_ptr<Connection>>& live,
               std::shared_ptr<Connection> conn)
      : mu_(mu), live_(live), conn_(std::move(conn)) {
    std::lock_guard<std::mutex> lock(mu_);
    live_.insert(conn_);
  }
  ~Registration() {
    std::lock_guard<std::mutex> lock(mu_);
    live_.erase(conn_);
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  std::mutex& mu_;
  std::unordered_set<std::shared_ptr<Connection>>& live_;
  std::shared_ptr<Connection> conn_;
};

void LogCoroutineFailure(const char* what, std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::system_error& err) {
    // System error texts come from the OS, never from request data.
    spdlog::error("{} failed: {}", what, err.code().message());
  } catch (...) {
    spdlog::error("{} failed with an exception", what);
  }
}

}  // namespace

Status Server::Impl::Listen() {
  beast::error_code ec;
  if (options.tls()) {
    if (options.tls_certificate_file.empty() || options.tls_private_key_file.empty()) {
      return Status::Invalid("tls", "TLS needs both a certificate file and a private key file");
    }
    tls_context.emplace(asio::ssl::context::tls_server);
    // TLS 1.2 and 1.3 only; for 1.2, ECDHE with AEAD ciphers only (ASVS
    // 9.1.2, 9.1.3). No renegotiation, no compression.
    tls_context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                                 asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                                 asio::ssl::context::no_tlsv1_1 | asio::ssl::context::no_compression |
                                 SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE,
                             ec);
    if (!ec) {
      SSL_CTX_set_cipher_list(tls_context->native_handle(),
                              "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                              "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
    }
    if (ec) return Status::Internal("cannot set up TLS: " + ec.message());
    tls_context->use_certificate_chain_file(options.tls_certificate_file, ec);
    if (ec) {
      return Status::Invalid("tls.certificate", "cannot load certificate chain " +
                                                    options.tls_certificate_file + ": " + ec.message());
    }
    tls_context->use_private_key_file(options.tls_private_key_file, asio::ssl::context::pem, ec);
    if (ec) {
      return Status::Invalid("tls.private_key", "cannot load private key " +
                                                    options.tls_private_key_file + ": " + ec.message());
    }
    if (SSL_CTX_check_private_key(tls_context->native_handle()) != 1) {
      return Status::Invalid("tls.private_key", "the private key " + options.tls_private_key_file +
                                                    " does not match the certificate");
    }
  }
  asio::ip::address address = asio::ip::make_address(options.address, ec);
  if (ec) {
    return Status::Invalid("address", "not an IP address: " + options.address);
  }
  tcp::endpoint endpoint(address, options.port);
  std::string where = options.address + ":" + std::to_string(options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return Status::Io("cannot open socket: " + ec.message());
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return Status::Io("cannot set SO_REUSEADDR: " + ec.message());
  acceptor.bind(endpoint, ec);
  if (ec) return Status::Io("cannot bind " + where + ": " + ec.message());
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Io("cannot listen on " + where + ": " + ec.message());
  port = acceptor.local_endpoint(ec).port();
  if (ec) return Status::Io("cannot read bound port: " + ec.message());

  if (!options.access_log.empty()) {
    try {
      spdlog::sink_ptr sink;
      if (options.access_log == "-") {
        sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
      } else {
        sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(
            options.access_log, /*truncate=*/false);
      }
      // Not registered globally: several servers (tests) may coexist.
      access_log = std::make_shared<spdlog::logger>("access", sink);
      access_log->set_pattern("%v");
      access_log->set_level(spdlog::level::info);
      // One line per request; flushing each keeps the log useful when the
      // process is killed and lets operators tail it.
      access_log->flush_on(spdlog::level::info);
    } catch (const spdlog::spdlog_ex& e) {
      acceptor.close(ec);
      return Status::Io("cannot open access log " + options.access_log + ": " +
                        e.what());
    }
  }
  listening = true;
  return Status::Ok();
}

void Server::Impl::Run(bool handle_signals) {
  if (!listening) {
    spdlog::error("Server::Run called without a successful Listen");
    return;
  }
  asio::co_spawn(control, Accept(), [](std::exception_ptr e) {
    LogCoroutineFailure("accept loop", e);
  });
  if (handle_signals) {
    signals.emplace(control, SIGINT, SIGTERM);
    signals->async_wait([this](const beast::error_code& ec, int) {
      if (!ec) Stop();
    });
  }

  auto run = [this] {
    while (true) {
      try {
        ioc.run();
        return;
      } catch (...) {
        // Completion handlers do not throw by design; if one does, keep the
        // thread serving rather than losing a pool thread.
        spdlog::error("exception escaped an I/O handler");
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(thread_count - 1));
  for (int i = 1; i < thread_count; ++i) pool.emplace_back(run);
  run();
  for (std::thread& t : pool) t.join();
  // Restores the default signal disposition for the rest of the process.
  signals.reset();
}

void Server::Impl::Stop() {
  if (stopping.exchange(true)) return;
  asio::post(control, [this] {
    beast::error_code ec;
    acceptor.close(ec);
    if (signals) signals->cancel(ec);
  });
  std::vector<std::shared_ptr<Connection>> conns;
  {
    std::lock_guard<std::mutex> lock(mu);
    conns.assign(live.begin(), live.end());
  }
  // A connection busy with a request notices `stopping` when it answers and
  // closes after that response; only idle ones are interrupted here. A
  // connection that becomes idle after this check sees `stopping` itself.
  for (const auto& conn : conns) {
    asio::post(conn->stream.get_executor(), [conn] {
      if (conn->idle) conn->stream.cancel();
    });
  }
}

asio::awaitable<void> Server::Impl::Accept() {
  beast::error_code ec;
  while (!stopping.load()) {
    asio::any_io_executor conn_executor = asio::make_strand(ioc);
    tcp::socket socket = co_await acceptor.async_accept(
        conn_executor, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping.load() || ec == asio::error::operation_aborted) break;
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer backoff(control, kAcceptBackoff);
      co_await backoff.async_wait(
          asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    auto conn = std::make_shared<Connection>(std::move(socket),
                                             tls_context ? &*tls_context : nullptr);
    tcp::endpoint peer = conn->stream.socket().remote_endpoint(ec);
    if (!ec) conn->remote = peer.address().to_string();
    asio::co_spawn(
        conn->stream.get_executor(), Serve(conn),
        [](std::exception_ptr e) { LogCoroutineFailure("connection", e); });
  }
}

asio::awaitable<void> Server::Impl::Serve(std::shared_ptr<Connection> conn) {
  Registration registration(mu, live, conn);
  beast::error_code ec;
  bool first = true;
  if (conn->tls) {
    conn->stream.expires_after(Seconds(options.request_timeout_seconds));
    co_await conn->tls->async_handshake(asio::ssl::stream_base::server,
                                        asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      // Plain HTTP to the TLS port, an old protocol, a scanner: not logged
      // per connection beyond this (no request was read).
      conn->stream.close();
      co_return;
    }
  }
  while (true) {
    if (conn->buffer.size() == 0) {
      // Waiting for a request to start: the connection is idle. The flag is
      // set before `stopping` is checked so Stop() cannot miss it.
      conn->idle = true;
      if (stopping.load()) break;
      conn->stream.expires_after(
          Seconds(first ? options.request_timeout_seconds
                        : options.keep_alive_timeout_seconds));
      size_t n = co_await OnStream(*conn, [&](auto& s) {
        return s.async_read_some(conn->buffer.prepare(kFirstReadBytes),
                                 asio::redirect_error(asio::use_awaitable, ec));
      });
      conn->buffer.commit(n);
      conn->idle = false;
      if (ec) break;  // closed, timed out or cancelled by Stop()
    }
    first = false;
    bool again = co_await HandleRequest(*conn);
    if (!again) break;
  }
  if (conn->tls) {
    conn->stream.expires_after(kDrainTimeout);
    co_await conn->tls->async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }
  conn->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  conn->stream.close();
}

asio::awaitable<bool> Server::Impl::HandleRequest(Connection& conn) {
  beast::error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  LogEntry log;
  log.start = Clock::now();
  // One deadline for the header; another one below for the body.
  conn.stream.expires_after(Seconds(options.request_timeout_seconds));

  bhttp::request_parser<bhttp::empty_body> head_parser;
  head_parser.header_limit(static_cast<std::uint32_t>(std::min<size_t>(
      options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  // The body limit depends on the route, known only after the header; the
  // parser would otherwise reject a large Content-Length on its own. Not
  // boost::none: Beast 1.74 compares the length against the empty optional
  // and then rejects every Content-Length.
  head_parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  co_await OnStream(conn, [&](auto& s) {
    return bhttp::async_read_header(s, conn.buffer, head_parser, token);
  });
  if (ec) {
    if (ec == bhttp::error::header_limit) {
      Response res =
          ErrorResponse(431, "payload_too_large",
                        "request header exceeds " +
                            std::to_string(options.max_header_bytes) + " bytes",
                        "headers");
      co_await Reject(conn, res, 11, log);
    } else if (IsMalformed(ec)) {
      Response res =
          ErrorResponse(400, "invalid_argument", "malformed HTTP request");
      co_await Reject(conn, res, 11, log);
    }
    co_return false;
  }

  const auto& header = head_parser.get();
  const unsigned version = header.version();
  Request req;
  req.method = std::string(header.method_string());
  req.target = std::string(header.target());
  req.remote_address = conn.remote;
  log.method = req.method;
  if (!ParseTarget(req.target, &req.path, &req.query)) {
    // Log the raw path part: never the query, which may hold search terms.
    log.path = req.target.substr(0, req.target.find('?'));
    Response res = ErrorResponse(400, "invalid_argument",
                                 "malformed request target", "target");
    co_await Reject(conn, res, version, log);
    co_return false;
  }
  log.path = req.path;
  for (const auto& field : header) {
    beast::string_view raw_name = field.name_string();
    std::string name = ToLower({raw_name.data(), raw_name.size()});
    std::string value(field.value());
    auto [it, inserted] = req.headers.emplace(name, value);
    if (!inserted) {
      // Repeated headers combine into one list (RFC 9110 5.3); cookies use
      // their own separator.
      it->second += name == "cookie" ? "; " : ", ";
      it->second += value;
    }
  }

  // HEAD is answered by the GET handler with the body dropped.
  const bool head = req.method == "HEAD";
  if (head) req.method = "GET";
  const Route* route = router.Find(req.method, req.path);
  const size_t limit = route != nullptr && route->upload
                           ? options.max_upload_bytes
                           : options.max_body_bytes;
  auto too_large = [limit] {
    return ErrorResponse(
        413, "payload_too_large",
        "request body exceeds " + std::to_string(limit) + " bytes", "body");
  };
  if (auto length = head_parser.content_length(); length && *length > limit) {
    Response res = too_large();
    co_await Reject(conn, res, version, log);
    co_return false;
  }

  // An upload is read only for a caller its route admits: anyone else is
  // refused on the header, before a byte of the body is read or held.
  if (route != nullptr && route->upload && !head_parser.is_done()) {
    std::optional<Response> refused;
    try {
      refused = router.Admit(req);
    } catch (...) {
      refused = ErrorResponse(500, "internal", "internal error");
    }
    if (refused) {
      co_await Reject(conn, *refused, version, log);
      co_return false;
    }
  }

  if (!head_parser.is_done()) {
    // Clients such as curl wait for this before sending a large body.
    auto expect = header.find(bhttp::field::expect);
    if (expect != header.end() &&
        beast::iequals(expect->value(), "100-continue")) {
      bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_,
                                               version};
      co_await OnStream(conn, [&](auto& s) { return bhttp::async_write(s, go_on, token); });
      if (ec) co_return false;
    }
  }

  bhttp::request_parser<bhttp::string_body> parser(std::move(head_parser));
  parser.body_limit(limit);  // still needed for chunked bodies
  if (!parser.is_done()) {
    conn.stream.expires_after(Seconds(options.request_timeout_seconds));
    co_await OnStream(conn, [&](auto& s) { return bhttp::async_read(s, conn.buffer, parser, token); });
    if (ec) {
      if (ec == bhttp::error::body_limit) {
        Response res = too_large();
        co_await Reject(conn, res, version, log);
      } else if (IsMalformed(ec)) {
        Response res = ErrorResponse(400, "invalid_argument",
                                     "malformed request body", "body");
        co_await Reject(conn, res, version, log);
      }
      co_return false;
    }
  }
  req.body = std::move(parser.get().body());
  const bool client_keep_alive = parser.keep_alive();

  Response res;
  try {
    res = router.Dispatch(req);
  } catch (...) {
    // Dispatch already contains handler exceptions; this is for failures
    // around it (allocation).
    spdlog::error("dispatch failed with an exception");
    res = ErrorResponse(500, "internal", "internal error");
  }

  // Read `stopping` after the handler: a request in flight during Stop()
  // still gets its answer, but with Connection: close.
  const bool keep_alive = client_keep_alive && !stopping.load();
  bool written = co_await Write(conn, res, version, keep_alive, head, log);
  co_return written&& keep_alive;
}

asio::awaitable<bool> Server::Impl::Write(Connection& conn, Response& res,
                                          unsigned version, bool keep_alive,
                                          bool head, const LogEntry& log) {
  if (res.status < 200 || res.status > 599) {
    spdlog::error("handler returned invalid HTTP status {}", res.status);
    res = ErrorResponse(500, "internal", "internal error");
  }
  bhttp::response<bhttp::string_body> out;
  out.version(version);
  out.result(static_cast<unsigned>(res.status));
  out.set(bhttp::field::server, "dalil");

  bool own_cache_control = false;
  for (const auto& [name, value] : res.headers) {
    std::string lower = ToLower(name);
    if (!IsSafeHeader(name, value) || IsServerOwnedHeader(lower)) {
      spdlog::warn("dropped response header '{}' set by a handler",
                   IsSafeHeader(name, "") ? name : "(invalid name)");
      continue;
    }
    if (lower == "cache-control") own_cache_control = true;
    if (lower == "set-cookie") {
      out.insert(name, value);
    } else {
      out.set(name, value);
    }
  }
  // These are not negotiable per handler: every response gets them.
  out.set("X-Content-Type-Options", "nosniff");
  out.set("Referrer-Policy", "no-referrer");
  out.set("Content-Security-Policy", kContentSecurityPolicy);
  out.set("X-Frame-Options", "DENY");
  // The legacy XSS auditor is switched off, as OWASP's Secure Headers
  // project advises: it could be abused to leak data, and the CSP above is
  // the protection.
  out.set("X-XSS-Protection", "0");
  if (tls_context) out.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  if (!own_cache_control) out.set(bhttp::field::cache_control, "no-store");

  if (res.next && res.status != 204 && res.status != 304) {
    co_return co_await WriteStreamed(conn, res, std::move(out), keep_alive, head, log);
  }
  size_t bytes = 0;
  if (res.status == 204 || res.status == 304) {
    // These statuses never carry a body or a length (RFC 9110 6.4.1).
  } else {
    if (!res.content_type.empty()) {
      out.set(bhttp::field::content_type, res.content_type);
    }
    out.content_length(res.body.size());
    if (!head) {
      bytes = res.body.size();
      out.body() = std::move(res.body);
    }
  }
  out.keep_alive(keep_alive);

  beast::error_code ec;
  conn.stream.expires_after(Seconds(options.request_timeout_seconds));
  co_await OnStream(conn, [&](auto& s) {
    return bhttp::async_write(s, out, asio::redirect_error(asio::use_awaitable, ec));
  });
  LogAccess(conn, log, res.status, bytes);
  co_return !ec;
}

// A body sent as it is produced (Response::next): the header (with every
// header Write set), then one chunk per piece, then the last chunk. Memory
// holds one piece at a time.
asio::awaitable<bool> Server::Impl::WriteStreamed(Connection& conn, Response& res,
                                                  bhttp::response<bhttp::string_body> head_of,
                                                  bool keep_alive, bool head,
                                                  const LogEntry& log) {
  bhttp::response<bhttp::empty_body> out{bhttp::status::ok, head_of.version()};
  for (const auto& field : head_of.base()) out.base().insert(field.name_string(), field.value());
  out.result(head_of.result());
  if (!res.content_type.empty()) out.set(bhttp::field::content_type, res.content_type);
  out.keep_alive(keep_alive);
  out.chunked(true);
  beast::error_code ec;
  conn.stream.expires_after(Seconds(options.request_timeout_seconds));
  bhttp::response_serializer<bhttp::empty_body> sr{out};
  co_await OnStream(conn, [&](auto& s) {
    return bhttp::async_write_header(s, sr, asio::redirect_error(asio::use_awaitable, ec));
  });
  if (head) {
    LogAccess(conn, log, res.status, 0);
    co_return !ec;
  }
  size_t bytes = 0;
  std::string piece;
  bool complete = false;
  while (!ec) {
    piece.clear();
    bool ok = false;
    try {
      ok = res.next(&piece);
    } catch (...) {
      ok = false;
    }
    if (!ok) {
      spdlog::error("a streamed response ended early after {} bytes", bytes);
      break;
    }
    conn.stream.expires_after(Seconds(options.request_timeout_seconds));
    if (piece.empty()) {
      co_await OnStream(conn, [&](auto& s) {
        return asio::async_write(s, bhttp::make_chunk_last(),
                                 asio::redirect_error(asio::use_awaitable, ec));
      });
      complete = !ec;
      break;
    }
    bytes += piece.size();
    co_await OnStream(conn, [&](auto& s) {
      return asio::async_write(s, bhttp::make_chunk(asio::buffer(piece)),
                               asio::redirect_error(asio::use_awaitable, ec));
    });
  }
  LogAccess(conn, log, res.status, bytes);
  co_return complete;
}

asio::awaitable<void> Server::Impl::Reject(Connection& conn, Response& res,
                                           unsigned version,
                                           const LogEntry& log) {
  bool written = co_await Write(conn, res, version, /*keep_alive=*/false,
                                /*head=*/false, log);
  if (written) co_await Drain(conn);
}

asio::awaitable<void> Server::Impl::Drain(Connection& conn) {
  beast::error_code ec;
  // The response is complete once the write side is shut; the client sees
  // EOF after it. Closing right away with unread input would instead send a
  // reset that can destroy the response in the client's receive buffer.
  conn.stream.expires_after(kDrainTimeout);
  if (conn.tls) {
    // TLS ends with close_notify; the TCP close follows in Serve.
    co_await conn.tls->async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    co_return;
  }
  conn.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  conn.buffer.clear();
  size_t drained = 0;
  while (!ec && drained < kMaxDrainBytes) {
    size_t n = co_await conn.stream.async_read_some(
        conn.buffer.prepare(16384),
        asio::redirect_error(asio::use_awaitable, ec));
    drained += n;
    conn.buffer.clear();
  }
}

void Server::Impl::LogAccess(const Connection& conn, const LogEntry& log,
                             int status, size_t bytes) {
  if (!access_log) return;
  double ms =
      std::chrono::duration<double, std::milli>(Clock::now() - log.start)
          .count();
  // Path only: the query string can hold search terms, and bodies hold
  // record contents; neither belongs in a log.
  nlohmann::ordered_json line = {
      {"ts", NowIso8601()},
      {"remote", conn.remote},
      {"method", log.method},
      {"path", log.path},
      {"status", status},
      {"bytes", bytes},
      {"ms", std::round(ms * 1000.0) / 1000.0},
  };
  access_log->info("{}", line.dump(-1, ' ', false,
                                   nlohmann::json::error_handler_t::replace));
}

Server::Server(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

Server::~Server() = default;

Status Server::Listen() { return impl_->Listen(); }

uint16_t Server::port() const { return impl_->port; }

void Server::Run(bool handle_signals) { impl_->Run(handle_signals); }

void Server::Stop() { impl_->Stop(); }

}  // namespace dalil::http
