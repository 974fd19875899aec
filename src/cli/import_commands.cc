#include "cli/import_commands.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/config.h"
#include "cli/keys.h"
#include "cli/user_commands.h"
#include "importer/export.h"
#include "importer/import.h"
#include "store/sqlite/sqlite_store.h"

namespace dalil::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The store with its master key, as every other command opens it.
Result<std::unique_ptr<store::Store>> Open(const GlobalFlags* g, Config& c,
                                           std::shared_ptr<security::Keyring>* keyring = nullptr) {
  DALIL_ASSIGN_OR_RETURN(c, LoadConfig(g->data_dir));
  return OpenStore(c, *g, keyring);
}

// Progress on stderr: a bar redrawn in place on a terminal, a plain line
// every few seconds otherwise (logs, CI).
class ProgressPrinter {
 public:
  ProgressPrinter() : tty_(::isatty(STDERR_FILENO) == 1), start_(Clock::now()), last_(start_) {}

  void Update(const importer::ImportProgress& p) {
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (!tty_ && now - last_ < std::chrono::seconds(5)) return;
    last_ = now;
    const double rate = elapsed > 0 ? static_cast<double>(p.rows) / elapsed : 0;
    double fraction = p.total_bytes > 0 ? static_cast<double>(p.bytes) / p.total_bytes : 0;
    if (fraction > 1) fraction = 1;
    const double eta = fraction > 0 ? elapsed / fraction - elapsed : 0;
    if (tty_) {
      const int width = 30;
      const int filled = static_cast<int>(fraction * width);
      std::string bar(static_cast<size_t>(filled), '#');
      bar.append(static_cast<size_t>(width - filled), ' ');
      std::fprintf(stderr, "\r[%s] %3.0f%%  %lld rows  %.0f rows/s  ETA %.0fs   ", bar.c_str(),
                   fraction * 100, static_cast<long long>(p.rows), rate, eta);
      drew_ = true;
    } else {
      std::fprintf(stderr, "import: %lld rows, %.0f%% of the file, %.0f rows/s, ETA %.0fs\n",
                   static_cast<long long>(p.rows), fraction * 100, rate, eta);
    }
  }
  void Done() {
    if (drew_) std::fprintf(stderr, "\n");
  }

 private:
  bool tty_;
  bool drew_ = false;
  Clock::time_point start_, last_;
};

struct ImportFlags {
  std::string file, format, source_name, organisation;
  std::string review_status = "in_review";
  bool dry_run = false;
  int batch = 1000;
};

}  // namespace

CommandRun SetupImport(CLI::App* app, const GlobalFlags* g) {
  auto f = std::make_shared<ImportFlags>();
  app->add_option("FILE", f->file, "The file to import")->required();
  app->add_option("--format", f->format, "ucdp-ged, acled, hxl-csv or dalil-json")
      ->required()
      ->check(CLI::IsMember({"ucdp-ged", "acled", "hxl-csv", "dalil-json"}));
  app->add_option("--source-name", f->source_name,
                  "Name of the dataset (default: the format); events are keyed by it and "
                  "their own id");
  app->add_option("--review-status", f->review_status,
                  "Review status of new incidents (default in_review)");
  app->add_flag("--dry-run", f->dry_run, "Read and check everything, write nothing");
  app->add_option("--organisation", f->organisation,
                  "Organisation (id or name) that owns the imported records (default: the first)");
  app->add_option("--batch", f->batch, "Rows per transaction (default 1000)")
      ->check(CLI::Range(1, 100000));
  return [g, f]() -> Status {
    Config c;
    std::shared_ptr<security::Keyring> keyring;
    DALIL_ASSIGN_OR_RETURN(auto store, Open(g, c, &keyring));
    std::ifstream in(f->file, std::ios::binary);
    if (!in) return Status::NotFound("cannot open " + f->file, "FILE");
    std::error_code ec;
    const auto size = fs::file_size(f->file, ec);
    ProgressPrinter printer;
    importer::ImportOptions opts;
    opts.format = f->format;
    opts.dataset = f->source_name;
    opts.file_name = fs::path(f->file).filename().string();
    opts.actor = "import";
    DALIL_ASSIGN_OR_RETURN(opts.writer, WriterFor(c, *g, f->organisation));
    opts.review_status = f->review_status;
    opts.dry_run = f->dry_run;
    opts.batch_rows = f->batch;
    opts.total_bytes = ec ? 0 : static_cast<uint64_t>(size);
    opts.progress = [&](const importer::ImportProgress& p) { printer.Update(p); };
    store::BlobStore blobs(c.EvidenceDir(), keyring);  // evidence sealed like the server's
    auto summary = importer::ImportFile(*store, in, opts, &blobs);
    printer.Done();
    if (!summary.ok()) return summary.status();
    const store::ImportCounts& n = summary->counts;
    if (f->dry_run) {
      std::printf("Dry run of %s (dataset %s): nothing was written.\n", opts.file_name.c_str(),
                  summary->dataset.c_str());
    } else {
      std::printf("Import %lld of %s (dataset %s) completed.\n",
                  static_cast<long long>(summary->run_id), opts.file_name.c_str(),
                  summary->dataset.c_str());
    }
    std::printf("rows %lld: imported %lld, updated %lld, unchanged %lld, rejected %lld, "
                "flagged %lld\n",
                static_cast<long long>(n.rows), static_cast<long long>(n.imported),
                static_cast<long long>(n.updated), static_cast<long long>(n.unchanged),
                static_cast<long long>(n.rejected), static_cast<long long>(n.flagged));
    for (const auto& r : summary->rejects) {
      std::printf("  line %lld %s: %s\n", static_cast<long long>(r.line), r.column.c_str(),
                  r.reason.c_str());
    }
    if (!f->dry_run && (n.rejected > 0 || n.flagged > 0)) {
      std::printf("See `dalil import-report %lld` for the rejected rows and flagged records.\n",
                  static_cast<long long>(summary->run_id));
    }
    return Status::Ok();
  };
}

