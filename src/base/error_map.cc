#include "base/error_map.h"

namespace dalil {
namespace {

struct Mapping {
  Code code;
  int http;
  int exit;
};

constexpr Mapping kMappings[] = {
    {Code::kOk, 200, 0},
    {Code::kInvalidArgument, 400, 2},
    {Code::kNotFound, 404, 3},
    {Code::kConflict, 409, 4},
    {Code::kPayloadTooLarge, 413, 2},
    {Code::kUnauthenticated, 401, 8},
    {Code::kPermissionDenied, 403, 8},
    {Code::kIoError, 500, 5},
    {Code::kCorruption, 500, 6},
    {Code::kUnavailable, 503, 7},
    {Code::kInternal, 500, 1},
};

const Mapping& Find(Code code) {
  for (const auto& m : kMappings) {
    if (m.code == code) return m;
  }
  return kMappings[sizeof(kMappings) / sizeof(kMappings[0]) - 1];
}

}  // namespace

int HttpStatusFor(Code code) { return Find(code).http; }
int ExitCodeFor(Code code) { return Find(code).exit; }

}  // namespace dalil
