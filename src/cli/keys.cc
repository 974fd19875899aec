#include "cli/keys.h"

#include <sodium.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "security/password.h"
#include "store/blob_store.h"
#include "store/crypto_codec.h"
#include "store/sqlite/sqlite_keys.h"
#include "store/sqlite/sqlite_store.h"

namespace dalil::cli {
namespace {

namespace fs = std::filesystem;
using store::MasterKind;

std::string NoRecovery(const std::string& what) {
  return "  !! THERE IS NO RECOVERY IF " + what + " IS LOST. Names, contacts, witness\n"
         "  !! identities and evidence files are encrypted with it: without it nobody can\n"
         "  !! read them, not you, not the Dalil developers. Keep a copy offline, apart\n"
         "  !! from the data and its backups (docs/security.md).\n";
}

// One line from standard input, wiped from the buffers it passed through.
Result<std::string> ReadPassphrase() {
  std::string line;
  if (!std::getline(std::cin, line) && line.empty()) {
    return Status::Invalid("passphrase-stdin", "no passphrase on standard input");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return Status::Invalid("passphrase-stdin", "the passphrase is empty");
  return line;
}

void Wipe(std::string& s) {
  sodium_memzero(s.data(), s.size());
  s.clear();
}

Result<security::SecretKey> DeriveFromStdin(const security::KdfParams& kdf) {
  DALIL_ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase());
  auto key = security::DeriveMasterKey(passphrase, kdf);
  Wipe(passphrase);
  return key;
}

// The master key for an existing database, as it records.
Result<std::shared_ptr<security::Keyring>> LoadKeyring(const Config& c, const GlobalFlags& g) {
  DALIL_ASSIGN_OR_RETURN(store::MasterKeyInfo info, store::ReadMasterKeyInfo(c.DatabasePath()));
  switch (info.kind) {
    case MasterKind::kNone:
      return Status::Invalid("data-dir", "the database in " + c.data_dir +
                                             " is not encrypted yet (it predates encryption at "
                                             "rest): run `dalil keys init` first");
    case MasterKind::kFile: {
      if (g.passphrase_stdin) {
        return Status::Invalid("passphrase-stdin", "this database's master key is the key file " +
                                                       c.master_key_path + ", not a passphrase");
      }
      DALIL_ASSIGN_OR_RETURN(security::SecretKey key, security::ReadMasterKeyFile(c.master_key_path));
      return std::make_shared<security::Keyring>(std::move(key));
    }
    case MasterKind::kPassphrase: {
      if (!g.passphrase_stdin) {
        return Status::Invalid("passphrase-stdin",
                               "this database's master key comes from a passphrase: give it "
                               "on standard input with --passphrase-stdin");
      }
      DALIL_ASSIGN_OR_RETURN(security::SecretKey key, DeriveFromStdin(info.kdf));
      return std::make_shared<security::Keyring>(std::move(key));
    }
  }
  return Status::Internal("unknown master key kind");
}

// A new master key: a passphrase from standard input, or a key file at
// `key_path` (created; an existing one is used only if `reuse_file`).
struct NewMaster {
  std::shared_ptr<security::Keyring> keyring;
  store::MasterKeyInfo info;
  std::string notice;
};

Result<NewMaster> NewMasterKey(const GlobalFlags& g, const std::string& key_path,
                               bool reuse_file) {
  NewMaster out;
  if (g.passphrase_stdin) {
    DALIL_ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase());
    Status strong = security::CheckPasswordStrength(passphrase, "");
    if (!strong.ok()) {
      Wipe(passphrase);
      return Status::Invalid("passphrase-stdin", "passphrase refused: " + strong.message());
    }
    out.info = {.kind = MasterKind::kPassphrase, .kdf = security::NewKdfParams()};
    auto key = security::DeriveMasterKey(passphrase, out.info.kdf);
    Wipe(passphrase);
    if (!key.ok()) return key.status();
    out.keyring = std::make_shared<security::Keyring>(std::move(key).value());
    out.notice = "Master key: derived from your passphrase (Argon2id).\n" +
                 NoRecovery("THE PASSPHRASE");
    return out;
  }
  out.info = {.kind = MasterKind::kFile};
  std::error_code ec;
  auto key = reuse_file && fs::exists(key_path, ec) ? security::ReadMasterKeyFile(key_path)
                                                    : security::CreateMasterKeyFile(key_path);
  if (!key.ok()) return key.status();
  out.keyring = std::make_shared<security::Keyring>(std::move(key).value());
  out.notice = "Master key: " + key_path + " (mode 0600).\n" + NoRecovery("THIS FILE");
  return out;
}

Status ChangeMaster(const Config& c, const GlobalFlags& g);

}  // namespace

