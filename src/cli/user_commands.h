// `dalil user ...`: accounts from the command line, for whoever holds the
// data directory (trusted: they can read the database anyway). And the
// first organisation and admin that `dalil init` creates.
#ifndef DALIL_CLI_USER_COMMANDS_H_
#define DALIL_CLI_USER_COMMANDS_H_

#include <string>

#include "cli/commands.h"
#include "cli/config.h"
#include "store/accounts.h"

namespace dalil::cli {

CommandRun SetupUser(CLI::App* app, const GlobalFlags* global);

// Creates the first organisation and its admin when the database has no
// user yet, and prints the admin's one-time password once (or takes the
// password from stdin when `password_stdin`; it must then pass the
// strength check). The admin must change a generated password at first
// login and enrol TOTP. Does nothing when users exist.
Status CreateFirstAdmin(store::AccountStore& accounts, const std::string& organisation,
                        const std::string& username, bool password_stdin);

// Opens the account tables of the data directory's database (after the
// Store has been opened, so migrations have run).
Result<std::unique_ptr<store::AccountStore>> OpenAccounts(const Config& c, const GlobalFlags& g);

// The system writer of a command that creates records (`--organisation`):
// owning them as the organisation `name` gives (an id or a name), or as the
// installation's first when empty. kInvalidArgument ("organisation") when
// no organisation has that id or name.
Result<store::Viewer> WriterFor(const Config& c, const GlobalFlags& g, const std::string& name);

}  // namespace dalil::cli

#endif  // DALIL_CLI_USER_COMMANDS_H_
