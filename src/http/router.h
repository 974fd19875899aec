// The route table: method + path pattern + access rule -> handler. Patterns
// are literal segments and `{name}` parameters: "/api/v1/incidents/{id}".
// Every route declares who may call it (security::Access); Dispatch
// enforces the rule before the handler runs, so a handler never sees a
// caller its rule excludes. The table is the source of truth for the
// OpenAPI document and the authorization matrix test. Not thread safe while routes are being added; read-only afterwards
// (safe for concurrent Dispatch).
#ifndef DALIL_HTTP_ROUTER_H_
#define DALIL_HTTP_ROUTER_H_

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "http/message.h"
#include "security/principal.h"

namespace dalil::http {

using Handler = std::function<Response(Request&)>;
using security::Access;

// Identifies the caller of a request from its credentials (cookie or
// bearer token). Returns the principal; nullopt when the request carries
// no credentials; kUnauthenticated when it carries credentials that are
// not valid (unknown, expired, revoked, disabled account); kPermissionDenied
// when a cookie-authenticated state-changing request fails the CSRF check.
// Must be thread safe. Messages must never contain a credential.
using Identifier =
    std::function<Result<std::optional<security::Principal>>(const Request&)>;

struct Route {
  std::string method;   // "GET"
  std::string pattern;  // "/api/v1/incidents/{id}"
  std::string summary;  // one line for docs
  Access access;        // who may call it (enforced by Dispatch)
  Handler handler;
  bool upload = false;  // body may be up to ServerOptions::max_upload_bytes
};

class Router {
 public:
  // The access rule is mandatory: there is no overload without one.
  void Add(std::string method, std::string pattern, std::string summary,
           Access access, Handler handler);
  // Like Add, for routes that take a file upload as the raw body.
  void AddUpload(std::string method, std::string pattern, std::string summary,
                 Access access, Handler handler);

  // Installs how callers are identified. Without one, only public routes
  // answer (every other gets 401): deny unless allowed.
  void SetIdentifier(Identifier identify) { identify_ = std::move(identify); }

  // The route matching method and path, or nullptr. Used by the server to
  // choose the body limit before reading the body.
  const Route* Find(const std::string& method, const std::string& path) const;

  // Finds the route for req.method and req.path, binds req.params, checks
  // its access rule and calls it. A state-changing request (not GET/HEAD)
  // whose Origin header names another origin than its Host gets 403
  // "cross_origin". For a non-public route: 401 "unauthenticated" without
  // valid credentials, 403 "password_change_required" or
  // "totp_enrolment_required" while the account must finish signing in
  // (except on Access::Account routes), 403 "forbidden" below the route's
  // role; the principal is put in req.principal. 404 when no pattern matches the path, 405 (with an Allow header) when
  // the path matches but not the method. Exceptions thrown by a handler
  // become a 500 with a generic message (never the exception text, which may
  // hold data).
  Response Dispatch(Request& req) const;

  // The same access check as Dispatch, on the request's header alone (path,
  // query and headers; no body yet): the refusal Dispatch would give, or
  // nullopt when the caller may go on. The server asks before reading an
  // upload's body, so a refused caller never makes it read (or hold) one.
  std::optional<Response> Admit(Request& req) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  // An error response when the caller may not call `route`.
  std::optional<Response> Authorize(Request& req, const Route& route) const;

  std::vector<Route> routes_;
  Identifier identify_;
};

// The JSON error body used for every failure:
// {"error": {"code": "...", "message": "...", "field": "..."}}
Response ErrorResponse(int http_status, const std::string& code,
                       const std::string& message,
                       const std::string& field = "");

}  // namespace dalil::http

#endif  // DALIL_HTTP_ROUTER_H_
