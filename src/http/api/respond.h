// Building responses in the API handlers: JSON bodies, and a Status as the
// one error shape through base/error_map.h.
#ifndef DALIL_HTTP_API_RESPOND_H_
#define DALIL_HTTP_API_RESPOND_H_

#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "http/message.h"
#include "store/store.h"

namespace dalil::api {

http::Response JsonResponse(int status, const nlohmann::json& body);
// {"error": {"code", "message", "field"}} with the HTTP status of the code.
http::Response ErrorResponse(const Status& s);
http::Response TextResponse(std::string body);

// Whose view of the records a request gets: its signed-in account's
// (organisation and role), or an anonymous visitor's (published records).
store::Viewer ViewerOf(const http::Request& req);

}  // namespace dalil::api

#endif  // DALIL_HTTP_API_RESPOND_H_
