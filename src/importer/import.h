// Importing outside datasets: `dalil import` and POST /api/v1/imports.
// The pipeline is read (csv_reader) -> map (mapping.h, one mapper per
// format) -> resolve places and actors (places.h) -> write, in batches of
// rows, each batch one Store::Write transaction that also records the run's
// progress. So a kill -9 loses at most the batch in flight, never leaves
// half a row, and running the same import again completes it: rows already
// imported with the same content are "unchanged". Bad rows never stop an
// import; each is stored with its line, column, value and reason.
// docs/formats/import-export.md describes formats, mappings and reasons.
#ifndef DALIL_IMPORTER_IMPORT_H_
#define DALIL_IMPORTER_IMPORT_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "base/status.h"
#include "importer/csv_reader.h"
#include "store/blob_store.h"
#include "store/imports.h"
#include "store/store.h"

namespace dalil::importer {

struct ImportProgress {
  int64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t total_bytes = 0;  // 0 when unknown
};

struct ImportOptions {
  std::string format;     // ucdp-ged | acled | hxl-csv | dalil-json
  std::string dataset;    // --source-name; the format's name when empty
  std::string file_name;  // for the report (directories are dropped)
  std::string actor = "import";
  // Whose the imported records are: the system, owning them as the
  // organisation it names (0: the installation's first).
  store::Viewer writer;
  // Imported incidents await review; an operator may import a trusted
  // dataset as "verified".
  std::string review_status = "in_review";
  bool dry_run = false;   // read, map and check everything; write nothing
  int batch_rows = 1000;
  uint64_t total_bytes = 0;  // for progress; 0 when unknown
  CsvLimits limits;
  // Called after each committed batch, from the importing thread.
  std::function<void(const ImportProgress&)> progress;
};

struct ImportSummary {
  int64_t run_id = 0;  // 0 for a dry run
  std::string dataset;
  store::ImportCounts counts;
  // A dry run keeps its first rejects here (a real run stores them all).
  std::vector<store::ImportReject> rejects;
};

// The formats ImportFile accepts.
bool IsImportFormat(std::string_view format);

// Imports `in`. Errors only for the file as a whole (kInvalidArgument: empty
// file, not this format's header, HXL row missing; kIoError: unreadable;
// store errors); row problems are rejects. `blobs` is needed only for
// dalil-json bundles that carry evidence.
Result<ImportSummary> ImportFile(store::Store& store, std::istream& in,
                                 const ImportOptions& options,
                                 const store::BlobStore* blobs = nullptr);

// The report of a run as JSON: {"run": {...counts}, "rejects": [...],
// "flags": [...], "changes": n}.
nlohmann::json ImportReportJson(const store::ImportReport& report);

}  // namespace dalil::importer

#endif  // DALIL_IMPORTER_IMPORT_H_
