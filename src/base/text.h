// Small text, date and time helpers shared by every subsystem.
#ifndef DALIL_BASE_TEXT_H_
#define DALIL_BASE_TEXT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dalil {

// True if `s` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Parses "YYYY-MM-DD" into days since 1970-01-01, only for dates that exist
// (2021-02-29 is rejected). Years 1000..9999.
std::optional<int64_t> ParseDate(std::string_view s);
std::string FormatDate(int64_t days_since_epoch);

// Parses a non-negative or negative decimal integer with no junk.
std::optional<int64_t> ParseInt(std::string_view s);

// Lower-case hex of bytes.
std::string HexEncode(std::string_view bytes);

// The clock, behind an interface so tests can fix the time.
class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch, UTC.
  virtual int64_t NowSeconds() const = 0;
  // The system clock; never null, lives forever.
  static const Clock* System();
};

// "2026-11-27T19:27:17Z"
std::string FormatTimestamp(int64_t seconds_since_epoch);

}  // namespace dalil

#endif  // DALIL_BASE_TEXT_H_
