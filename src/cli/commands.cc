#include "cli/commands.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "base/text.h"
#include "cli/config.h"
#include "cli/import_commands.h"
#include "cli/keys.h"
#include "cli/user_commands.h"
#include "figures/query.h"
#include "figures/render.h"
#include "http/api/api.h"
#include "http/server.h"
#include "importer/bundle.h"
#include "ledger/checkpoint.h"
#include "store/sqlite/sqlite_store.h"

namespace dalil::embedded {
std::string_view demo_json();
}  // namespace dalil::embedded

namespace dalil::cli {
namespace {

namespace fs = std::filesystem;

// <data-dir>/tmp, private (0700), where the server writes exports before
// sending them; files a crashed server left there are removed.
Result<std::string> ScratchDir(const Config& c) {
  const std::string dir = c.data_dir + "/tmp";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || ::chmod(dir.c_str(), 0700) != 0) {
    return Status::Io("cannot prepare the scratch directory " + dir);
  }
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().rfind("export-", 0) == 0) fs::remove(entry.path(), ec);
  }
  return dir;
}

Result<std::string> ReadSmallFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(std::string(what) + " " + path + " cannot be read", what);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > (1 << 20)) return Status::Invalid(what, "is larger than 1 MiB");
  return ss.str();
}

// Reads the ledger's signing key, refusing a key file others can read.
Result<ledger::SigningKey> LoadSigningKey(const Config& c) {
  struct stat st {};
  if (::stat(c.ledger_key_path.c_str(), &st) != 0) {
    return Status::NotFound("the ledger signing key " + c.ledger_key_path +
                            " is missing; restore it from your backup (without it no new "
                            "checkpoint can be signed)",
                            "key_file");
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    return Status::Invalid("key_file", c.ledger_key_path +
                                           " is readable by other users; run chmod 600 on it");
  }
  DALIL_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(c.ledger_key_path, "key_file"));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto key = ledger::ParsePrivateKey(text);
  if (!key.ok()) return Status::Invalid("key_file", c.ledger_key_path + " is not a signing key");
  return key;
}

Status WriteKeyFile(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Io("cannot create " + path);
  std::string line = text + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok) return Status::Io("cannot write " + path);
  return Status::Ok();
}

// --- init -----------------------------------------------------------------

struct InitFlags {
  std::string organisation = "Dalil";
  std::string admin = "admin";
  bool password_stdin = false;
};

