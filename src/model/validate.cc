#include "model/validate.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "base/text.h"

namespace dalil::model {
namespace {

using nlohmann::json;

constexpr size_t kDefaultTextMax = 10000;
constexpr size_t kDefaultListMax = 100;
constexpr size_t kListItemMax = 500;

std::string JoinValues(std::span<const std::string_view> values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += values[i];
  }
  return out;
}

Status CheckText(const std::string& name, const json& v, size_t max_len) {
  if (!v.is_string()) return Status::Invalid(name, "must be a string");
  const auto& s = v.get_ref<const std::string&>();
  if (!IsValidUtf8(s)) return Status::Invalid(name, "is not valid UTF-8");
  if (s.size() > max_len) {
    return Status::Invalid(name, "is longer than " + std::to_string(max_len) +
                                     " bytes");
  }
  return Status::Ok();
}

bool InRange(const Field& f, double x) {
  return !(f.min < f.max) || (x >= f.min && x <= f.max);
}

std::string RangeText(const Field& f) {
  auto fmt = [](double d) {
    if (d == std::floor(d) && std::fabs(d) < 1e15) {
      return std::to_string(static_cast<long long>(d));
    }
    return std::to_string(d);
  };
  return "must be between " + fmt(f.min) + " and " + fmt(f.max);
}

// Fills defaults that keep stored records complete.
void FillDefaults(const EntitySpec& spec, json& r) {
  if (spec.name == "incident") {
    if (r["end_date"].is_null()) r["end_date"] = r["start_date"];
    if (r["date_precision"].is_null()) r["date_precision"] = "day";
    if (r["review_status"].is_null()) r["review_status"] = "draft";
  } else if (spec.name == "involvement") {
    if (r["attribution"].is_null()) r["attribution"] = "unknown";
  }
  // Deny by default: a record is its organisation's until someone decides more.
  if (spec.IsOwned() && r["visibility"].is_null()) r["visibility"] = "organisation";
}

// visibility restricted <=> a non-empty list of distinct role names.
Status CheckAccess(const json& r) {
  const json& roles = r["restricted_roles"];
  const bool restricted = r["visibility"] == "restricted";
  if (!restricted) {
    if (!roles.is_null()) {
      return Status::Invalid("restricted_roles", "is only for visibility restricted");
    }
    return Status::Ok();
  }
  if (!roles.is_array() || roles.empty()) {
    return Status::Invalid("restricted_roles", "visibility restricted needs the roles that may see the record");
  }
  std::vector<std::string> seen;
  for (const json& role : roles) {
    const std::string name = role.get<std::string>();
    auto names = RoleNames();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return Status::Invalid("restricted_roles", "must hold only: " + JoinValues(names));
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return Status::Invalid("restricted_roles", "names a role twice");
    }
    seen.push_back(name);
  }
  return Status::Ok();
}

Status CheckFieldsOf(const EntitySpec& spec, const json& body, Writer writer,
                     bool is_patch) {
  if (!body.is_object()) {
    return Status::Invalid("body", "must be a JSON object");
  }
  for (const auto& [key, value] : body.items()) {
    if (!IsValidUtf8(key)) return Status::Invalid("body", "field name is not valid UTF-8");
    if (key == "version" && is_patch) continue;
    if (IsSystemField(key)) {
      return Status::Invalid(key, "is set by the server and cannot be written");
    }
    const Field* f = spec.FindField(key);
    if (f == nullptr) {
      return Status::Invalid(key, "is not a field of " + std::string(spec.name));
    }
    if (f->read_only && writer == Writer::kClient) {
      return Status::Invalid(key, "is set by the server and cannot be written");
    }
    if (value.is_null()) {
      if (f->required) return Status::Invalid(key, "is required and cannot be null");
      continue;
    }
    DALIL_RETURN_IF_ERROR(CheckValue(*f, value));
  }
  return Status::Ok();
}

}  // namespace

Status CheckValue(const Field& f, const json& v) {
  const std::string name(f.name);
  switch (f.type) {
    case FieldType::kText:
      return CheckText(name, v, f.max_length ? f.max_length : kDefaultTextMax);
    case FieldType::kDate: {
      if (!v.is_string()) return Status::Invalid(name, "must be a date string YYYY-MM-DD");
      const auto& s = v.get_ref<const std::string&>();
      if (!ParseDate(s)) {
        return Status::Invalid(name, "is not a date that exists (want YYYY-MM-DD)");
      }
      return Status::Ok();
    }
    case FieldType::kEnum: {
      if (!v.is_string()) return Status::Invalid(name, "must be a string");
      const auto& s = v.get_ref<const std::string&>();
      if (std::find(f.values.begin(), f.values.end(), s) == f.values.end()) {
        return Status::Invalid(name, "must be one of: " + JoinValues(f.values));
      }
      return Status::Ok();
    }
    case FieldType::kInteger:
    case FieldType::kRef: {
      // JSON 12.0 is a number but not an integer: reject it rather than round.
      if (!v.is_number_integer()) return Status::Invalid(name, "must be an integer");
      double x = v.is_number_unsigned() ? static_cast<double>(v.get<uint64_t>())
                                        : static_cast<double>(v.get<int64_t>());
      if (f.type == FieldType::kRef) {
        if (x < 1 || x > 9.0e18) return Status::Invalid(name, "must be a positive id");
        return Status::Ok();
      }
      if (!InRange(f, x)) return Status::Invalid(name, RangeText(f));
      return Status::Ok();
    }
    case FieldType::kNumber: {
      if (!v.is_number()) return Status::Invalid(name, "must be a number");
      double x = v.get<double>();
      if (!std::isfinite(x) || !InRange(f, x)) return Status::Invalid(name, RangeText(f));
      return Status::Ok();
    }
    case FieldType::kTextList: {
      if (!v.is_array()) return Status::Invalid(name, "must be an array of strings");
      size_t max_items = f.max_length ? f.max_length : kDefaultListMax;
      if (v.size() > max_items) {
        return Status::Invalid(name, "has more than " + std::to_string(max_items) + " items");
      }
      for (size_t i = 0; i < v.size(); ++i) {
        DALIL_RETURN_IF_ERROR(
            CheckText(name + "[" + std::to_string(i) + "]", v[i], kListItemMax));
      }
      return Status::Ok();
    }
  }
  return Status::Internal("unknown field type");
}

