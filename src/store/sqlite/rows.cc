#include "store/sqlite/rows.h"

namespace dalil::store {

using model::Field;
using model::FieldType;
using nlohmann::json;

std::string SelectColumns(const model::EntitySpec& spec) {
  std::string cols = "id, version, created_at, created_by, updated_at, updated_by";
  for (const Field& f : spec.fields) {
    cols += ", ";
    cols += f.name;
  }
  return cols;
}

Result<json> RowToJson(sqlite::Statement& st, const model::EntitySpec& spec,
                       const SensitiveCodec& codec) {
  json r = json::object();
  r["id"] = st.Int(0);
  r["version"] = st.Int(1);
  int col = 6;
  for (const Field& f : spec.fields) {
    const std::string name(f.name);
    if (st.IsNull(col)) {
      r[name] = nullptr;
      ++col;
      continue;
    }
    switch (f.type) {
      case FieldType::kInteger:
      case FieldType::kRef:
        r[name] = st.Int(col);
        break;
      case FieldType::kNumber:
        r[name] = st.Double(col);
        break;
      default: {
        std::string text = st.Text(col);
        if (f.sensitive) {
          DALIL_ASSIGN_OR_RETURN(text, codec.Open({spec.table, f.name, st.Int(0)}, text));
        }
        if (f.type == FieldType::kTextList) {
          json list = json::parse(text, nullptr, /*allow_exceptions=*/false);
          if (!list.is_array()) {
            return Status::Corruption(std::string(spec.name) + " " + std::to_string(st.Int(0)) +
                                      ": " + name + " is not a list");
          }
          r[name] = std::move(list);
        } else {
          r[name] = std::move(text);
        }
      }
    }
    ++col;
  }
  r["created_at"] = st.Text(2);
  r["created_by"] = st.Text(3);
  r["updated_at"] = st.Text(4);
  r["updated_by"] = st.Text(5);
  return r;
}

}  // namespace dalil::store