CommandRun SetupInit(CLI::App* app, const GlobalFlags* g) {
  auto origin = std::make_shared<std::string>();
  auto f = std::make_shared<InitFlags>();
  app->add_option("--origin", *origin,
                  "Name of this installation's ledger in signed checkpoints "
                  "(default dalil/<random>)");
  app->add_option("--organisation", f->organisation, "Name of the first organisation");
  app->add_option("--admin", f->admin, "User name of the first admin (default admin)");
  app->add_flag("--password-stdin", f->password_stdin,
                "Read the admin's password from stdin instead of printing a one-time one");
  return [g, origin, f]() -> Status {
    const std::string dir = g->data_dir;
    Config c;
    c.data_dir = dir;
    if (fs::exists(c.DatabasePath())) {
      return Status::Conflict(dir + " already holds a Dalil database", "data-dir");
    }
    std::error_code ec;
    fs::create_directories(dir + "/evidence", ec);
    if (!ec) fs::create_directories(dir + "/logs", ec);
    if (!ec) fs::create_directories(dir + "/keys", ec);
    if (ec) return Status::Io("cannot create " + dir + ": " + ec.message());
    // Records here can cost lives: only the owner may read the directory.
    ::chmod(dir.c_str(), 0700);
    ::chmod((dir + "/keys").c_str(), 0700);
    if (!fs::exists(c.ConfigPath())) {
      std::ofstream out(c.ConfigPath());
      out << DefaultConfigToml();
      if (!out) return Status::Io("cannot write " + c.ConfigPath());
    }
    DALIL_ASSIGN_OR_RETURN(Config loaded, LoadConfig(dir));
    if (!fs::exists(loaded.ledger_key_path)) {
      std::string name = *origin;
      if (name.empty()) {
        unsigned char rnd[8];
        randombytes_buf(rnd, sizeof rnd);
        name = "dalil/" + HexEncode(std::string_view(reinterpret_cast<char*>(rnd), sizeof rnd));
      }
      DALIL_ASSIGN_OR_RETURN(ledger::SigningKey key, ledger::GenerateSigningKey(name));
      DALIL_RETURN_IF_ERROR(WriteKeyFile(loaded.ledger_key_path, ledger::EncodePrivateKey(key)));
    }
    DALIL_ASSIGN_OR_RETURN(ledger::SigningKey key, LoadSigningKey(loaded));
    DALIL_ASSIGN_OR_RETURN(NewDatabase created, CreateEncryptedDatabase(loaded, *g));
    auto v = created.store->SchemaVersion();
    if (!v.ok()) return v.status();
    auto cp = created.store->SignCheckpoint(key);
    if (!cp.ok()) return cp.status();
    std::printf("Initialised %s (schema version %d)\n", dir.c_str(), *v);
    std::printf("Ledger key: %s\n  Keep a copy of %s offline; publish the verifier key above.\n",
                ledger::VerifierKey(key).c_str(), loaded.ledger_key_path.c_str());
    std::printf("%s", created.notice.c_str());
    DALIL_ASSIGN_OR_RETURN(auto accounts, store::OpenSqliteAccounts(
                                              c.DatabasePath(), AccountCodec(created.keyring)));
    return CreateFirstAdmin(*accounts, f->organisation, f->admin, f->password_stdin);
  };
}

// --- demo -----------------------------------------------------------------