Result<json> ParseFilterValue(const Field& f, const std::string& text) {
  const std::string name(f.name);
  if (!IsValidUtf8(text)) return Status::Invalid(name, "is not valid UTF-8");
  json v;
  if (f.type == FieldType::kInteger || f.type == FieldType::kRef) {
    auto n = ParseInt(text);
    if (!n) return Status::Invalid(name, "must be an integer");
    v = *n;
  } else if (f.type == FieldType::kNumber) {
    return Status::Invalid(name, "cannot be used as a filter");
  } else {
    v = text;
  }
  if (f.type == FieldType::kTextList) return Status::Invalid(name, "cannot be used as a filter");
  DALIL_RETURN_IF_ERROR(CheckValue(f, v));
  return v;
}

Status CheckRecord(const EntitySpec& spec, const json& r) {
  auto has = [&](const char* k) { return r.contains(k) && !r[k].is_null(); };
  if (has("latitude") != has("longitude")) {
    return Status::Invalid(has("latitude") ? "longitude" : "latitude",
                           "latitude and longitude go together");
  }
  if (spec.name == "incident") {
    if (!has("title_ar") && !has("title_en")) {
      return Status::Invalid("title_en", "an incident needs a title in Arabic or English");
    }
    if (*ParseDate(r["end_date"].get<std::string>()) <
        *ParseDate(r["start_date"].get<std::string>())) {
      return Status::Invalid("end_date", "must not be before start_date");
    }
    if (has("sub_event_type")) {
      const std::string type = r["event_type"];
      const std::string sub = r["sub_event_type"];
      for (const EventType& et : EventTypes()) {
        if (et.type != type) continue;
        if (std::find(et.sub_types.begin(), et.sub_types.end(), sub) ==
            et.sub_types.end()) {
          return Status::Invalid("sub_event_type", "must be one of: " +
                                                       JoinValues(et.sub_types) +
                                                       " for event_type " + type);
        }
      }
    }
  } else if (spec.name == "place" || spec.name == "actor") {
    if (!has("name_ar") && !has("name_en")) {
      return Status::Invalid("name_en", "a " + std::string(spec.name) +
                                            " needs a name in Arabic or English");
    }
  } else if (spec.name == "claim") {
    if (has("count_max") && r["count_max"].get<int64_t>() < r["count_min"].get<int64_t>()) {
      return Status::Invalid("count_max", "must not be less than count_min");
    }
    if (has("count_best")) {
      int64_t best = r["count_best"].get<int64_t>();
      if (best < r["count_min"].get<int64_t>() ||
          (has("count_max") && best > r["count_max"].get<int64_t>())) {
        return Status::Invalid("count_best", "must lie between count_min and count_max");
      }
    }
  } else if (spec.name == "person") {
    if (has("age_min") && has("age_max") &&
        r["age_max"].get<int64_t>() < r["age_min"].get<int64_t>()) {
      return Status::Invalid("age_max", "must not be less than age_min");
    }
  }
  if (spec.IsOwned()) return CheckAccess(r);
  return Status::Ok();
}

Result<json> ValidateCreate(const EntitySpec& spec, const json& body,
                            Writer writer) {
  DALIL_RETURN_IF_ERROR(CheckFieldsOf(spec, body, writer, /*is_patch=*/false));
  json record = json::object();
  for (const Field& f : spec.fields) {
    const std::string name(f.name);
    auto it = body.find(name);
    record[name] = it == body.end() ? json() : *it;
  }
  for (const Field& f : spec.fields) {
    if (f.required && record[std::string(f.name)].is_null()) {
      return Status::Invalid(std::string(f.name), "is required");
    }
  }
  FillDefaults(spec, record);
  DALIL_RETURN_IF_ERROR(CheckRecord(spec, record));
  return record;
}

Result<json> ValidatePatch(const EntitySpec& spec, const json& current,
                           const json& patch, Writer writer) {
  DALIL_RETURN_IF_ERROR(CheckFieldsOf(spec, patch, writer, /*is_patch=*/true));
  json record = json::object();
  for (const Field& f : spec.fields) {
    const std::string name(f.name);
    auto it = current.find(name);
    record[name] = it == current.end() ? json() : *it;
  }
  for (const auto& [key, value] : patch.items()) {
    if (key == "version") continue;
    record[key] = value;
  }
  FillDefaults(spec, record);
  DALIL_RETURN_IF_ERROR(CheckRecord(spec, record));
  return record;
}

}  // namespace dalil::model
