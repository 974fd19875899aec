#include "cli/commands.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <spdlog/spdlog.h>

#include "cli/config.h"
#include "http/api/api.h"
#include "http/server.h"
#include "importer/bundle.h"
#include "store/sqlite/sqlite_store.h"

namespace dalil::embedded {
std::string_view demo_json();
}  // namespace dalil::embedded

namespace dalil::cli {
namespace {

namespace fs = std::filesystem;

Result<std::unique_ptr<store::Store>> OpenStore(const Config& c) {
  if (!fs::exists(c.DatabasePath())) {
    return Status::NotFound("no database in " + c.data_dir + " (run `dalil init` first)",
                            "data-dir");
  }
  return store::OpenSqliteStore({.path = c.DatabasePath(), .create = false});
}

// --- init -----------------------------------------------------------------

CommandRun SetupInit(CLI::App*, const GlobalFlags* g) {
  return [g]() -> Status {
    const std::string dir = g->data_dir;
    Config c;
    c.data_dir = dir;
    if (fs::exists(c.DatabasePath())) {
      return Status::Conflict(dir + " already holds a Dalil database", "data-dir");
    }
    std::error_code ec;
    fs::create_directories(dir + "/evidence", ec);
    if (!ec) fs::create_directories(dir + "/logs", ec);
    if (ec) return Status::Io("cannot create " + dir + ": " + ec.message());
    // Records here can cost lives: only the owner may read the directory.
    ::chmod(dir.c_str(), 0700);
    if (!fs::exists(c.ConfigPath())) {
      std::ofstream out(c.ConfigPath());
      out << DefaultConfigToml();
      if (!out) return Status::Io("cannot write " + c.ConfigPath());
    }
    auto store = store::OpenSqliteStore({.path = c.DatabasePath(), .create = true});
    if (!store.ok()) return store.status();
    auto v = (*store)->SchemaVersion();
    if (!v.ok()) return v.status();
    std::printf("Initialised %s (schema version %d)\n", dir.c_str(), *v);
    return Status::Ok();
  };
}

// --- demo -----------------------------------------------------------------

CommandRun SetupDemo(CLI::App*, const GlobalFlags* g) {
  return [g]() -> Status {
    DALIL_ASSIGN_OR_RETURN(Config c, LoadConfig(g->data_dir));
    DALIL_ASSIGN_OR_RETURN(auto store, OpenStore(c));
    DALIL_ASSIGN_OR_RETURN(int64_t n, store->Count(*model::FindEntityByName("incident")));
    if (n > 0) {
      return Status::Conflict("the database already holds " + std::to_string(n) +
                              " incidents; the demo loads only into an empty one");
    }
    auto bundle = nlohmann::json::parse(embedded::demo_json(), nullptr, false);
    if (bundle.is_discarded()) return Status::Internal("embedded demo data is not JSON");
    DALIL_ASSIGN_OR_RETURN(auto result, importer::LoadBundle(*store, bundle, "demo"));
    std::printf("Loaded the demo dataset: %lld records", static_cast<long long>(result.total));
    for (const auto& [kind, count] : result.created) {
      std::printf(", %lld %s", static_cast<long long>(count), kind.c_str());
    }
    std::printf("\n");
    return Status::Ok();
  };
}

// --- serve ----------------------------------------------------------------

struct ServeFlags {
  std::string address;
  int port = -1;
  int threads = -1;
  bool insecure_allow_remote = false;
};

CommandRun SetupServe(CLI::App* app, const GlobalFlags* g) {
  auto f = std::make_shared<ServeFlags>();
  app->add_option("--address", f->address, "Address to listen on (default from dalil.toml)");
  app->add_option("--port", f->port, "Port (0 picks a free one)")->check(CLI::Range(0, 65535));
  app->add_option("--threads", f->threads, "Worker threads (0: one per core)")
      ->check(CLI::Range(0, 256));
  app->add_flag("--insecure-allow-remote", f->insecure_allow_remote,
                "Listen on a non-loopback address although accounts and "
                "encryption are not in place yet");
  return [g, f]() -> Status {
    DALIL_ASSIGN_OR_RETURN(Config c, LoadConfig(g->data_dir));
    if (!f->address.empty()) c.server.address = f->address;
    if (f->port >= 0) c.server.port = static_cast<uint16_t>(f->port);
    if (f->threads >= 0) c.server.threads = f->threads;
    if (!IsLoopback(c.server.address) && !f->insecure_allow_remote) {
      return Status::Invalid("address",
                             "Dalil has no accounts yet, so anyone who can reach it "
                             "could read every record: it listens on loopback only "
                             "(127.0.0.1). Use --insecure-allow-remote to override.");
    }
    DALIL_ASSIGN_OR_RETURN(auto store, OpenStore(c));
    store::BlobStore blobs(c.EvidenceDir());
    http::Router router;
    api::RegisterRoutes(router, store.get(), &blobs,
                        {.max_json_depth = c.max_json_depth, .version = DALIL_VERSION});
    http::Server server(c.server, router);
    DALIL_RETURN_IF_ERROR(server.Listen());
    std::printf("Dalil %s serving %s on http://%s:%u/\n", DALIL_VERSION, c.data_dir.c_str(),
                c.server.address.c_str(), server.port());
    std::fflush(stdout);
    server.Run(/*handle_signals=*/true);
    std::printf("Dalil stopped cleanly\n");
    return Status::Ok();
  };
}

// --- openapi --------------------------------------------------------------

CommandRun SetupOpenApi(CLI::App*, const GlobalFlags*) {
  return []() -> Status {
    store::BlobStore blobs("/nonexistent");
    http::Router router;
    // The route table does not depend on a database; a null store is never
    // called while only the document is built.
    api::RegisterRoutes(router, nullptr, &blobs, {});
    std::cout << api::BuildOpenApi(router).dump(2) << "\n";
    return Status::Ok();
  };
}

const Command kCommands[] = {
    {"init", "Create a data directory and its database", SetupInit},
    {"demo", "Load the demo dataset into an empty database", SetupDemo},
    {"serve", "Run the web server", SetupServe},
    {"openapi", "Print the OpenAPI document of the API", SetupOpenApi},
};

}  // namespace

std::span<const Command> Commands() { return kCommands; }

}  // namespace dalil::cli
