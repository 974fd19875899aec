#include "http/router.h"

#include <exception>
#include <set>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace dalil::http {
namespace {

// Splits "/a/b/c" into {"a", "b", "c"}. "/" gives {""} and "/a/" gives
// {"a", ""}, so a trailing slash is a distinct (empty) segment and never
// matches a pattern without one.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool IsParam(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// True when `path` matches `pattern`; binds parameters into `params` when
// given (only then, so a failed match leaves the request untouched).
bool Match(const std::string& pattern, const std::string& path,
           std::map<std::string, std::string>* params) {
  std::vector<std::string_view> pat = Segments(pattern);
  std::vector<std::string_view> got = Segments(path);
  if (pat.size() != got.size()) return false;
  for (size_t i = 0; i < pat.size(); ++i) {
    if (IsParam(pat[i])) {
      if (got[i].empty()) return false;
    } else if (pat[i] != got[i]) {
      return false;
    }
  }
  if (params != nullptr) {
    for (size_t i = 0; i < pat.size(); ++i) {
      if (!IsParam(pat[i])) continue;
      std::string name(pat[i].substr(1, pat[i].size() - 2));
      (*params)[name] = std::string(got[i]);
    }
  }
  return true;
}

// True when `a` should win over `b` for the same path: the first segment
// where they differ is literal in `a` and a parameter in `b`. This lets
// "/incidents/export" coexist with "/incidents/{id}" regardless of the order
// the routes were added in.
bool MoreSpecific(const std::string& a, const std::string& b) {
  std::vector<std::string_view> sa = Segments(a);
  std::vector<std::string_view> sb = Segments(b);
  for (size_t i = 0; i < sa.size() && i < sb.size(); ++i) {
    bool pa = IsParam(sa[i]);
    bool pb = IsParam(sb[i]);
    if (pa != pb) return !pa;
  }
  return false;
}

struct Lookup {
  const Route* route = nullptr;   // best route for the method, if any
  std::set<std::string> allowed;  // methods whose pattern matches the path
};

Lookup FindRoute(const std::vector<Route>& routes, const std::string& method,
                 const std::string& path) {
  Lookup result;
  for (const Route& route : routes) {
    if (!Match(route.pattern, path, nullptr)) continue;
    result.allowed.insert(route.method);
    if (route.method != method) continue;
    if (result.route == nullptr ||
        MoreSpecific(route.pattern, result.route->pattern)) {
      result.route = &route;
    }
  }
  return result;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, std::string summary,
                 Access access, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(pattern),
                          std::move(summary), access, std::move(handler),
                          /*upload=*/false});
}

void Router::AddUpload(std::string method, std::string pattern,
                       std::string summary, Access access, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(pattern),
                          std::move(summary), access, std::move(handler),
                          /*upload=*/true});
}

namespace {

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// True when the Origin header names the origin the request was sent to
// (its Host, over http or https). "null" and anything unparsable are
// foreign.
bool SameOrigin(const std::string& origin, const std::optional<std::string>& host) {
  if (!host || host->empty()) return false;
  std::string o = Lower(origin);
  for (const char* scheme : {"http://", "https://"}) {
    const std::string_view prefix(scheme);
    if (o.rfind(prefix, 0) == 0) return o.substr(prefix.size()) == Lower(*host);
  }
  return false;
}

Response Unauthenticated(const std::string& message) {
  Response res = ErrorResponse(401, "unauthenticated", message);
  res.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"dalil\"");
  return res;
}

}  // namespace

std::optional<Response> Router::Authorize(Request& req, const Route& route) const {
  req.principal.reset();
  const bool safe = req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS";
  if (auto origin = req.Header("origin"); !safe && origin && !SameOrigin(*origin, req.Header("host"))) {
    return ErrorResponse(403, "cross_origin", "requests from another site are refused", "origin");
  }
  if (route.access.kind == Access::Kind::kPublic) return std::nullopt;
  if (!identify_) {
    if (route.access.kind == Access::Kind::kRecords) return std::nullopt;
    return Unauthenticated("sign in or send an API token");
  }
  auto who = identify_(req);
  if (!who.ok()) {
    if (who.status().code() == Code::kUnauthenticated) {
      return Unauthenticated(who.status().message());
    }
    if (who.status().code() == Code::kPermissionDenied) {
      return ErrorResponse(403, "csrf", who.status().message(), who.status().field());
    }
    spdlog::error("identifying the caller failed: {}", who.status().ToString());
    return ErrorResponse(503, "unavailable", "cannot check credentials now");
  }
  if (!*who) {
    // Records routes answer visitors who send no credentials, filtered.
    if (route.access.kind == Access::Kind::kRecords) return std::nullopt;
    return Unauthenticated("sign in or send an API token");
  }
  const security::Principal& p = **who;
  req.principal = p;
  if (route.access.kind == Access::Kind::kAccount) return std::nullopt;
  if (p.must_change_password) {
    return ErrorResponse(403, "password_change_required",
                         "change your password first (POST /api/v1/me/password)");
  }
  if (p.must_enrol_totp) {
    return ErrorResponse(403, "totp_enrolment_required",
                         "your role needs a second factor: enrol one first (POST /api/v1/me/totp)");
  }
  if (!p.AtLeast(route.access.min_role)) {
    return ErrorResponse(403, "forbidden",
                         "this needs the " + std::string(security::RoleName(route.access.min_role)) +
                             " role or higher");
  }
  return std::nullopt;
}

const Route* Router::Find(const std::string& method,
                          const std::string& path) const {
  return FindRoute(routes_, method, path).route;
}

Response Router::Dispatch(Request& req) const {
  Lookup found = FindRoute(routes_, req.method, req.path);
  if (found.route == nullptr) {
    if (found.allowed.empty()) {
      return ErrorResponse(404, "not_found", "no such resource");
    }
    // The server answers HEAD for every GET route, so advertise it too.
    if (found.allowed.count("GET") != 0) found.allowed.insert("HEAD");
    std::string allow;
    for (const std::string& m : found.allowed) {
      if (!allow.empty()) allow += ", ";
      allow += m;
    }
    Response res = ErrorResponse(405, "method_not_allowed",
                                 "method not allowed for this resource");
    res.headers.emplace_back("Allow", std::move(allow));
    return res;
  }

  const Route& route = *found.route;
  req.params.clear();
  Match(route.pattern, req.path, &req.params);
  try {
    if (auto denied = Authorize(req, route)) return *denied;
    return route.handler(req);
  } catch (...) {
    // Only the route is logged: exception text can carry request data
    // (search terms, record contents) that must not reach logs or clients.
    spdlog::error("handler for {} {} threw an exception", route.method,
                  route.pattern);
  }
  return ErrorResponse(500, "internal", "internal error");
}

std::optional<Response> Router::Admit(Request& req) const {
  Lookup found = FindRoute(routes_, req.method, req.path);
  if (found.route == nullptr) return std::nullopt;  // Dispatch answers 404/405
  req.params.clear();
  Match(found.route->pattern, req.path, &req.params);
  return Authorize(req, *found.route);
}

Response ErrorResponse(int http_status, const std::string& code,
                       const std::string& message, const std::string& field) {
  nlohmann::json error = {
      {"code", code},
      {"message", message},
      {"field",
       field.empty() ? nlohmann::json(nullptr) : nlohmann::json(field)},
  };
  Response res;
  res.status = http_status;
  // Messages may quote user input; replacing invalid UTF-8 keeps dump() from
  // throwing while an error is being reported.
  res.body = nlohmann::json{{"error", std::move(error)}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  return res;
}

}  // namespace dalil::http
