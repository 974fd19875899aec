// POST /api/v1/imports, GET /api/v1/imports/{id} and GET /api/v1/export.
//
// The import upload is an ordinary JSON write route (application/json, the
// file inside the body), admin-only; what it imports belongs to the admin's
// organisation. The export serves only verified incidents the caller may
// see (published ones to visitors) and never a sensitive field.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include "base/text.h"
#include "http/api/api.h"
#include "http/api/respond.h"
#include "importer/export.h"
#include "importer/import.h"
#include "ledger/checkpoint.h"

namespace dalil::api {
namespace {

using http::Request;
using security::Access;
using security::Role;
using http::Response;
using nlohmann::json;

Result<importer::ImportOptions> ImportOptionsOf(const json& body, std::string& content) {
  if (!body.is_object()) return Status::Invalid("body", "must be a JSON object");
  importer::ImportOptions opts;
  for (const auto& [key, value] : body.items()) {
    if (key == "content" || key == "content_base64") continue;
    if (key == "dry_run") {
      if (!value.is_boolean()) return Status::Invalid("dry_run", "must be true or false");
      opts.dry_run = value.get<bool>();
      continue;
    }
    if (!value.is_string()) return Status::Invalid(key, "must be a string");
    const std::string v = value.get<std::string>();
    if (key == "format") opts.format = v;
    else if (key == "source_name") opts.dataset = v;
    else if (key == "file_name") opts.file_name = v;
    else if (key == "review_status") opts.review_status = v;
    else return Status::Invalid(key, "is not a field of an import");
  }
  if (opts.format.empty()) return Status::Invalid("format", "is required");
  if (!importer::IsImportFormat(opts.format)) {
    return Status::Invalid("format", "must be one of ucdp-ged, acled, hxl-csv, dalil-json");
  }
  auto text = body.find("content");
  auto b64 = body.find("content_base64");
  if ((text == body.end()) == (b64 == body.end())) {
    return Status::Invalid("content", "give the file as content (text) or content_base64");
  }
  if (text != body.end()) {
    if (!text->is_string()) return Status::Invalid("content", "must be a string");
    content = text->get<std::string>();
  } else {
    auto decoded = b64->is_string() ? ledger::Base64Decode(b64->get<std::string>()) : std::nullopt;
    if (!decoded) return Status::Invalid("content_base64", "is not base64");
    content = std::move(*decoded);
  }
  if (opts.file_name.empty()) opts.file_name = "upload";
  if (opts.file_name.size() > 255 || opts.file_name.find('/') != std::string::npos) {
    return Status::Invalid("file_name", "must be a file name of at most 255 bytes, no directories");
  }
  opts.actor = "api-import";
  return opts;
}

// Writes the export to a file under `dir` (created 0600 and unlinked at
// once: nothing is left behind, even after a crash) and sends it back in
// pieces: the response holds one piece in memory, whatever the export's size.
Status StreamExport(store::Store& store, const importer::ExportRequest& request,
                    const std::string& dir, Response* r) {
  std::string path = dir + "/export-" + std::string(6, 'X');
  const int fd = ::mkstemp(path.data());
  if (fd < 0) return Status::Io("cannot create a scratch file for the export");
  auto file = std::make_shared<std::fstream>(
      path, std::ios::in | std::ios::out | std::ios::trunc | std::ios::binary);
  ::close(fd);
  ::unlink(path.c_str());
  if (!*file) return Status::Io("cannot open a scratch file for the export");
  DALIL_RETURN_IF_ERROR(importer::WriteExport(store, request, *file));
  file->flush();
  if (!*file) return Status::Io("writing the export failed (is the disk full?)");
  file->seekg(0);
  r->next = [file](std::string* piece) {
    piece->resize(256 * 1024);
    file->read(piece->data(), static_cast<std::streamsize>(piece->size()));
    piece->resize(static_cast<size_t>(file->gcount()));
    return !file->bad();
  };
  return Status::Ok();
}

}  // namespace

void RegisterImportRoutes(http::Router& router, store::Store* store,
                          const store::BlobStore* blobs, const ApiOptions& options) {
  router.AddUpload(
      "POST", "/api/v1/imports",
      "Import a UCDP GED, ACLED, HXL CSV or Dalil JSON file (JSON body with the file inside)",
      Access::AtLeast(Role::kAdmin), [store, blobs, options](Request& req) {
        auto ct = req.Header("content-type");
        if (!ct || (ct->rfind("application/json", 0) != 0)) {
          return ErrorResponse(Status::Invalid("content-type", "must be application/json"));
        }
        auto body = ParseJsonBody(req.body, options.max_json_depth);
        if (!body.ok()) return ErrorResponse(body.status());
        std::string content;
        auto opts = ImportOptionsOf(*body, content);
        if (!opts.ok()) return ErrorResponse(opts.status());
        // Imported records belong to the importing admin's organisation.
        opts->writer = store::Viewer::System(req.principal->organisation_id);
        *body = json();  // the file is held once, in `content`
        std::istringstream in(std::move(content));
        auto summary = importer::ImportFile(*store, in, *opts, blobs);
        if (!summary.ok()) return ErrorResponse(summary.status());
        if (opts->dry_run) {
          json rejects = json::array();
          for (const auto& r : summary->rejects) {
            rejects.push_back({{"line", r.line}, {"column", r.column}, {"value", r.value},
                               {"reason", r.reason}});
          }
          const auto& n = summary->counts;
          return JsonResponse(200, {{"dry_run", true},
                                    {"dataset", summary->dataset},
                                    {"rows", n.rows},
                                    {"imported", n.imported},
                                    {"updated", n.updated},
                                    {"unchanged", n.unchanged},
                                    {"rejected", n.rejected},
                                    {"flagged", n.flagged},
                                    {"rejects", rejects}});
        }
        auto report = store->LoadImportReport(summary->run_id);
        if (!report.ok()) return ErrorResponse(report.status());
        Response r = JsonResponse(201, importer::ImportReportJson(*report));
        r.headers.emplace_back("Location", "/api/v1/imports/" + std::to_string(summary->run_id));
        return r;
      });
  router.Add("GET", "/api/v1/imports/{id}",
             "One import: counts, rejected rows (line, column, value, reason), flagged records",
             Access::AtLeast(Role::kAdmin), [store](Request& req) {
               auto id = ParseInt(req.params["id"]);
               if (!id || *id < 1) return ErrorResponse(Status::Invalid("id", "must be a positive integer"));
               auto report = store->LoadImportReport(*id);
               if (!report.ok()) return ErrorResponse(report.status());
               return JsonResponse(200, importer::ImportReportJson(*report));
             });
  router.Add("GET", "/api/v1/export",
             "Verified incidents as CSV, HXL CSV, Dalil JSON or GeoJSON (never a sensitive field)",
             Access::Records(), [store, scratch = options.scratch_dir](Request& req) {
               auto request = importer::ParseExportRequest(*store, req.query,
                                                           /*allow_all_statuses=*/false);
               if (!request.ok()) return ErrorResponse(request.status());
               request->filter.viewer = ViewerOf(req);
               Response r;
               if (scratch.empty()) {
                 std::ostringstream out;
                 Status s = importer::WriteExport(*store, *request, out);
                 if (!s.ok()) return ErrorResponse(s);
                 r.body = std::move(out).str();
               } else if (Status s = StreamExport(*store, *request, scratch, &r); !s.ok()) {
                 return ErrorResponse(s);
               }
               r.status = 200;
               r.content_type = importer::ExportMediaType(request->format);
               const char* ext = request->format == importer::ExportFormat::kJson      ? "json"
                                 : request->format == importer::ExportFormat::kGeoJson ? "geojson"
                                                                                       : "csv";
               r.headers.emplace_back("Content-Disposition",
                                      std::string("attachment; filename=\"dalil-export.") + ext + "\"");
               return r;
             });
}

}  // namespace dalil::api
