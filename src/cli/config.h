// The data directory and its configuration file (dalil.toml).
//
// Layout of a data directory (created by `dalil init`, mode 0700):
//   dalil.toml    configuration (see docs/configuration in README)
//   dalil.db      SQLite database (WAL mode: also dalil.db-wal, -shm)
//   evidence/     content-addressed evidence files
//   logs/         access.log
//   keys/         ledger.key (the ledger's Ed25519 signing key, 0600),
//                 master.key (the master key of encryption at rest, 0600)
#ifndef DALIL_CLI_CONFIG_H_
#define DALIL_CLI_CONFIG_H_

#include <string>

#include "base/status.h"
#include "figures/counting.h"
#include "http/api/api.h"
#include "http/server.h"

namespace dalil::cli {

struct Config {
  std::string data_dir;
  http::ServerOptions server;
  int max_json_depth = 32;
  // Seconds between checkpoints signed while serving; 0 turns them off.
  int checkpoint_interval_seconds = 300;
  std::string ledger_key_path;  // default <data_dir>/keys/ledger.key
  std::string master_key_path;  // default <data_dir>/keys/master.key
  figures::Rules figure_rules;  // [figures] credible_reliability, min_sources
  api::AuthOptions auth;        // [accounts]

  std::string DatabasePath() const { return data_dir + "/dalil.db"; }
  std::string EvidenceDir() const { return data_dir + "/evidence"; }
  std::string ConfigPath() const { return data_dir + "/dalil.toml"; }
};

// The default configuration file written by `dalil init`.
std::string DefaultConfigToml();

// Reads <data_dir>/dalil.toml. Unknown keys and wrong types are errors that
// name the key; a missing file means defaults.
Result<Config> LoadConfig(const std::string& data_dir);

// True if `address` is a loopback address (127.0.0.0/8, ::1, localhost).
bool IsLoopback(const std::string& address);

}  // namespace dalil::cli

#endif  // DALIL_CLI_CONFIG_H_
