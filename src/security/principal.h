// Who is making a request and what a route demands of them: the roles, the
// Principal the server attaches to each authenticated request, and the
// access rule every route declares (http::Router refuses a route without
// one). Plain values with no dependencies, so the router, the handlers and
// (next) per-record visibility can all reason about them.
#ifndef DALIL_SECURITY_PRINCIPAL_H_
#define DALIL_SECURITY_PRINCIPAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dalil::security {

// Ordered: each role may do everything the roles below it may
// (docs/security.md, "Authorization").
enum class Role { kViewer = 1, kDocumenter = 2, kReviewer = 3, kCoordinator = 4, kAdmin = 5 };

// "viewer", "documenter", ...
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
// Roles that may verify or administer (reviewer, coordinator, admin) must
// have a second factor before they may act.
bool RoleRequiresTotp(Role role);

enum class AuthMethod { kSession, kApiToken };

// The authenticated caller of one request.
struct Principal {
  int64_t user_id = 0;
  int64_t organisation_id = 0;
  Role role = Role::kViewer;  // for tokens: the token's role, never above the user's
  AuthMethod method = AuthMethod::kSession;
  int64_t session_id = 0;  // sessions only
  int64_t token_id = 0;    // API tokens only
  // Set while the account may only finish signing in (change its password,
  // enrol a second factor) and do nothing else.
  bool must_change_password = false;
  bool must_enrol_totp = false;
  // Seconds since the epoch of the last password (+ TOTP) check in this
  // session; 0 for API tokens, which never count as recently authenticated.
  int64_t reauth_at = 0;

  // The ledger's actor for writes by this principal: "user:<id>", never a name.
  std::string Actor() const { return "user:" + std::to_string(user_id); }
  bool restricted() const { return must_change_password || must_enrol_totp; }
  bool AtLeast(Role r) const { return static_cast<int>(role) >= static_cast<int>(r); }
};

// The rule a route declares.
struct Access {
  enum class Kind {
    kPublic,   // anyone, signed in or not
    kAccount,  // any signed-in account, even one that must still change its
               // password or enrol TOTP (the routes that let it do so)
    kRole,     // a signed-in account with at least min_role and nothing pending
    kRecords,  // anyone: records filtered by who asks (published only for
               // visitors not signed in); credentials, when sent, are
               // checked as for kRole and must be valid
  };
  Kind kind = Kind::kRole;
  Role min_role = Role::kAdmin;

  static constexpr Access Public() { return {Kind::kPublic, Role::kViewer}; }
  static constexpr Access Account() { return {Kind::kAccount, Role::kViewer}; }
  static constexpr Access AtLeast(Role r) { return {Kind::kRole, r}; }
  static constexpr Access Records() { return {Kind::kRecords, Role::kViewer}; }
  // "public", "account", "public-records" or the role name ("documenter":
  // that role and up).
  std::string Describe() const;
};

}  // namespace dalil::security

#endif  // DALIL_SECURITY_PRINCIPAL_H_
