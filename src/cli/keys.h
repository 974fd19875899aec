// The master key on the command line: reading it from the key file or a
// passphrase on standard input, as the database records, creating it at
// `dalil init`, and the `dalil keys` commands (docs/security.md).
#ifndef DALIL_CLI_KEYS_H_
#define DALIL_CLI_KEYS_H_

#include <memory>
#include <string>

#include "base/status.h"
#include "cli/commands.h"
#include "cli/config.h"
#include "security/keys.h"
#include "store/store.h"

namespace dalil::cli {

// Opens the data directory's database with its master key: the key file, or
// the passphrase read from standard input with --passphrase-stdin, as the
// database records. Errors: kNotFound (no database, or the key file is
// missing), kPermissionDenied (key file readable by others),
// kUnauthenticated (wrong key or passphrase), kInvalidArgument (the other
// kind of key was given, or the database predates encryption). Nothing is
// changed when the key is wrong. `keyring`, if given, receives the keys
// (for the evidence files).
Result<std::unique_ptr<store::Store>> OpenStore(const Config& c, const GlobalFlags& g,
                                                std::shared_ptr<security::Keyring>* keyring = nullptr);

// Creates and opens the database of a new data directory with a new master
// key (key file, or passphrase from standard input), and returns the warning
// to print: there is no recovery without the key.
struct NewDatabase {
  std::unique_ptr<store::Store> store;
  std::string notice;
  std::shared_ptr<security::Keyring> keyring;
};

// The codec that seals account secrets (TOTP keys) with the same keys as
// the records; plaintext only for a database from before encryption.
std::shared_ptr<const store::SensitiveCodec> AccountCodec(std::shared_ptr<security::Keyring> keyring);
Result<NewDatabase> CreateEncryptedDatabase(const Config& c, const GlobalFlags& g);

// `dalil keys status | rotate | init`.
CommandRun SetupKeys(CLI::App* app, const GlobalFlags* g);

}  // namespace dalil::cli

#endif  // DALIL_CLI_KEYS_H_
