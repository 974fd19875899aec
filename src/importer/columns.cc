#include <cctype>

#include "importer/mappers.h"

namespace dalil::importer {
namespace {

std::string Key(std::string_view name) {
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) name.remove_prefix(1);
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.remove_suffix(1);
  std::string k;
  for (char c : name) k.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return k;
}

}  // namespace

void Columns::Bind(const std::vector<std::string>& header) {
  index_.clear();
  names_ = header;
  for (size_t i = 0; i < header.size(); ++i) index_.emplace(Key(header[i]), static_cast<int>(i));
}

int Columns::Find(std::string_view name) const {
  auto it = index_.find(Key(name));
  return it == index_.end() ? -1 : it->second;
}

Status Columns::Require(std::initializer_list<std::string_view> required) const {
  std::string missing;
  for (std::string_view r : required) {
    if (Find(r) >= 0) continue;
    if (!missing.empty()) missing += ", ";
    missing += r;
  }
  if (missing.empty()) return Status::Ok();
  return Status::Invalid("header", "required columns are missing: " + missing);
}

int MapPoint(const std::string& lat, const std::string& lon, const std::string* precision,
             nlohmann::json& incident) {
  if (lat.empty() && lon.empty()) return 0;
  auto la = ParseDegrees(lat, 90);
  auto lo = ParseDegrees(lon, 180);
  if (!la) return 1;
  if (!lo) return 2;
  incident["latitude"] = *la;
  incident["longitude"] = *lo;
  if (precision) incident["geo_precision"] = *precision == "1" ? 1 : *precision == "2" ? 2 : 3;
  return 0;
}

std::string Clip(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return std::string(text.substr(0, n));
}

}  // namespace dalil::importer