CommandRun SetupDemo(CLI::App* app, const GlobalFlags* g) {
  auto organisation = std::make_shared<std::string>();
  app->add_option("--organisation", *organisation,
                  "Organisation (id or name) that owns the demo records (default: the first)");
  return [g, organisation]() -> Status {
    DALIL_ASSIGN_OR_RETURN(Config c, LoadConfig(g->data_dir));
    DALIL_ASSIGN_OR_RETURN(store::Viewer writer, WriterFor(c, *g, *organisation));
    std::shared_ptr<security::Keyring> keyring;
    DALIL_ASSIGN_OR_RETURN(auto store, OpenStore(c, *g, &keyring));
    DALIL_ASSIGN_OR_RETURN(int64_t n, store->Count(*model::FindEntityByName("incident")));
    if (n > 0) {
      return Status::Conflict("the database already holds " + std::to_string(n) +
                              " incidents; the demo loads only into an empty one");
    }
    auto bundle = nlohmann::json::parse(embedded::demo_json(), nullptr, false);
    if (bundle.is_discarded()) return Status::Internal("embedded demo data is not JSON");
    store::BlobStore blobs(c.EvidenceDir(), keyring);
    DALIL_ASSIGN_OR_RETURN(auto result, importer::LoadBundle(*store, bundle, "demo", &blobs, writer));
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
  std::string tls_certificate, tls_private_key;
};

CommandRun SetupServe(CLI::App* app, const GlobalFlags* g) {
  auto f = std::make_shared<ServeFlags>();
  app->add_option("--address", f->address, "Address to listen on (default from dalil.toml)");
  app->add_option("--port", f->port, "Port (0 picks a free one)")->check(CLI::Range(0, 65535));
  app->add_option("--threads", f->threads, "Worker threads (0: one per core)")
      ->check(CLI::Range(0, 256));
  app->add_option("--tls-certificate", f->tls_certificate,
                  "PEM certificate chain: serve HTTPS (with --tls-private-key)");
  app->add_option("--tls-private-key", f->tls_private_key, "PEM private key of the certificate");
  app->add_flag("--insecure-allow-remote", f->insecure_allow_remote,
                "Serve plain HTTP on a non-loopback address (passwords, session "
                "cookies and records would cross the network in clear)");
  return [g, f]() -> Status {
    DALIL_ASSIGN_OR_RETURN(Config c, LoadConfig(g->data_dir));
    if (!f->address.empty()) c.server.address = f->address;
    if (f->port >= 0) c.server.port = static_cast<uint16_t>(f->port);
    if (f->threads >= 0) c.server.threads = f->threads;
    if (!f->tls_certificate.empty()) c.server.tls_certificate_file = f->tls_certificate;
    if (!f->tls_private_key.empty()) c.server.tls_private_key_file = f->tls_private_key;
    // Off loopback only over TLS: without it every password, session cookie
    // and record would cross the network in clear.
    if (!IsLoopback(c.server.address) && !c.server.tls() && !f->insecure_allow_remote) {
      return Status::Invalid("address",
                             "a non-loopback address needs TLS (--tls-certificate and "
                             "--tls-private-key, or [server] tls_certificate_file and "
                             "tls_private_key_file in dalil.toml); plain HTTP is served on "
                             "loopback only (127.0.0.1) unless --insecure-allow-remote is given");
    }
    std::shared_ptr<security::Keyring> keyring;
    DALIL_ASSIGN_OR_RETURN(auto store, OpenStore(c, *g, &keyring));
    DALIL_ASSIGN_OR_RETURN(ledger::SigningKey key, LoadSigningKey(c));
    DALIL_ASSIGN_OR_RETURN(auto accounts,
                           store::OpenSqliteAccounts(c.DatabasePath(), AccountCodec(keyring)));
    // A data directory from before accounts has no user: make the first
    // admin now, as `init` would have (its password is printed once).
    DALIL_RETURN_IF_ERROR(CreateFirstAdmin(*accounts, "Dalil", "admin", /*password_stdin=*/false));
    // Records from before accounts now belong to that first organisation.
    DALIL_ASSIGN_OR_RETURN(int64_t adopted, store->AdoptUnownedRecords());
    if (adopted > 0) {
      spdlog::info("{} records from before organisations now belong to the first one", adopted);
    }
    store::BlobStore blobs(c.EvidenceDir(), keyring);
    DALIL_ASSIGN_OR_RETURN(std::string scratch, ScratchDir(c));
    http::Router router;
    api::RegisterRoutes(router, store.get(), &blobs,
                        {.max_json_depth = c.max_json_depth,
                         .version = DALIL_VERSION,
                         .signing_key = &key,
                         .figure_rules = c.figure_rules,
                         .accounts = accounts.get(),
                         .auth = c.auth,
                         .scratch_dir = scratch});
    http::Server server(c.server, router);
    DALIL_RETURN_IF_ERROR(server.Listen());

    // Periodic checkpoints: an observer polling the log gets a fresh signed
    // root without anyone asking for it.
    std::mutex mu;
    std::condition_variable cv;
    bool stopping = false;
    std::thread signer;
    if (c.checkpoint_interval_seconds > 0) {
      signer = std::thread([&] {
        std::unique_lock<std::mutex> lock(mu);
        while (!cv.wait_for(lock, std::chrono::seconds(c.checkpoint_interval_seconds),
                            [&] { return stopping; })) {
          auto cp = store->SignCheckpoint(key);
          if (!cp.ok()) spdlog::error("ledger checkpoint: {}", cp.status().ToString());
        }
      });
    }
    std::printf("Dalil %s serving %s on %s://%s:%u/\n", DALIL_VERSION, c.data_dir.c_str(),
                c.server.tls() ? "https" : "http", c.server.address.c_str(), server.port());
    std::fflush(stdout);
    server.Run(/*handle_signals=*/true);
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
    }
    cv.notify_all();
    if (signer.joinable()) signer.join();
    // A last checkpoint covers everything written before the stop.
    auto last = store->SignCheckpoint(key);
    if (!last.ok()) spdlog::error("ledger checkpoint: {}", last.status().ToString());
    std::printf("Dalil stopped cleanly\n");
    return Status::Ok();
  };
}

