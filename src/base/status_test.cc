#include "base/status.h"

#include <gtest/gtest.h>

#include "base/error_map.h"

namespace dalil {
namespace {

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(StatusTest, InvalidNamesField) {
  Status s = Status::Invalid("end_date", "must not be before start_date");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "end_date");
  EXPECT_EQ(s.ToString(), "invalid_argument: end_date: must not be before start_date");
}

Result<int> Half(int x) {
  if (x % 2) return Status::Invalid("x", "odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  DALIL_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(ResultTest, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Quarter(7).status().message(), "odd");
}

TEST(ErrorMapTest, EveryCodeHasDistinctMeaning) {
  struct Case { Code code; int http; int exit; };
  const Case cases[] = {
      {Code::kOk, 200, 0},           {Code::kInvalidArgument, 400, 2},
      {Code::kNotFound, 404, 3},     {Code::kConflict, 409, 4},
      {Code::kPayloadTooLarge, 413, 2}, {Code::kUnauthenticated, 401, 8},
      {Code::kPermissionDenied, 403, 8}, {Code::kIoError, 500, 5},
      {Code::kCorruption, 500, 6},   {Code::kUnavailable, 503, 7},
      {Code::kInternal, 500, 1},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(HttpStatusFor(c.code), c.http) << CodeName(c.code);
    EXPECT_EQ(ExitCodeFor(c.code), c.exit) << CodeName(c.code);
  }
}

}  // namespace
}  // namespace dalil
