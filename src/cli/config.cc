#include "cli/config.h"

#include <filesystem>
#include <set>

#include <toml++/toml.h>

namespace dalil::cli {

std::string DefaultConfigToml() {
  return R"(# Dalil configuration. Command-line flags override these values.

[server]
# Address to listen on. Until accounts exist, Dalil refuses
# non-loopback addresses unless `dalil serve --insecure-allow-remote`.
address = "127.0.0.1"
port = 8080
# Worker threads; 0 means one per CPU core.
threads = 0
# Largest JSON request body, in bytes.
max_body_bytes = 1048576
# Largest evidence file upload, in bytes.
max_upload_bytes = 67108864
# Seconds allowed to receive one request, and to keep an idle connection.
request_timeout_seconds = 30
keep_alive_timeout_seconds = 60
# Access log, relative to the data directory ("" for none, "-" for stderr).
# It records method, path, status, size and time: never bodies or queries.
access_log = "logs/access.log"
# TLS: a PEM certificate chain and its PEM private key (relative to the data
# directory, or absolute). Both set: HTTPS only (TLS 1.2+), with HSTS.
tls_certificate = ""
tls_private_key = ""

[api]
# Deepest JSON nesting accepted in a request body.
max_json_depth = 32

[ledger]
# Seconds between checkpoints signed while serving (0: only on demand).
checkpoint_interval_seconds = 300
# The signing key, relative to the data directory. Keep a copy offline: a
# lost key cannot sign again (old checkpoints stay verifiable).
key_file = "keys/ledger.key"

[keys]
# The master key of encryption at rest, relative to the data directory
# (mode 0600; Dalil refuses a file others can read). It wraps the keys that
# encrypt names, contacts, witness identities and evidence files. THERE IS
# NO RECOVERY IF IT IS LOST: keep a copy offline, apart from the data.
# (A database created with `dalil --passphrase-stdin init` uses a passphrase
# instead, and ignores this file.)
master_key_file = "keys/master.key"

[figures]
# Claims count only from sources this reliable or better (HURIDOCS scale:
# highly_reliable, reliable, fairly_reliable, not_usually_reliable,
# highly_unreliable, unknown).
credible_reliability = "reliable"
# A figure backed by fewer independent credible sources is provisional.
min_sources = 2

[accounts]
# A session unused for this many seconds ends (idle timeout).
session_idle_timeout_seconds = 900
# A session ends this many seconds after sign-in, used or not.
session_lifetime_seconds = 43200
# Sensitive actions (users, roles, tokens) need a password check this recent.
reauth_seconds = 300
# Longest life of an API token, in days.
max_token_days = 365
# Reveals of identities and evidence files per account: this many at once,
# then one more every reveal_interval_seconds (0: no limit). Refused reveals
# have a fixed limit of their own (10, then one a minute).
reveal_burst = 60
reveal_interval_seconds = 10
)";
}

