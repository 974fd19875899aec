#include "http/api/respond.h"

#include "base/error_map.h"
#include "http/router.h"

namespace dalil::api {

http::Response JsonResponse(int status, const nlohmann::json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
  return r;
}

http::Response ErrorResponse(const Status& s) {
  return http::ErrorResponse(HttpStatusFor(s.code()), std::string(CodeName(s.code())),
                             s.message(), s.field());
}

http::Response TextResponse(std::string body) {
  http::Response r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

store::Viewer ViewerOf(const http::Request& req) {
  if (!req.principal) return store::Viewer::Anonymous();
  return store::Viewer::Member(req.principal->organisation_id,
                               std::string(security::RoleName(req.principal->role)));
}

}  // namespace dalil::api
