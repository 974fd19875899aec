#include <algorithm>
#include <cctype>
#include <string>

#include "http/api/api.h"
#include "http/api/sensitive.h"

namespace dalil::embedded {
std::string_view openapi_json();
}  // namespace dalil::embedded

namespace dalil::api {
namespace {

using nlohmann::json;

std::string SchemaName(std::string_view entity) {
  std::string out;
  bool up = true;
  for (char c : entity) {
    if (c == '_') {
      up = true;
      continue;
    }
    out.push_back(up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    up = false;
  }
  return out;
}

json FieldSchema(const model::Field& f) {
  json s;
  switch (f.type) {
    case model::FieldType::kInteger:
      s = {{"type", "integer"}};
      break;
    case model::FieldType::kRef:
      s = {{"type", "integer"}, {"minimum", 1},
           {"description", "id of a " + std::string(f.ref)}};
      break;
    case model::FieldType::kNumber:
      s = {{"type", "number"}};
      break;
    case model::FieldType::kText:
      s = {{"type", "string"}};
      break;
    case model::FieldType::kDate:
      s = {{"type", "string"}, {"format", "date"}};
      break;
    case model::FieldType::kEnum: {
      json values = json::array();
      for (auto v : f.values) values.push_back(v);
      s = {{"type", "string"}, {"enum", values}};
      break;
    }
    case model::FieldType::kTextList:
      s = {{"type", "array"}, {"items", {{"type", "string"}}}};
      if (f.max_length) s["maxItems"] = f.max_length;
      break;
  }
  if (f.min < f.max) {
    s["minimum"] = f.min;
    s["maximum"] = f.max;
  }
  if (f.type == model::FieldType::kText && f.max_length) s["maxLength"] = f.max_length;
  if (!f.description.empty() && !s.contains("description")) {
    s["description"] = f.description;
  }
  if (f.read_only) s["readOnly"] = true;
  if (f.sensitive) {
    s["x-sensitive"] = true;
    s["writeOnly"] = true;  // sent in writes, never in responses: withheld, shown by a reveal
  }
  if (!f.required) s["nullable"] = true;
  return s;
}

json EntitySchema(const model::EntitySpec& spec) {
  json props = {
      {"id", {{"type", "integer"}, {"readOnly", true}}},
      {"version", {{"type", "integer"}, {"readOnly", true},
                   {"description", "1 on create, +1 per change; send it back in a "
                                   "PATCH to refuse overwriting someone else's change"}}},
      {"created_at", {{"type", "string"}, {"format", "date-time"}, {"readOnly", true}}},
      {"created_by", {{"type", "string"}, {"readOnly", true}}},
      {"updated_at", {{"type", "string"}, {"format", "date-time"}, {"readOnly", true}}},
      {"updated_by", {{"type", "string"}, {"readOnly", true}}},
  };
  json required = json::array();
  for (const auto& f : spec.fields) {
    props[std::string(f.name)] = FieldSchema(f);
    if (f.required) required.push_back(f.name);
  }
  if (!RevealableFields(spec).empty()) {
    props["withheld"] = {
        {"type", "object"}, {"readOnly", true},
        {"description", "In responses, instead of the sensitive (x-sensitive) fields that hold a "
                        "value (for evidence: \"content\", the file): their names and the route "
                        "that reveals them (recorded in the ledger)."},
        {"properties", {{"fields", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                        {"reveal", {{"type", "string"}}}}}};
  }
  json s = {{"type", "object"},
            {"description", spec.description},
            {"additionalProperties", false},
            {"properties", props}};
  if (!required.empty()) s["required"] = required;
  return s;
}

json QueryParam(const std::string& name, json schema, const std::string& desc) {
  return {{"name", name}, {"in", "query"}, {"required", false},
          {"schema", std::move(schema)}, {"description", desc}};
}

json ListParams(const model::EntitySpec& spec) {
  json params = json::array();
  params.push_back(QueryParam("limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}},
                              "Page size (default 50)."));
  params.push_back(QueryParam("offset", {{"type", "integer"}, {"minimum", 0}},
                              "Records to skip."));
  params.push_back(QueryParam("sort", {{"type", "string"}},
                              "A sortable field or id/created_at/updated_at; "
                              "prefix - for descending."));
  if (spec.name == "incident" || spec.name == "place") {
    params.push_back(QueryParam("place", {{"type", "string"}},
                                "Place id or ISO code; includes every place under it."));
  }
  if (spec.name == "incident") {
    params.push_back(QueryParam("from", {{"type", "string"}, {"format", "date"}},
                                "Incidents whose dates overlap [from, to]."));
    params.push_back(QueryParam("to", {{"type", "string"}, {"format", "date"}},
                                "Incidents whose dates overlap [from, to]."));
    params.push_back(QueryParam("actor", {{"type", "integer"}},
                                "Incidents involving this actor or its units."));
    params.push_back(QueryParam("status", FieldSchema(*spec.FindField("review_status")),
                                "Short for review_status."));
  }
  for (const auto& f : spec.fields) {
    if (f.filterable) {
      json s = FieldSchema(f);
      s.erase("nullable");
      s.erase("readOnly");
      params.push_back(QueryParam(std::string(f.name), s, "Exact match."));
    }
  }
  return params;
}

const model::EntitySpec* EntityOfPath(const std::string& pattern) {
  const std::string prefix = "/api/v1/";
  if (pattern.rfind(prefix, 0) != 0) return nullptr;
  std::string rest = pattern.substr(prefix.size());
  return model::FindEntityByPlural(rest.substr(0, rest.find('/')));
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::pair<std::string, std::string>> LedgerParams(const std::string& pattern) {
  if (pattern == "/api/v1/ledger/proof/inclusion") {
    return {{"index", "Leaf index (required)."}, {"size", "Tree size (default: current)."}};
  }
  if (pattern == "/api/v1/ledger/proof/consistency") {
    return {{"from", "Older tree size, at least 1 (required)."},
            {"to", "Newer tree size (default: current)."}};
  }
  if (pattern == "/api/v1/ledger/leaves") {
    return {{"start", "First leaf (default 0)."}, {"end", "One past the last leaf."}};
  }
  return {};
}

json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

json ErrorResponses(std::initializer_list<int> codes) {
  json out = json::object();
  for (int c : codes) {
    out[std::to_string(c)] = {
        {"description", c == 404 ? "Not found" : c == 409 ? "Conflict" : "Bad input"},
        {"content", {{"application/json", {{"schema", Ref("Error")}}}}}};
  }
  return out;
}

}  // namespace

json BuildOpenApi(const http::Router& router) {
  json doc = {
      {"openapi", "3.0.3"},
      {"info", {{"title", "Dalil API"}, {"version", "1"},
                {"description", "Documentation of violence against peaceful protesters: "
                                "incidents, places, actors, persons, outcomes, sources, "
                                "claims and evidence. Every failure has the shape "
                                "{\"error\": {\"code\", \"message\", \"field\"}}."}}},
      {"paths", json::object()},
  };
  json schemas = {
      {"Error", {{"type", "object"},
                 {"required", {"error"}},
                 {"properties", {{"error", {{"type", "object"},
                                            {"required", {"code", "message", "field"}},
                                            {"properties", {{"code", {{"type", "string"}}},
                                                            {"message", {{"type", "string"}}},
                                                            {"field", {{"type", "string"}, {"nullable", true}}}}}}}}}}},
  };
  for (const model::EntitySpec* spec : model::AllEntities()) {
    schemas[SchemaName(spec->name)] = EntitySchema(*spec);
  }
  for (const http::Route& route : router.routes()) {
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    json op = {{"summary", route.summary}, {"responses", json::object()}};
    json params = json::array();
    if (route.pattern.find("{id}") != std::string::npos) {
      params.push_back({{"name", "id"}, {"in", "path"}, {"required", true},
                        {"schema", {{"type", "integer"}, {"minimum", 1}}}});
    }
    const model::EntitySpec* spec = EntityOfPath(route.pattern);
    const bool history = EndsWith(route.pattern, "/history");
    const bool text_route = route.pattern == "/api/v1/ledger/key" ||
                            route.pattern == "/api/v1/ledger/checkpoint";
    if (route.pattern == "/api/v1/persons/duplicates") {
      spec = nullptr;
      params.push_back(QueryParam("threshold", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}},
                                  "Lowest score to suggest (default 0.8)."));
      op["responses"].update(ErrorResponses({400}));
    }
    if (route.pattern == "/api/v1/figures") {
      const std::pair<const char*, const char*> kFigureParams[] = {
          {"place", "Place id or ISO code; includes every place under it."},
          {"from", "First day (YYYY-MM-DD): incidents overlapping [from, to]."},
          {"to", "Last day (YYYY-MM-DD)."},
          {"type", "ACLED event type."},
          {"actor", "Actor id: incidents it (or one of its units) was involved in, in any role."},
          {"by", "governorate, district, week, month, actor or type."},
          {"as_of", "Detained and abducted: people held on this day (YYYY-MM-DD)."},
          {"ids", "Ids listed per figure: a number (default 1000, the smallest ids) or all; "
                  "counts are always complete."},
          {"digits", "Digits of the Arabic phrase: arabic-indic (default) or western."}};
      for (const auto& [name, desc] : kFigureParams) {
        params.push_back(QueryParam(name, {{"type", "string"}}, desc));
      }
      op["responses"].update(ErrorResponses({400}));
    }
    if (route.pattern == "/api/v1/export") {
      const std::pair<const char*, const char*> kExportParams[] = {
          {"format", "csv (default), hxl (CSV with an HXL hashtag row), json (dalil-json) or geojson."},
          {"place", "Place id or ISO code; includes every place under it."},
          {"from", "First day (YYYY-MM-DD)."},
          {"to", "Last day (YYYY-MM-DD)."},
          {"type", "ACLED event type."},
          {"actor", "Actor id (and its units)."}};
      for (const auto& [name, desc] : kExportParams) {
        params.push_back(QueryParam(name, {{"type", "string"}}, desc));
      }
      op["responses"]["200"] = {{"description", route.summary},
                                {"content", {{"text/csv", {{"schema", {{"type", "string"}}}}},
                                             {"application/json", {{"schema", {{"type", "object"}}}}},
                                             {"application/geo+json", {{"schema", {{"type", "object"}}}}}}}};
      op["responses"].update(ErrorResponses({400}));
    }
    if (route.pattern == "/api/v1/imports") {
      op["requestBody"] = {
          {"required", true},
          {"content", {{"application/json", {{"schema", {
              {"type", "object"},
              {"required", {"format"}},
              {"properties", {{"format", {{"type", "string"}, {"enum", {"ucdp-ged", "acled", "hxl-csv", "dalil-json"}}}},
                              {"content", {{"type", "string"}}},
                              {"content_base64", {{"type", "string"}}},
                              {"source_name", {{"type", "string"}}},
                              {"file_name", {{"type", "string"}}},
                              {"review_status", {{"type", "string"}}},
                              {"dry_run", {{"type", "boolean"}}}}}}}}}}}};
      op["responses"]["201"] = {{"description", "The import's report"},
                                {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
      op["responses"].update(ErrorResponses({400}));
      op["responses"]["413"] = {{"description", "File too large"}};
    }
    if (route.pattern == "/api/v1/imports/{id}") op["responses"].update(ErrorResponses({404}));
    if (route.pattern == "/api/v1/reveals") {
      params.push_back(QueryParam("entity",
                                  {{"type", "string"},
                                   {"enum", {"person", "source", "involvement", "evidence"}}},
                                  "With record_id: the reveals of one record."));
      params.push_back(QueryParam("record_id", {{"type", "integer"}, {"minimum", 1}}, "With entity."));
      params.push_back(QueryParam("user_id", {{"type", "integer"}, {"minimum", 1}},
                                  "The reveals made by one user."));
      params.push_back(QueryParam("limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}},
                                  "Newest first; default 100."));
      op["responses"].update(ErrorResponses({400}));
    }
    if (EndsWith(route.pattern, "/reveal")) {
      spec = nullptr;
      op["requestBody"] = {
          {"required", false},
          {"description", "Optional: {\"fields\": [...]} to reveal only these sensitive fields "
                          "(default: all of them; for evidence the one name is \"content\")."},
          {"content", {{"application/json", {{"schema", {
              {"type", "object"},
              {"properties", {{"fields", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}}}}}}}};
      if (route.pattern == "/api/v1/evidence/{id}/reveal") {
        const json header = {{"schema", {{"type", "integer"}}}};
        op["responses"]["200"] = {
            {"description", "The file's bytes, unchanged since intake, after the reveal was "
                            "recorded in the ledger (as an attachment; HTML and other active "
                            "types as application/octet-stream)"},
            {"headers", {{"Dalil-Reveal-Id", header}, {"Dalil-Ledger-Leaf", header}}},
            {"content", {{"application/octet-stream",
                          {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}};
      } else {
        op["responses"]["200"] = {
            {"description", "The plaintext of the fields, after the reveal was recorded in the ledger"},
            {"content", {{"application/json", {{"schema", {
                {"type", "object"},
                {"properties", {{"entity", {{"type", "string"}}},
                                {"id", {{"type", "integer"}}},
                                {"fields", {{"type", "object"}}},
                                {"revealed_at", {{"type", "string"}, {"format", "date-time"}}},
                                {"reveal_id", {{"type", "integer"}}},
                                {"ledger_leaf", {{"type", "integer"}}}}}}}}}}}};
      }
      op["responses"].update(ErrorResponses({400, 404}));
      op["responses"]["429"] = {
          {"description", "Too many reveals, or refused reveals, from this account: wait "
                          "Retry-After seconds"}};
    }
    if (history || route.pattern.rfind("/api/v1/ledger/", 0) == 0) {
      spec = nullptr;  // documented below as ledger routes
      for (const auto& [name, desc] : LedgerParams(route.pattern)) {
        params.push_back(QueryParam(name, {{"type", "integer"}, {"minimum", 0}}, desc));
      }
      if (text_route) {
        op["responses"]["200"] = {{"description", route.summary},
                                  {"content", {{"text/plain", {{"schema", {{"type", "string"}}}}}}}};
      } else {
        op["responses"]["200"] = {{"description", route.summary},
                                  {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
      }
      op["responses"].update(ErrorResponses(history ? std::initializer_list<int>{404}
                                                    : std::initializer_list<int>{400}));
    }
    const bool item = route.pattern.find("{id}") != std::string::npos;
    if (spec) {
      const std::string schema = SchemaName(spec->name);
      if (route.method == "GET" && !item) {
        for (auto& p : ListParams(*spec)) params.push_back(p);
        op["responses"]["200"] = {
            {"description", "A page of records"},
            {"content", {{"application/json", {{"schema", {
                {"type", "object"},
                {"properties", {{"items", {{"type", "array"}, {"items", Ref(schema)}}},
                                {"total", {{"type", "integer"}}},
                                {"limit", {{"type", "integer"}}},
                                {"offset", {{"type", "integer"}}}}}}}}}}}};
        op["responses"].update(ErrorResponses({400}));
      } else if (route.method == "GET") {
        op["responses"]["200"] = {{"description", "The record"},
                                  {"content", {{"application/json", {{"schema", Ref(schema)}}}}}};
        op["responses"].update(ErrorResponses({404}));
      } else if (route.method == "POST" && route.upload) {
        for (const char* q : {"name", "description"}) {
          params.push_back(QueryParam(q, {{"type", "string"}}, "Evidence metadata."));
        }
        for (const char* q : {"incident_id", "source_id"}) {
          params.push_back(QueryParam(q, {{"type", "integer"}}, "Evidence metadata."));
        }
        op["requestBody"] = {{"required", true},
                             {"content", {{"*/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}};
        op["responses"]["201"] = {{"description", "Stored"},
                                  {"content", {{"application/json", {{"schema", Ref(schema)}}}}}};
        op["responses"]["200"] = {{"description", "Already stored (same SHA-256)"},
                                  {"content", {{"application/json", {{"schema", Ref(schema)}}}}}};
        op["responses"].update(ErrorResponses({400}));
        op["responses"]["413"] = {{"description", "File too large"}};
      } else if (route.method == "POST") {
        op["requestBody"] = {{"required", true},
                             {"content", {{"application/json", {{"schema", Ref(schema)}}}}}};
        op["responses"]["201"] = {{"description", "Created"},
                                  {"content", {{"application/json", {{"schema", Ref(schema)}}}}}};
        op["responses"].update(ErrorResponses({400, 409}));
      } else if (route.method == "PATCH") {
        op["requestBody"] = {{"required", true},
                             {"description", "Fields to change (null clears); optional "
                                             "\"version\" must match the current one."},
                             {"content", {{"application/json", {{"schema", Ref(schema)}}}}}};
        op["responses"]["200"] = {{"description", "Changed"},
                                  {"content", {{"application/json", {{"schema", Ref(schema)}}}}}};
        op["responses"].update(ErrorResponses({400, 404, 409}));
      } else if (route.method == "DELETE") {
        params.push_back(QueryParam("version", {{"type", "integer"}},
                                    "If given, must match the current version."));
        op["responses"]["204"] = {{"description", "Deleted"}};
        op["responses"].update(ErrorResponses({404, 409}));
      }
    } else if (!op["responses"].contains("200")) {
      const std::string type = route.pattern == "/"                        ? "text/html"
                               : route.pattern.rfind("/static/", 0) == 0 ? "text/css"
                                                                         : "application/json";
      json schema = type == "application/json" ? json{{"type", "object"}} : json{{"type", "string"}};
      op["responses"]["200"] = {{"description", "OK"},
                                {"content", {{type, {{"schema", schema}}}}}};
    }
    if (!params.empty()) op["parameters"] = params;
    // Who may call it (docs/security.md, "Authorization").
    op["x-dalil-access"] = route.access.Describe();
    if (route.access.kind == http::Access::Kind::kRecords) {
      // Credentials are optional: without them only published records answer.
      op["security"] = json::array({json::object(), {{"bearerToken", json::array()}},
                                    {{"sessionCookie", json::array()}}});
      op["responses"]["401"] = {{"description", "Credentials sent but not valid"}};
    } else if (route.access.kind != http::Access::Kind::kPublic) {
      op["security"] = json::array({{{"bearerToken", json::array()}},
                                    {{"sessionCookie", json::array()}}});
      op["responses"]["401"] = {{"description", "No valid credentials"}};
      op["responses"]["403"] = {{"description", "Role too low, CSRF check failed, or sign-in unfinished"}};
    }
    doc["paths"][route.pattern][method] = op;
  }
  doc["components"] = {
      {"schemas", schemas},
      {"securitySchemes",
       {{"bearerToken", {{"type", "http"}, {"scheme", "bearer"}}},
        {"sessionCookie",
         {{"type", "apiKey"}, {"in", "cookie"}, {"name", "__Host-dalil_session"},
          {"description", "State-changing requests also need the X-CSRF-Token header."}}}}}};
  return doc;
}

std::string_view OpenApiDocument() { return embedded::openapi_json(); }

}  // namespace dalil::api
