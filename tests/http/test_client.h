// A small synchronous HTTP/1.1 client on Boost.Beast for tests that talk to
// a real server over loopback.
#ifndef DALIL_TESTS_HTTP_TEST_CLIENT_H_
#define DALIL_TESTS_HTTP_TEST_CLIENT_H_

#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <string>

namespace dalil::testing {

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class TestClient {
 public:
  explicit TestClient(uint16_t port) : port_(port) {}

  Reply Send(const std::string& method, const std::string& target,
             const std::string& body = "",
             const std::map<std::string, std::string>& headers = {}) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(boost::asio::ip::tcp::endpoint(
        boost::asio::ip::make_address("127.0.0.1"), port_));
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "127.0.0.1");
    bool has_type = false;
    for (const auto& [k, v] : headers) {
      req.set(k, v);
      if (k == "Content-Type") has_type = true;
    }
    if (!body.empty() && !has_type) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    parser.skip(method == "HEAD");
    http::read(stream, buf, parser);
    auto& res = parser.get();
    Reply r;
    r.status = res.result_int();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(f.value());
    }
    r.body = res.body();
    beast::error_code ec;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    return r;
  }

 private:
  uint16_t port_;
};

}  // namespace dalil::testing

#endif  // DALIL_TESTS_HTTP_TEST_CLIENT_H_
