#include "cli/user_commands.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "base/text.h"
#include "cli/keys.h"
#include "http/api/api.h"
#include "security/password.h"
#include "security/principal.h"
#include "security/tokens.h"
#include "store/sqlite/sqlite_store.h"

namespace dalil::cli {
namespace {

// The audit trail's actor for changes made from the command line.
constexpr char kCliActor[] = "cli";

// One line from stdin without its line ending; the password never appears
// in an error.
Result<std::string> ReadPasswordLine() {
  std::string line;
  if (!std::getline(std::cin, line)) return Status::Invalid("password", "none given on stdin");
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

// A new password: from stdin (checked for strength) or random (printed by
// the caller, to be changed at first login).
struct NewPassword {
  std::string text;
  bool generated = false;
};

Result<NewPassword> ChoosePassword(bool from_stdin, const std::string& username) {
  if (!from_stdin) return NewPassword{security::NewToken(), true};
  DALIL_ASSIGN_OR_RETURN(std::string pw, ReadPasswordLine());
  DALIL_RETURN_IF_ERROR(security::CheckPasswordStrength(pw, username));
  return NewPassword{pw, false};
}

void PrintOneTimePassword(const std::string& username, const NewPassword& pw) {
  if (!pw.generated) return;
  std::printf("One-time password for %s: %s\n"
              "  Shown once. It must be changed at first sign-in.\n",
              username.c_str(), pw.text.c_str());
}

Status CheckRole(const std::string& role) {
  if (!security::ParseRole(role)) {
    return Status::Invalid("role", "must be viewer, documenter, reviewer, coordinator or admin");
  }
  return Status::Ok();
}

struct UserFlags {
  std::string username;
  std::string role = "viewer";
  int64_t organisation = 1;
  bool password_stdin = false;
  std::string token_name;
  std::string token_role;
  int64_t days = 30;
};

}  // namespace

Result<std::unique_ptr<store::AccountStore>> OpenAccounts(const Config& c, const GlobalFlags& g) {
  // Opening the store applies any pending migration (the account tables)
  // and checks the master key, which also seals account secrets.
  std::shared_ptr<security::Keyring> keyring;
  DALIL_ASSIGN_OR_RETURN(auto store, OpenStore(c, g, &keyring));
  store.reset();
  return store::OpenSqliteAccounts(c.DatabasePath(), AccountCodec(keyring));
}

Result<store::Viewer> WriterFor(const Config& c, const GlobalFlags& g, const std::string& name) {
  if (name.empty()) return store::Viewer::System();
  DALIL_ASSIGN_OR_RETURN(auto accounts, OpenAccounts(c, g));
  DALIL_ASSIGN_OR_RETURN(std::vector<store::Organisation> orgs, accounts->ListOrganisations());
  const std::optional<int64_t> id = ParseInt(name);
  for (const store::Organisation& o : orgs) {
    if (o.name == name || (id && o.id == *id)) return store::Viewer::System(o.id);
  }
  return Status::Invalid("organisation", "no organisation has the id or name \"" + name + "\"");
}

Status CreateFirstAdmin(store::AccountStore& accounts, const std::string& organisation,
                        const std::string& username, bool password_stdin) {
  DALIL_ASSIGN_OR_RETURN(int64_t users, accounts.CountUsers());
  if (users > 0) return Status::Ok();
  DALIL_ASSIGN_OR_RETURN(NewPassword pw, ChoosePassword(password_stdin, username));
  DALIL_ASSIGN_OR_RETURN(std::string hash, security::HashPassword(pw.text));
  auto orgs = accounts.ListOrganisations();
  if (!orgs.ok()) return orgs.status();
  int64_t org_id;
  if (orgs->empty()) {
    DALIL_ASSIGN_OR_RETURN(store::Organisation org, accounts.CreateOrganisation(kCliActor, organisation));
    org_id = org.id;
  } else {
    org_id = orgs->front().id;
  }
  store::User admin;
  admin.organisation_id = org_id;
  admin.username = username;
  admin.role = "admin";
  admin.password_hash = hash;
  admin.must_change_password = pw.generated;
  DALIL_ASSIGN_OR_RETURN(store::User made, accounts.CreateUser(kCliActor, admin));
  std::printf("Admin account: %s (organisation %lld)\n", made.username.c_str(),
              static_cast<long long>(org_id));
  PrintOneTimePassword(made.username, pw);
  std::printf("  Sign in with POST /api/v1/session; an admin must enrol TOTP before acting.\n");
  return Status::Ok();
}

CommandRun SetupUser(CLI::App* app, const GlobalFlags* g) {
  app->require_subcommand(1);
  auto f = std::make_shared<UserFlags>();
  CLI::App* add = app->add_subcommand("add", "Create a user (password printed once, or --password-stdin)");
  add->add_option("username", f->username, "User name")->required();
  add->add_option("--role", f->role, "viewer, documenter, reviewer, coordinator or admin");
  add->add_option("--organisation", f->organisation, "Organisation id (default 1)");
  add->add_flag("--password-stdin", f->password_stdin, "Read the password from stdin");
  CLI::App* list = app->add_subcommand("list", "List users");
  CLI::App* disable = app->add_subcommand("disable", "Disable a user and end their sessions");
  disable->add_option("username", f->username, "User name")->required();
  CLI::App* enable = app->add_subcommand("enable", "Enable a disabled user");
  enable->add_option("username", f->username, "User name")->required();
  CLI::App* reset = app->add_subcommand("reset-password", "Give a user a new password");
  reset->add_option("username", f->username, "User name")->required();
  reset->add_flag("--password-stdin", f->password_stdin, "Read the password from stdin");
  CLI::App* role = app->add_subcommand("role", "Change a user's role");
  role->add_option("username", f->username, "User name")->required();
  role->add_option("role", f->role, "The new role")->required();
  CLI::App* token = app->add_subcommand("token", "Create an API token for a user (printed once)");
  token->add_option("username", f->username, "User name")->required();
  token->add_option("--name", f->token_name, "What the token is for")->required();
  token->add_option("--role", f->token_role, "Role of the token (default and at most the user's)");
  token->add_option("--days", f->days, "Days until it expires")->check(CLI::Range(1, 365));

  return [=]() -> Status {
    DALIL_ASSIGN_OR_RETURN(Config c, LoadConfig(g->data_dir));
    DALIL_ASSIGN_OR_RETURN(auto accounts, OpenAccounts(c, *g));
    if (list->parsed()) {
      DALIL_ASSIGN_OR_RETURN(auto users, accounts->ListUsers(std::nullopt));
      std::printf("%-6s %-24s %-12s %-6s %s\n", "id", "username", "role", "org", "state");
      for (const auto& u : users) {
        std::string state = u.disabled ? "disabled" : "active";
        if (u.must_change_password) state += ", must change password";
        if (u.totp_enabled) state += ", totp";
        std::printf("%-6lld %-24s %-12s %-6lld %s\n", static_cast<long long>(u.id),
                    u.username.c_str(), u.role.c_str(), static_cast<long long>(u.organisation_id),
                    state.c_str());
      }
      return Status::Ok();
    }
    if (add->parsed()) {
      DALIL_RETURN_IF_ERROR(CheckRole(f->role));
      DALIL_ASSIGN_OR_RETURN(NewPassword pw, ChoosePassword(f->password_stdin, f->username));
      DALIL_ASSIGN_OR_RETURN(std::string hash, security::HashPassword(pw.text));
      store::User u;
      u.organisation_id = f->organisation;
      u.username = f->username;
      u.role = f->role;
      u.password_hash = hash;
      u.must_change_password = pw.generated;
      DALIL_ASSIGN_OR_RETURN(store::User made, accounts->CreateUser(kCliActor, u));
      std::printf("Created user %s (id %lld, %s)\n", made.username.c_str(),
                  static_cast<long long>(made.id), made.role.c_str());
      PrintOneTimePassword(made.username, pw);
      return Status::Ok();
    }
    DALIL_ASSIGN_OR_RETURN(store::User user, accounts->FindUser(f->username));
    if (disable->parsed() || enable->parsed()) {
      const bool off = disable->parsed();
      DALIL_RETURN_IF_ERROR(accounts->UpdateUser(kCliActor, user.id, {.disabled = off}, "user.update",
                                                 {{"disabled", off}}).status());
      if (off) {
        DALIL_RETURN_IF_ERROR(
            accounts->DeleteUserSessions(kCliActor, user.id, std::nullopt, "disabled").status());
      }
      std::printf("%s %s\n", off ? "Disabled" : "Enabled", user.username.c_str());
      return Status::Ok();
    }
    if (reset->parsed()) {
      DALIL_ASSIGN_OR_RETURN(NewPassword pw, ChoosePassword(f->password_stdin, user.username));
      DALIL_ASSIGN_OR_RETURN(std::string hash, security::HashPassword(pw.text));
      DALIL_RETURN_IF_ERROR(accounts->UpdateUser(kCliActor, user.id,
                                                 {.password_hash = hash,
                                                  .must_change_password = pw.generated},
                                                 "password.reset", nlohmann::json::object())
                                .status());
      DALIL_RETURN_IF_ERROR(
          accounts->DeleteUserSessions(kCliActor, user.id, std::nullopt, "password reset").status());
      DALIL_RETURN_IF_ERROR(accounts->ClearThrottle(api::AccountKey(user.id)));
      std::printf("New password set for %s\n", user.username.c_str());
      PrintOneTimePassword(user.username, pw);
      return Status::Ok();
    }
    if (role->parsed()) {
      DALIL_RETURN_IF_ERROR(CheckRole(f->role));
      DALIL_RETURN_IF_ERROR(accounts->UpdateUser(kCliActor, user.id, {.role = f->role}, "user.update",
                                                 {{"role", {{"from", user.role}, {"to", f->role}}}})
                                .status());
      DALIL_RETURN_IF_ERROR(
          accounts->DeleteUserSessions(kCliActor, user.id, std::nullopt, "role changed").status());
      std::printf("%s is now %s\n", user.username.c_str(), f->role.c_str());
      return Status::Ok();
    }
    (void)token;
    const std::string token_role = f->token_role.empty() ? user.role : f->token_role;
    DALIL_RETURN_IF_ERROR(CheckRole(token_role));
    if (*security::ParseRole(token_role) > *security::ParseRole(user.role)) {
      return Status::Invalid("role", "a token cannot have a role above its user's");
    }
    if (user.disabled) return Status::Invalid("username", "the user is disabled");
    store::ApiToken t;
    t.user_id = user.id;
    t.organisation_id = user.organisation_id;
    t.role = token_role;
    t.name = f->token_name;
    t.expires_at = Clock::System()->NowSeconds() + f->days * 86400;
    const std::string secret = security::NewToken();
    DALIL_ASSIGN_OR_RETURN(store::ApiToken made,
                           accounts->CreateToken(kCliActor, t, security::TokenHash(secret)));
    std::printf("%s\n", secret.c_str());
    std::fprintf(stderr, "API token %lld for %s (%s), expires %s; shown once.\n",
                 static_cast<long long>(made.id), user.username.c_str(), token_role.c_str(),
                 FormatTimestamp(made.expires_at).c_str());
    return Status::Ok();
  };
}

}  // namespace dalil::cli
