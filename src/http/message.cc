#include "http/message.h"

#include <string_view>

namespace dalil::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> Request::Query(const std::string& name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::optional<std::string> Request::Header(
    const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> PercentDecode(const std::string& in,
                                         bool form_plus) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      // A lone or half escape is rejected rather than passed through, so
      // "100%" can never be read two different ways by two layers.
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && form_plus) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool ParseTarget(const std::string& target, std::string* path,
                 std::vector<std::pair<std::string, std::string>>* query) {
  // Only origin-form ("/path?query") reaches the handlers; absolute-form and
  // "*" are for proxies and OPTIONS, neither of which Dalil serves.
  if (target.empty() || target[0] != '/') return false;

  std::string_view t(target);
  size_t qpos = t.find('?');
  std::string_view raw_path = t.substr(0, qpos);
  std::string_view raw_query =
      qpos == std::string_view::npos ? std::string_view() : t.substr(qpos + 1);

  // In the path "+" is a literal plus; only form-encoded queries use it for
  // a space.
  auto decoded_path = PercentDecode(std::string(raw_path));
  if (!decoded_path) return false;
  // A decoded NUL would end the string early for any C API further down
  // (SQLite, file names), letting two different paths compare equal there.
  if (decoded_path->find('\0') != std::string::npos) return false;

  std::vector<std::pair<std::string, std::string>> pairs;
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view piece = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view()
                                              : raw_query.substr(amp + 1);
    if (piece.empty()) continue;  // "a=1&&b=2" and a trailing '&'
    size_t eq = piece.find('=');
    std::string_view raw_key = piece.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos
                                     ? std::string_view()
                                     : piece.substr(eq + 1);
    auto key = PercentDecode(std::string(raw_key), /*form_plus=*/true);
    auto value = PercentDecode(std::string(raw_value), /*form_plus=*/true);
    if (!key || !value) return false;
    pairs.emplace_back(std::move(*key), std::move(*value));
  }

  *path = std::move(*decoded_path);
  *query = std::move(pairs);
  return true;
}

}  // namespace dalil::http
