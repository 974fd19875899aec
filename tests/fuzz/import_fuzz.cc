// libFuzzer target for the import readers: the CSV reader alone, or the CSV
// reader feeding one format's mapper (DALIL_FUZZ_FORMAT: "ucdp-ged",
// "acled", "hxl-csv"; empty for the reader alone). The first record is the
// header, the second may be an HXL row, every other record is mapped. Any
// crash, sanitizer report or broken invariant below is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "importer/csv_reader.h"
#include "importer/mapping.h"
#include "importer/places.h"

#ifndef DALIL_FUZZ_FORMAT
#define DALIL_FUZZ_FORMAT ""
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dalil::importer;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  CsvLimits limits{.max_field_bytes = 4096, .max_fields = 256};
  CsvReader reader(in, limits);
  const std::string format = DALIL_FUZZ_FORMAT;
  std::unique_ptr<Mapper> mapper = format.empty() ? nullptr : NewMapper(format);
  bool bound = false, first = true;
  CsvRecord rec;
  while (reader.Next(rec)) {
    if (rec.fields.size() > limits.max_fields) std::abort();
    for (const std::string& f : rec.fields) {
      if (f.size() > limits.max_field_bytes) std::abort();
    }
    if (rec.error.empty() && rec.field_count != static_cast<int64_t>(rec.fields.size())) std::abort();
    if (!mapper) continue;
    if (!bound) {
      if (!mapper->Bind(rec.fields).ok()) return 0;
      bound = true;
      continue;
    }
    if (first) {
      first = false;
      auto hxl = mapper->TakeHxlRow(rec.fields);
      if (!hxl.ok()) return 0;
      if (*hxl) continue;
    }
    MapResult r = mapper->Map(rec.fields);
    if (r.row) {
      // Whatever a mapper accepts is shaped as the writer expects.
      for (const MappedClaim& c : r.row->claims) {
        if (c.min < 0 || (c.max && *c.max < c.min)) std::abort();
        if (c.best && (*c.best < c.min || (c.max && *c.best > *c.max))) std::abort();
      }
      if (!r.row->incident.contains("start_date") || !r.row->incident.contains("event_type")) {
        std::abort();
      }
      PlaceIndex::Keys(r.row->adm1);
      PlaceIndex::Keys(r.row->location);
    } else if (r.error.reason.empty()) {
      std::abort();  // a rejected row always says why
    }
  }
  return 0;
}
