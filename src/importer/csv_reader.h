// A streaming RFC 4180 CSV reader: one record at a time, in constant memory
// whatever the file (a 50 MB field or a million columns is an error on that
// record, not an allocation). Fields are bytes: UTF-8 is checked by the
// caller, which knows the column names.
//
// Accepted: comma separators, fields in double quotes with "" for a quote,
// line breaks inside quoted fields, LF or CRLF record ends, a UTF-8 byte
// order mark at the very start, a last record without a line end. A record
// whose only content is an empty line is skipped (it is not data).
//
// Not thread safe; one reader per stream.
#ifndef DALIL_IMPORTER_CSV_READER_H_
#define DALIL_IMPORTER_CSV_READER_H_

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace dalil::importer {

struct CsvLimits {
  size_t max_field_bytes = 1 << 20;  // longer fields make the record bad
  size_t max_fields = 4096;          // more fields make the record bad
};

struct CsvRecord {
  int64_t line = 0;                 // physical line (1-based) where it starts
  std::vector<std::string> fields;  // at most max_fields, each truncated to the limit
  int64_t field_count = 0;          // fields actually present (may exceed fields.size())
  // Non-empty when the record is malformed: the reason, and the 1-based
  // field it is about (0: the whole record).
  std::string error;
  int64_t error_field = 0;
};

class CsvReader {
 public:
  explicit CsvReader(std::istream& in, CsvLimits limits = {});
  // Reads the next record into `out`; false at the end of the input. A
  // malformed record still returns true with out.error set; reading goes on
  // after it (an unclosed quote swallows the rest of the file, as it must).
  bool Next(CsvRecord& out);
  // Bytes consumed so far (for progress).
  uint64_t bytes_read() const { return consumed_; }
  // True when reading stopped because the stream failed, not at its end.
  bool stream_failed() const { return in_.bad(); }

 private:
  int Get();   // next byte or -1
  int Peek();
  bool Fill();

  std::istream& in_;
  CsvLimits limits_;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t consumed_ = 0;
  int64_t line_ = 1;
  bool started_ = false;
};

// Writes one CSV field with RFC 4180 quoting (quoted when it holds a comma,
// quote, CR or LF, or starts/ends with a space).
void AppendCsvField(std::string& out, std::string_view field);

}  // namespace dalil::importer

#endif  // DALIL_IMPORTER_CSV_READER_H_
