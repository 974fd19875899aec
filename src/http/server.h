// The HTTP/1.1 server: Boost.Beast on Asio with C++20 coroutines, a thread
// pool, keep-alive, request size and time limits, graceful shutdown and a
// structured access log. Handlers run on the pool threads and may block
// briefly (SQLite calls).
#ifndef DALIL_HTTP_SERVER_H_
#define DALIL_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "http/router.h"

namespace dalil::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;        // 0 picks an ephemeral port (tests)
  int threads = 0;             // 0: std::thread::hardware_concurrency()
  size_t max_body_bytes = 1 << 20;         // larger bodies get 413
  size_t max_upload_bytes = 64u << 20;     // for routes marked as uploads
  size_t max_header_bytes = 16 << 10;
  int request_timeout_seconds = 30;        // reading one request
  int keep_alive_timeout_seconds = 60;     // idle connection
  // Access log destination: a file path, "-" for stderr, "" for none.
  std::string access_log;
  // TLS (OpenSSL, TLS 1.2 and 1.3 only, forward-secret AEAD ciphers) when
  // both are set: a PEM certificate chain and its PEM private key. Every
  // response then carries Strict-Transport-Security.
  std::string tls_certificate_file;
  std::string tls_private_key_file;
  bool tls() const { return !tls_certificate_file.empty() || !tls_private_key_file.empty(); }
};

class Server {
 public:
  Server(ServerOptions options, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. After OK, port() is the bound port.
  Status Listen();
  uint16_t port() const;

  // Serves until Stop() or SIGINT/SIGTERM (when handle_signals). Blocks.
  // On stop: no new connections are accepted, requests in flight finish,
  // idle keep-alive connections are closed, then Run() returns.
  void Run(bool handle_signals);

  // Thread safe; may be called from any thread or a signal handler context
  // of Asio's signal_set.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dalil::http

#endif  // DALIL_HTTP_SERVER_H_