// --- verify ---------------------------------------------------------------

struct VerifyFlags {
  std::string checkpoint_file;
  std::string verifier_key;
};

CommandRun SetupVerify(CLI::App* app, const GlobalFlags* g) {
  auto f = std::make_shared<VerifyFlags>();
  app->add_option("--checkpoint", f->checkpoint_file,
                  "A signed checkpoint saved earlier: check the log is a consistent "
                  "extension of it");
  app->add_option("--verifier-key", f->verifier_key,
                  "The published verifier key to check signatures with (default: the "
                  "key derived from the data directory's signing key)");
  return [g, f]() -> Status {
    DALIL_ASSIGN_OR_RETURN(Config c, LoadConfig(g->data_dir));
    DALIL_ASSIGN_OR_RETURN(auto store, OpenStore(c, *g));
    ledger::Verifier verifier;
    if (!f->verifier_key.empty()) {
      auto v = ledger::ParseVerifierKey(f->verifier_key);
      if (!v.ok()) return Status::Invalid("verifier-key", v.status().message());
      verifier = *v;
    } else {
      DALIL_ASSIGN_OR_RETURN(ledger::SigningKey key, LoadSigningKey(c));
      auto v = ledger::ParseVerifierKey(ledger::VerifierKey(key));
      if (!v.ok()) return v.status();
      verifier = *v;
    }
    std::optional<std::string> saved;
    if (!f->checkpoint_file.empty()) {
      DALIL_ASSIGN_OR_RETURN(std::string note, ReadSmallFile(f->checkpoint_file, "checkpoint"));
      saved = note;
    }
    DALIL_ASSIGN_OR_RETURN(store::VerifyReport r, store->VerifyLedger(verifier, saved));
    // The figure index is derived from the records: it must agree with them.
    DALIL_ASSIGN_OR_RETURN(std::vector<std::string> index_problems, store->CheckFigureIndex());
    r.problems.insert(r.problems.end(), index_problems.begin(), index_problems.end());
    std::printf("Checked %llu leaves, %llu versions, %llu records, %llu account events and "
                "reveals, %llu signed checkpoints",
                static_cast<unsigned long long>(r.leaves), static_cast<unsigned long long>(r.versions),
                static_cast<unsigned long long>(r.records), static_cast<unsigned long long>(r.events),
                static_cast<unsigned long long>(r.checkpoints));
    if (saved) std::printf(", and the saved checkpoint");
    std::printf(".\n");
    if (r.intact()) {
      std::printf("INTACT: every record and account event matches its history and the signed log.\n");
      return Status::Ok();
    }
    for (const auto& p : r.problems) std::printf("TAMPERED: %s\n", p.c_str());
    return Status::Corruption(std::to_string(r.problems.size()) +
                              " problem(s) found: the database was altered outside Dalil");
  };
}

// --- ledger ---------------------------------------------------------------

CommandRun SetupLedger(CLI::App* app, const GlobalFlags* g) {
  app->require_subcommand(1);
  CLI::App* checkpoint = app->add_subcommand("checkpoint", "Sign a checkpoint now (if the log grew) and print it");
  CLI::App* key = app->add_subcommand("key", "Print the ledger's verifier key");
  return [g, checkpoint, key]() -> Status {
    DALIL_ASSIGN_OR_RETURN(Config c, LoadConfig(g->data_dir));
    DALIL_ASSIGN_OR_RETURN(ledger::SigningKey signing, LoadSigningKey(c));
    if (key->parsed()) {
      std::printf("%s\n", ledger::VerifierKey(signing).c_str());
      return Status::Ok();
    }
    (void)checkpoint;
    DALIL_ASSIGN_OR_RETURN(auto store, OpenStore(c, *g));
    DALIL_ASSIGN_OR_RETURN(store::SignedCheckpoint cp, store->SignCheckpoint(signing));
    std::fwrite(cp.note.data(), 1, cp.note.size(), stdout);
    return Status::Ok();
  };
}

