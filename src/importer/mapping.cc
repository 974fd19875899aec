#include "importer/mapping.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include "base/text.h"
#include "importer/mappers.h"

namespace dalil::importer {

Result<bool> Mapper::TakeHxlRow(const std::vector<std::string>& row) {
  return LooksLikeHxlRow(row);
}

bool LooksLikeHxlRow(const std::vector<std::string>& row) {
  bool any = false;
  for (const std::string& cell : row) {
    size_t b = cell.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    if (cell[b] != '#') return false;
    any = true;
  }
  return any;
}

std::unique_ptr<Mapper> NewMapper(std::string_view format) {
  if (format == "ucdp-ged") return NewUcdpMapper();
  if (format == "acled") return NewAcledMapper();
  if (format == "hxl-csv") return NewHxlMapper();
  return nullptr;
}

std::optional<std::string> ParseCount(std::string_view cell, std::optional<int64_t>& out) {
  out.reset();
  while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) cell.remove_prefix(1);
  while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t')) cell.remove_suffix(1);
  if (cell.empty()) return std::nullopt;
  // Some exports write whole numbers as "12.0".
  if (cell.size() > 2 && cell.ends_with(".0")) cell.remove_suffix(2);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  if (ec == std::errc::result_out_of_range) return "is too large a number";
  if (ec != std::errc() || ptr != cell.data() + cell.size()) return "is not a whole number";
  if (v < 0) return "is negative";
  if (v > 1000000000) return "is too large a number";
  out = v;
  return std::nullopt;
}

std::optional<std::string> NormaliseDate(std::string_view cell) {
  while (!cell.empty() && cell.back() == ' ') cell.remove_suffix(1);
  while (!cell.empty() && cell.front() == ' ') cell.remove_prefix(1);
  // "2014-01-24 00:00:00.000" and "2014-01-24T00:00:00Z": the day part.
  if (cell.size() > 10 && cell[4] == '-' && (cell[10] == ' ' || cell[10] == 'T')) {
    cell = cell.substr(0, 10);
  }
  std::string iso(cell);
  if (iso.size() == 10 && iso[4] == '/' && iso[7] == '/') {
    iso[4] = '-';
    iso[7] = '-';
  }
  if (ParseDate(iso)) return iso;
  // "26 February 2021", "26-Feb-2021", "26 Feb 2021"
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                  "jul", "aug", "sep", "oct", "nov", "dec"};
  std::string t(cell);
  for (char& c : t) {
    if (c == '-' || c == '/') c = ' ';
  }
  size_t a = t.find(' ');
  size_t b = t.rfind(' ');
  if (a == std::string::npos || a == b) return std::nullopt;
  std::string day = t.substr(0, a), month = t.substr(a + 1, b - a - 1), year = t.substr(b + 1);
  if (month.size() < 3 || day.empty() || day.size() > 2 || year.size() != 4) return std::nullopt;
  std::string m3;
  for (size_t i = 0; i < 3; ++i) m3.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(month[i]))));
  int mi = -1;
  for (int i = 0; i < 12; ++i) {
    if (m3 == kMonths[i]) mi = i + 1;
  }
  if (mi < 0) return std::nullopt;
  auto d = ParseInt(day);
  if (!d || *d < 1 || *d > 31) return std::nullopt;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s-%02d-%02d", year.c_str(), mi, static_cast<int>(*d));
  if (!ParseDate(buf)) return std::nullopt;
  return std::string(buf);
}

std::optional<double> ParseDegrees(std::string_view cell, double bound) {
  while (!cell.empty() && cell.front() == ' ') cell.remove_prefix(1);
  while (!cell.empty() && cell.back() == ' ') cell.remove_suffix(1);
  if (cell.empty() || cell.size() > 40) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  if (ec != std::errc() || ptr != cell.data() + cell.size()) return std::nullopt;
  if (!std::isfinite(v) || v < -bound || v > bound) return std::nullopt;
  return v;
}

std::string SnakeLabel(std::string_view label) {
  std::string out;
  bool gap = false;
  for (char c : label) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      if (gap && !out.empty()) out.push_back('_');
      gap = false;
      out.push_back(static_cast<char>(std::tolower(u)));
    } else {
      gap = true;
    }
  }
  return out;
}

}  // namespace dalil::importer