CommandRun SetupImportReport(CLI::App* app, const GlobalFlags* g) {
  auto id = std::make_shared<int64_t>(0);
  auto format = std::make_shared<std::string>("text");
  app->add_option("ID", *id, "The import run (printed by dalil import)")->required();
  app->add_option("--format", *format, "text or json")->check(CLI::IsMember({"text", "json"}));
  return [g, id, format]() -> Status {
    Config c;
    DALIL_ASSIGN_OR_RETURN(auto store, Open(g, c));
    DALIL_ASSIGN_OR_RETURN(store::ImportReport report, store->LoadImportReport(*id));
    if (*format == "json") {
      std::cout << importer::ImportReportJson(report).dump(2) << "\n";
      return Status::Ok();
    }
    const store::ImportRun& r = report.run;
    const store::ImportCounts& n = r.counts;
    std::printf("Import %lld: %s, format %s, dataset %s, %s\n", static_cast<long long>(r.id),
                r.file_name.c_str(), r.format.c_str(), r.dataset.c_str(), r.status.c_str());
    std::printf("started %s%s%s by %s\n", r.started_at.c_str(),
                r.finished_at.empty() ? "" : ", finished ", r.finished_at.c_str(), r.actor.c_str());
    std::printf("rows %lld: imported %lld, updated %lld, unchanged %lld, rejected %lld, "
                "flagged %lld\n",
                static_cast<long long>(n.rows), static_cast<long long>(n.imported),
                static_cast<long long>(n.updated), static_cast<long long>(n.unchanged),
                static_cast<long long>(n.rejected), static_cast<long long>(n.flagged));
    if (!report.rejects.empty()) std::printf("\nRejected rows (line, column: reason [value]):\n");
    for (const auto& j : report.rejects) {
      std::printf("  %lld %s: %s [%s]\n", static_cast<long long>(j.line),
                  j.column.empty() ? "(row)" : j.column.c_str(), j.reason.c_str(), j.value.c_str());
    }
    if (!report.flags.empty()) std::printf("\nFlagged for review:\n");
    for (const auto& fl : report.flags) {
      std::printf("  line %lld: %s %lld: %s\n", static_cast<long long>(fl.line), fl.entity.c_str(),
                  static_cast<long long>(fl.record_id), fl.reason.c_str());
    }
    return Status::Ok();
  };
}

struct ExportFlags {
  std::string format = "csv", place, from, to, type, actor, output;
  bool all_statuses = false;
};

CommandRun SetupExport(CLI::App* app, const GlobalFlags* g) {
  auto f = std::make_shared<ExportFlags>();
  app->add_option("--format", f->format, "csv, hxl (CSV with an HXL row), json or geojson")
      ->check(CLI::IsMember({"csv", "hxl", "json", "geojson"}));
  app->add_option("--place", f->place, "Place id or ISO code (IQ-DQ); includes places under it");
  app->add_option("--from", f->from, "First day, YYYY-MM-DD");
  app->add_option("--to", f->to, "Last day, YYYY-MM-DD");
  app->add_option("--type", f->type, "ACLED event type (protests, ...)");
  app->add_option("--actor", f->actor, "Actor id");
  app->add_option("--output,-o", f->output, "Write to this file (default standard output)");
  app->add_flag("--all-statuses", f->all_statuses,
                "Export incidents of every review status (default: verified only)");
  return [g, f]() -> Status {
    Config c;
    DALIL_ASSIGN_OR_RETURN(auto store, Open(g, c));
    std::vector<std::pair<std::string, std::string>> params = {{"format", f->format}};
    for (const auto& [name, value] :
         {std::pair<const char*, const std::string*>{"place", &f->place}, {"from", &f->from},
          {"to", &f->to}, {"type", &f->type}, {"actor", &f->actor}}) {
      if (!value->empty()) params.emplace_back(name, *value);
    }
    if (f->all_statuses) params.emplace_back("all_statuses", "true");
    auto req = importer::ParseExportRequest(*store, params, /*allow_all_statuses=*/true);
    if (!req.ok()) {
      std::string field = req.status().field();
      if (field.rfind("query.", 0) == 0) field = "--" + field.substr(6);
      return Status(req.status().code(), req.status().message(), field);
    }
    if (f->output.empty()) return importer::WriteExport(*store, *req, std::cout);
    // Written beside the target and renamed: never half an export under its name.
    const std::string tmp = f->output + ".partial";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) return Status::Io("cannot write " + tmp);
      Status s = importer::WriteExport(*store, *req, out);
      out.close();
      if (s.ok() && !out) s = Status::Io("cannot write " + tmp);
      if (!s.ok()) {
        fs::remove(tmp);
        return s;
      }
    }
    std::error_code ec;
    fs::rename(tmp, f->output, ec);
    if (ec) return Status::Io("cannot rename " + tmp + ": " + ec.message());
    return Status::Ok();
  };
}

}  // namespace dalil::cli
