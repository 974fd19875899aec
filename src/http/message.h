// Plain request/response values passed between the Beast server and the
// handlers. Handlers never see Beast types, so they can be tested without a
// socket and the server can change without touching them.
#ifndef DALIL_HTTP_MESSAGE_H_
#define DALIL_HTTP_MESSAGE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "security/principal.h"

namespace dalil::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw target: "/api/v1/incidents?place=IQ-DQ"
  std::string path;    // percent-decoded path without the query
  // Decoded query parameters. A parameter given twice keeps every value in
  // order; Query() returns the first.
  std::vector<std::pair<std::string, std::string>> query;
  // Header names are lower-cased.
  std::map<std::string, std::string> headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1"

  // Path parameters bound by the router, e.g. {"id": "12"}.
  std::map<std::string, std::string> params;
  // Set by the router before a non-public route's handler runs: who is
  // asking, and how they signed in.
  std::optional<security::Principal> principal;

  std::optional<std::string> Query(const std::string& name) const;
  std::optional<std::string> Header(const std::string& lower_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // A body too large to hold (an export): when set, `body` is unused and
  // the server sends the body piece by piece as `next` gives it (HTTP/1.1
  // chunked), until `next` leaves `piece` empty. A false return ends the
  // response early: the connection is closed without the last chunk, so
  // the client sees a truncated body, never a complete-looking one.
  // Called on the connection's thread, between writes.
  std::function<bool(std::string* piece)> next;
};

// Percent-decodes `in` ("+" stays "+" unless form_plus is set). Returns
// nullopt when an escape is malformed.
std::optional<std::string> PercentDecode(const std::string& in,
                                         bool form_plus = false);

// Splits a target into its path and decoded query pairs. Returns false if
// the target is malformed (bad escape, not starting with '/').
bool ParseTarget(const std::string& target, std::string* path,
                 std::vector<std::pair<std::string, std::string>>* query);

}  // namespace dalil::http

#endif  // DALIL_HTTP_MESSAGE_H_
