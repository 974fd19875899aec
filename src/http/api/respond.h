// Building responses in the API handlers: JSON bodies, and a Status as the
// one error shape through base/error_map.h.
#ifndef DALIL_HTTP_API_RESPOND_H_
#define DALIL_HTTP_API_RESPOND_H_

#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "http/message.h"

namespace dalil::api {

http::Response JsonResponse(int status, const nlohmann::json& body);
// {"error": {"code", "message", "field"}} with the HTTP status of the code.
http::Response ErrorResponse(const Status& s);
http::Response TextResponse(std::string body);

}  // namespace dalil::api

#endif  // DALIL_HTTP_API_RESPOND_H_
