#include "importer/csv_reader.h"

namespace dalil::importer {

CsvReader::CsvReader(std::istream& in, CsvLimits limits) : in_(in), limits_(limits) {
  buf_.resize(1 << 16);
  buf_.resize(0);
}

bool CsvReader::Fill() {
  buf_.resize(1 << 16);
  in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  buf_.resize(static_cast<size_t>(in_.gcount()));
  pos_ = 0;
  return !buf_.empty();
}

int CsvReader::Peek() {
  if (pos_ >= buf_.size() && !Fill()) return -1;
  return static_cast<unsigned char>(buf_[pos_]);
}

int CsvReader::Get() {
  int c = Peek();
  if (c >= 0) {
    ++pos_;
    ++consumed_;
  }
  return c;
}

bool CsvReader::Next(CsvRecord& out) {
  out.fields.clear();
  out.error.clear();
  out.error_field = 0;
  out.field_count = 0;
  if (!started_) {
    started_ = true;
    // A UTF-8 byte order mark is not part of the first header name.
    if (Peek() == 0xEF) {
      Get();
      if (Peek() == 0xBB) {
        Get();
        if (Peek() == 0xBF) {
          Get();
        } else {
          out.error = "the file starts with a broken byte order mark";
        }
      } else {
        out.error = "the file starts with a broken byte order mark";
      }
    }
  }
  while (true) {
    // Skip empty lines between records.
    int c = Peek();
    if (c < 0) return false;
    if (c == '\n') {
      Get();
      ++line_;
      continue;
    }
    if (c == '\r') {
      Get();
      if (Peek() == '\n') Get();
      ++line_;
      continue;
    }
    break;
  }
  out.line = line_;
  std::string field;
  bool too_long = false;
  auto finish_field = [&] {
    ++out.field_count;
    if (too_long && out.error.empty()) {
      out.error = "field is longer than " + std::to_string(limits_.max_field_bytes) + " bytes";
      out.error_field = out.field_count;
    }
    if (out.fields.size() < limits_.max_fields) {
      out.fields.push_back(std::move(field));
    } else if (out.error.empty()) {
      out.error = "the row has more than " + std::to_string(limits_.max_fields) + " columns";
    }
    field.clear();
    too_long = false;
  };
  auto append = [&](int ch) {
    if (field.size() < limits_.max_field_bytes) {
      field.push_back(static_cast<char>(ch));
    } else {
      too_long = true;
    }
  };
  while (true) {
    int c = Get();
    if (c < 0) {  // end of input ends the last record
      finish_field();
      return true;
    }
    if (c == '"' && field.empty() && !too_long) {
      // A quoted field: runs to the closing quote, "" is one quote.
      const int64_t opened = line_;
      bool closed = false;
      while (true) {
        int q = Get();
        if (q < 0) break;
        if (q == '"') {
          if (Peek() == '"') {
            Get();
            append('"');
            continue;
          }
          closed = true;
          break;
        }
        if (q == '\n') ++line_;
        append(q);
      }
      if (!closed) {
        finish_field();
        if (out.error.empty() || out.error_field == 0) {
          out.error = "a quoted field opened on line " + std::to_string(opened) +
                      " is never closed";
          out.error_field = out.field_count;
        }
        return true;
      }
      // After the closing quote: a separator, a line end or the end.
      int n = Peek();
      if (n != ',' && n != '\n' && n != '\r' && n >= 0) {
        if (out.error.empty()) {
          out.error = "text after the closing quote of a field";
          out.error_field = out.field_count + 1;
        }
        // Keep the stray text in the field, as most readers do.
      }
      continue;
    }
    if (c == ',') {
      finish_field();
      continue;
    }
    if (c == '\n' || c == '\r') {
      if (c == '\r' && Peek() == '\n') Get();
      ++line_;
      finish_field();
      return true;
    }
    if (c == '"' && out.error.empty()) {
      out.error = "a quote inside an unquoted field";
      out.error_field = out.field_count + 1;
    }
    append(c);
  }
}

void AppendCsvField(std::string& out, std::string_view field) {
  bool quote = !field.empty() && (field.front() == ' ' || field.back() == ' ');
  for (char c : field) {
    if (c == ',' || c == '"' || c == '\n' || c == '\r') {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace dalil::importer