Result<std::unique_ptr<store::Store>> OpenStore(const Config& c, const GlobalFlags& g,
                                                std::shared_ptr<security::Keyring>* keyring) {
  if (!fs::exists(c.DatabasePath())) {
    return Status::NotFound("no database in " + c.data_dir + " (run `dalil init` first)",
                            "data-dir");
  }
  DALIL_ASSIGN_OR_RETURN(auto ring, LoadKeyring(c, g));
  auto st = store::OpenSqliteStore({.path = c.DatabasePath(), .create = false, .keyring = ring});
  std::error_code ec;
  if (st.status().code() == Code::kUnauthenticated &&
      fs::exists(c.master_key_path + ".new", ec)) {
    return Status(Code::kUnauthenticated, st.status().message() + ". A change of master key was "
                  "interrupted: " + c.master_key_path + ".new is the new key");
  }
  if (st.ok() && keyring) *keyring = ring;
  return st;
}

Result<NewDatabase> CreateEncryptedDatabase(const Config& c, const GlobalFlags& g) {
  DALIL_ASSIGN_OR_RETURN(NewMaster m, NewMasterKey(g, c.master_key_path, /*reuse_file=*/true));
  DALIL_ASSIGN_OR_RETURN(auto st, store::OpenSqliteStore({.path = c.DatabasePath(),
                                                          .create = true,
                                                          .keyring = m.keyring,
                                                          .new_master = m.info}));
  return NewDatabase{std::move(st), std::move(m.notice), m.keyring};
}

std::shared_ptr<const store::SensitiveCodec> AccountCodec(std::shared_ptr<security::Keyring> keyring) {
  if (!keyring) return nullptr;
  return store::NewEncryptingCodec(std::move(keyring));
}

namespace {

// The new key is written beside the old one, the data keys are wrapped under
// it in one transaction, then it is renamed over the old file: if this stops
// half-way, the old file still opens the database, or the ".new" one does.
Status ChangeMaster(const Config& c, const GlobalFlags& g) {
  std::shared_ptr<security::Keyring> current;
  DALIL_ASSIGN_OR_RETURN(auto st, OpenStore(c, g, &current));
  const std::string fresh_path = c.master_key_path + ".new";
  DALIL_ASSIGN_OR_RETURN(NewMaster fresh, NewMasterKey(g, fresh_path, /*reuse_file=*/false));
  Status s = store::ChangeMasterKey(c.DatabasePath(), *current, *fresh.keyring, fresh.info);
  if (!s.ok()) {
    if (!g.passphrase_stdin) ::unlink(fresh_path.c_str());
    return s;
  }
  if (!g.passphrase_stdin) {
    if (::rename(fresh_path.c_str(), c.master_key_path.c_str()) != 0) {
      return Status::Io("the database now needs the key in " + fresh_path +
                        ", which could not be renamed to " + c.master_key_path +
                        ": rename it by hand");
    }
    fresh.notice = "Master key: " + c.master_key_path + " (mode 0600), replaced.\n" +
                   NoRecovery("THIS FILE");
  }
  std::printf("Replaced the master key: the old one no longer opens this database. Restart "
              "a running server, and replace your offline copy.\n%s",
              fresh.notice.c_str());
  return Status::Ok();
}

}  // namespace