// --- figures --------------------------------------------------------------

struct FiguresFlags {
  std::string place, from, to, type, actor, by, as_of, ids;
  std::string format = "table";
  std::string digits = "arabic-indic";
};

CommandRun SetupFigures(CLI::App* app, const GlobalFlags* g) {
  auto f = std::make_shared<FiguresFlags>();
  app->add_option("--place", f->place, "Place id or ISO code (IQ-DQ); includes places under it");
  app->add_option("--from", f->from, "First day, YYYY-MM-DD");
  app->add_option("--to", f->to, "Last day, YYYY-MM-DD");
  app->add_option("--type", f->type, "ACLED event type (protests, ...)");
  app->add_option("--actor", f->actor, "Actor id: incidents it or its units were involved in");
  app->add_option("--by", f->by, "Group by governorate, district, week, month, actor or type");
  app->add_option("--as-of", f->as_of, "Detained/abducted: people held on this day");
  app->add_option("--ids", f->ids, "Ids listed per figure (json): a number (default 1000) or all");
  app->add_option("--format", f->format, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  app->add_option("--digits", f->digits, "Digits of Arabic phrases: arabic-indic or western")
      ->check(CLI::IsMember({"arabic-indic", "western"}));
  return [g, f]() -> Status {
    DALIL_ASSIGN_OR_RETURN(Config c, LoadConfig(g->data_dir));
    DALIL_ASSIGN_OR_RETURN(auto store, OpenStore(c, *g));
    std::vector<std::pair<std::string, std::string>> params;
    for (const auto& [name, value] :
         {std::pair<const char*, const std::string*>{"place", &f->place}, {"from", &f->from},
          {"to", &f->to}, {"type", &f->type}, {"actor", &f->actor}, {"by", &f->by},
          {"as_of", &f->as_of}, {"ids", &f->ids}}) {
      if (!value->empty()) params.emplace_back(name, *value);
    }
    auto req = figures::ParseFigureRequest(*store, params, c.figure_rules);
    if (!req.ok()) {
      // Name the flag, not the query parameter.
      std::string field = req.status().field();
      if (field.rfind("query.", 0) == 0) field = "--" + field.substr(6);
      std::replace(field.begin(), field.end(), '_', '-');
      return Status(req.status().code(), req.status().message(), field);
    }
    DALIL_ASSIGN_OR_RETURN(auto groups, figures::ComputeFigures(*store, *req));
    figures::RenderOptions render;
    if (f->digits == "western") render.arabic_digits = figures::Digits::kWestern;
    std::string out;
    if (f->format == "json") out = figures::FiguresJson(groups, render).dump(2) + "\n";
    else if (f->format == "csv") out = figures::FiguresCsv(groups, render);
    else out = figures::FiguresTable(groups, render);
    std::fwrite(out.data(), 1, out.size(), stdout);
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
    {"verify", "Check the database against its tamper-evident ledger", SetupVerify},
    {"ledger", "Sign checkpoints and show the ledger's key", SetupLedger},
    {"figures", "Casualty figures from verified records", SetupFigures},
    {"import", "Import UCDP GED, ACLED, HXL-tagged CSV or Dalil JSON", SetupImport},
    {"import-report", "Show an import's counts, rejected rows and flagged records",
     SetupImportReport},
    {"export", "Export incidents as CSV, HXL, Dalil JSON or GeoJSON", SetupExport},
    {"keys", "Encryption at rest: key status, rotation", SetupKeys},
    {"user", "Manage user accounts and API tokens", SetupUser},
    {"openapi", "Print the OpenAPI document of the API", SetupOpenApi},
};

}  // namespace

std::span<const Command> Commands() { return kCommands; }

}  // namespace dalil::cli
