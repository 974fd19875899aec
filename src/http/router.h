// The route table: method + path pattern -> handler. Patterns are literal
// segments and `{name}` parameters: "/api/v1/incidents/{id}". The table is
// the source of truth for the OpenAPI test and, later, the authorization
// matrix. Not thread safe while routes are being added; read-only afterwards
// (safe for concurrent Dispatch).
#ifndef DALIL_HTTP_ROUTER_H_
#define DALIL_HTTP_ROUTER_H_

#include <functional>
#include <string>
#include <vector>

#include "http/message.h"

namespace dalil::http {

using Handler = std::function<Response(Request&)>;

struct Route {
  std::string method;   // "GET"
  std::string pattern;  // "/api/v1/incidents/{id}"
  std::string summary;  // one line for docs
  Handler handler;
  bool upload = false;  // body may be up to ServerOptions::max_upload_bytes
};

class Router {
 public:
  void Add(std::string method, std::string pattern, std::string summary,
           Handler handler);
  // Like Add, for routes that take a file upload as the raw body.
  void AddUpload(std::string method, std::string pattern, std::string summary,
                 Handler handler);

  // The route matching method and path, or nullptr. Used by the server to
  // choose the body limit before reading the body.
  const Route* Find(const std::string& method, const std::string& path) const;

  // Finds the route for req.method and req.path, binds req.params and calls
  // it. 404 when no pattern matches the path, 405 (with an Allow header) when
  // the path matches but not the method. Exceptions thrown by a handler
  // become a 500 with a generic message (never the exception text, which may
  // hold data).
  Response Dispatch(Request& req) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// The JSON error body used for every failure:
// {"error": {"code": "...", "message": "...", "field": "..."}}
Response ErrorResponse(int http_status, const std::string& code,
                       const std::string& message,
                       const std::string& field = "");

}  // namespace dalil::http

#endif  // DALIL_HTTP_ROUTER_H_
