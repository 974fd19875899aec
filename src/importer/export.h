// Exports of incidents in the formats the humanitarian world reads: CSV
// (optionally with an HXL hashtag row), Dalil JSON (the model, re-importable
// with `dalil import --format dalil-json`) and GeoJSON (RFC 7946).
// docs/formats/import-export.md lists the columns and properties.
//
// Nothing sensitive is ever exported: fields marked sensitive in
// model/schema.cc (person names, variants, contact, affiliation, witness
// identity) are left out of every format, whoever asks. Per-incident
// figures follow the counting rules (figures/counting.h) and exist only for
// verified incidents.
#ifndef DALIL_IMPORTER_EXPORT_H_
#define DALIL_IMPORTER_EXPORT_H_

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "store/store.h"

namespace dalil::importer {

enum class ExportFormat { kCsv, kHxl, kJson, kGeoJson };

struct ExportRequest {
  ExportFormat format = ExportFormat::kCsv;
  store::ListQuery filter;    // incidents: place, from, to, type, actor
  bool all_statuses = false;  // else only verified incidents
};

// Reads format (csv, hxl, json, geojson; default csv) and the filters of
// figures (place, from, to, type, actor). `all_statuses` is accepted only
// when `allow_all_statuses` (the operator's CLI, never the public API).
// Errors are kInvalidArgument naming the parameter ("query.format").
Result<ExportRequest> ParseExportRequest(
    store::Store& store, const std::vector<std::pair<std::string, std::string>>& params,
    bool allow_all_statuses);

// The media type of a format ("text/csv; charset=utf-8", ...).
std::string ExportMediaType(ExportFormat format);

// Writes the export to `out`. CSV and GeoJSON are written incident by
// incident; JSON record by record (only ids are held).
Status WriteExport(store::Store& store, const ExportRequest& request, std::ostream& out);

}  // namespace dalil::importer

#endif  // DALIL_IMPORTER_EXPORT_H_