Result<Config> LoadConfig(const std::string& data_dir) {
  Config c;
  c.data_dir = data_dir;
  c.server.access_log = data_dir + "/logs/access.log";
  c.ledger_key_path = data_dir + "/keys/ledger.key";
  c.master_key_path = data_dir + "/keys/master.key";
  if (!std::filesystem::exists(c.ConfigPath())) return c;
  toml::table t;
  try {
    t = toml::parse_file(c.ConfigPath());
  } catch (const toml::parse_error& e) {
    return Status::Invalid(c.ConfigPath(), std::string("is not valid TOML: ") +
                                               std::string(e.description()) + " at line " +
                                               std::to_string(e.source().begin.line));
  }
  static const std::set<std::string> kSections = {"server", "api", "ledger", "keys",
                                                  "figures", "accounts"};
  for (const auto& [k, v] : t) {
    if (!kSections.count(std::string(k.str()))) {
      return Status::Invalid(std::string(k.str()), "is not a section of dalil.toml");
    }
  }
  Status err;
  auto get_int = [&](const char* section, const char* key, auto& out, int64_t lo, int64_t hi) {
    auto node = t[section][key];
    if (!node) return;
    auto v = node.value<int64_t>();
    if (!v || *v < lo || *v > hi) {
      if (err.ok()) {
        err = Status::Invalid(std::string(section) + "." + key,
                              "must be an integer from " + std::to_string(lo) + " to " +
                                  std::to_string(hi));
      }
      return;
    }
    out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
  };
  auto get_str = [&](const char* section, const char* key, std::string& out) {
    auto node = t[section][key];
    if (!node) return;
    auto v = node.value<std::string>();
    if (!v) {
      if (err.ok()) err = Status::Invalid(std::string(section) + "." + key, "must be a string");
      return;
    }
    out = *v;
  };
  static const std::set<std::string> kServerKeys = {
      "address", "port", "threads", "max_body_bytes", "max_upload_bytes",
      "request_timeout_seconds", "keep_alive_timeout_seconds", "access_log", "tls_certificate",
      "tls_private_key"};
  static const std::set<std::string> kApiKeys = {"max_json_depth"};
  static const std::set<std::string> kLedgerKeys = {"checkpoint_interval_seconds", "key_file"};
  static const std::set<std::string> kKeysKeys = {"master_key_file"};
  static const std::set<std::string> kFigureKeys = {"credible_reliability", "min_sources"};
  static const std::set<std::string> kAccountKeys = {
      "session_idle_timeout_seconds", "session_lifetime_seconds", "reauth_seconds",
      "max_token_days", "reveal_burst", "reveal_interval_seconds"};
  for (const auto& [section, keys] : {std::pair{"server", &kServerKeys}, std::pair{"api", &kApiKeys},
                                      std::pair{"ledger", &kLedgerKeys},
                                      std::pair{"keys", &kKeysKeys},
                                      std::pair{"figures", &kFigureKeys},
                                      std::pair{"accounts", &kAccountKeys}}) {
    if (auto* tab = t[section].as_table()) {
      for (const auto& [k, v] : *tab) {
        if (!keys->count(std::string(k.str()))) {
          return Status::Invalid(std::string(section) + "." + std::string(k.str()),
                                 "is not a setting of dalil.toml");
        }
      }
    }
  }
  get_str("server", "address", c.server.address);
  get_int("server", "port", c.server.port, 0, 65535);
  get_int("server", "threads", c.server.threads, 0, 256);
  get_int("server", "max_body_bytes", c.server.max_body_bytes, 1024, int64_t{1} << 30);
  get_int("server", "max_upload_bytes", c.server.max_upload_bytes, 1024, int64_t{1} << 34);
  get_int("server", "request_timeout_seconds", c.server.request_timeout_seconds, 1, 3600);
  get_int("server", "keep_alive_timeout_seconds", c.server.keep_alive_timeout_seconds, 1, 3600);
  std::string log = "logs/access.log";
  get_str("server", "access_log", log);
  c.server.access_log = (log.empty() || log == "-" || log[0] == '/') ? log : data_dir + "/" + log;
  for (auto [key, out] : {std::pair{"tls_certificate", &c.server.tls_certificate_file},
                          std::pair{"tls_private_key", &c.server.tls_private_key_file}}) {
    std::string path;
    get_str("server", key, path);
    *out = (path.empty() || path[0] == '/') ? path : data_dir + "/" + path;
  }
  get_int("api", "max_json_depth", c.max_json_depth, 2, 512);
  get_int("ledger", "checkpoint_interval_seconds", c.checkpoint_interval_seconds, 0, 86400 * 7);
  std::string key = "keys/ledger.key";
  get_str("ledger", "key_file", key);
  c.ledger_key_path = (!key.empty() && key[0] == '/') ? key : data_dir + "/" + key;
  std::string master = "keys/master.key";
  get_str("keys", "master_key_file", master);
  c.master_key_path = (!master.empty() && master[0] == '/') ? master : data_dir + "/" + master;
  std::string credible = "reliable";
  get_str("figures", "credible_reliability", credible);
  auto rank = figures::ReliabilityRank(credible);
  if (!rank && err.ok()) {
    err = Status::Invalid("figures.credible_reliability",
                          "must be a HURIDOCS reliability such as reliable or fairly_reliable");
  }
  if (rank) c.figure_rules.credible_reliability = *rank;
  get_int("figures", "min_sources", c.figure_rules.min_sources, 1, 100);
  get_int("accounts", "session_idle_timeout_seconds", c.auth.idle_timeout_seconds, 1, 86400);
  get_int("accounts", "session_lifetime_seconds", c.auth.session_lifetime_seconds, 1, 86400 * 30);
  get_int("accounts", "reauth_seconds", c.auth.reauth_seconds, 1, 86400);
  get_int("accounts", "max_token_days", c.auth.max_token_days, 1, 3650);
  get_int("accounts", "reveal_burst", c.auth.reveal_rate.burst, 1, 100000);
  get_int("accounts", "reveal_interval_seconds", c.auth.reveal_rate.interval_seconds, 0, 86400);
  if (!err.ok()) return err;
  return c;
}

bool IsLoopback(const std::string& a) {
  return a == "localhost" || a == "::1" || a.rfind("127.", 0) == 0;
}

}  // namespace dalil::cli