CommandRun SetupKeys(CLI::App* app, const GlobalFlags* g) {
  app->require_subcommand(1);
  CLI::App* status = app->add_subcommand(
      "status", "Show the data key versions and how many values and files each seals");
  CLI::App* rotate = app->add_subcommand(
      "rotate", "Re-encrypt every sensitive value and evidence file under a new data key, "
                "then delete the old keys (the server may keep running)");
  auto batch = std::make_shared<int>(200);
  rotate->add_option("--batch", *batch, "Rows re-encrypted per transaction")
      ->check(CLI::Range(1, 100000));
  CLI::App* change = app->add_subcommand(
      "change-master", "Replace the master key (a new key file, or with --passphrase-stdin the "
                       "current passphrase then the new one, one per line); stop the server "
                       "first");
  CLI::App* init = app->add_subcommand(
      "init", "Create a master key for a database from before encryption at rest and "
              "encrypt its sensitive values");
  return [g, status, rotate, change, init, batch]() -> Status {
    DALIL_ASSIGN_OR_RETURN(Config c, LoadConfig(g->data_dir));
    if (!fs::exists(c.DatabasePath())) {
      return Status::NotFound("no database in " + c.data_dir + " (run `dalil init` first)",
                              "data-dir");
    }
    if (status->parsed()) {
      store::BlobStore blobs(c.EvidenceDir());
      DALIL_ASSIGN_OR_RETURN(store::KeyStatus s, store::ReadKeyStatus(c.DatabasePath(), &blobs));
      if (s.kind == MasterKind::kNone) {
        std::printf("Not encrypted (a database from before encryption at rest): run "
                    "`dalil keys init`.\n");
        return Status::Ok();
      }
      std::printf("Master key: %s\n", s.kind == MasterKind::kFile
                                          ? ("key file " + c.master_key_path).c_str()
                                          : "derived from a passphrase");
      for (const auto& k : s.keys) {
        std::printf("Data key version %u, created %s%s\n", k.version, k.created_at.c_str(),
                    &k == &s.keys.back() ? " (current)" : "");
      }
      auto show = [](const char* what, const std::map<uint32_t, int64_t>& counts) {
        for (const auto& [v, n] : counts) {
          if (v == 0) {
            std::printf("%s not encrypted: %lld\n", what, static_cast<long long>(n));
          } else {
            std::printf("%s sealed with version %u: %lld\n", what, v, static_cast<long long>(n));
          }
        }
      };
      show("Values", s.values);
      show("Evidence files", s.files);
      return Status::Ok();
    }
    if (init->parsed()) {
      DALIL_ASSIGN_OR_RETURN(store::MasterKeyInfo info, store::ReadMasterKeyInfo(c.DatabasePath()));
      if (info.kind != MasterKind::kNone) {
        return Status::Conflict("the database in " + c.data_dir + " is already encrypted");
      }
      DALIL_ASSIGN_OR_RETURN(NewMaster m, NewMasterKey(*g, c.master_key_path, /*reuse_file=*/true));
      DALIL_ASSIGN_OR_RETURN(auto st, store::OpenSqliteStore({.path = c.DatabasePath(),
                                                              .create = false,
                                                              .keyring = m.keyring,
                                                              .new_master = m.info}));
      store::BlobStore blobs(c.EvidenceDir(), m.keyring);
      DALIL_ASSIGN_OR_RETURN(int64_t files, blobs.ResealAll());
      std::printf("Encrypted the sensitive values of %s and %lld evidence files.\n%s",
                  c.data_dir.c_str(), static_cast<long long>(files), m.notice.c_str());
      return Status::Ok();
    }
    if (change->parsed()) return ChangeMaster(c, *g);
    (void)rotate;
    std::shared_ptr<security::Keyring> ring;
    DALIL_ASSIGN_OR_RETURN(auto st, OpenStore(c, *g, &ring));
    store::BlobStore blobs(c.EvidenceDir(), ring);
    auto report = store::RotateDataKey(
        c.DatabasePath(), *ring,
        {.batch_rows = *batch, .blobs = &blobs, .progress = [](const std::string& line) {
           std::printf("%s\n", line.c_str());
           std::fflush(stdout);
         }});
    if (!report.ok()) return report.status();
    std::printf("Rotated to data key version %u: %lld values and %lld evidence files "
                "re-encrypted.\n",
                report->new_version, static_cast<long long>(report->values),
                static_cast<long long>(report->files));
    return Status::Ok();
  };
}

}  // namespace dalil::cli
