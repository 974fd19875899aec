#include "security/principal.h"

namespace dalil::security {
namespace {

struct RoleInfo {
  Role role;
  std::string_view name;
  bool requires_totp;
};

// The role table: names and whether a second factor is mandatory.
constexpr RoleInfo kRoles[] = {
    {Role::kViewer, "viewer", false},         {Role::kDocumenter, "documenter", false},
    {Role::kReviewer, "reviewer", true},      {Role::kCoordinator, "coordinator", true},
    {Role::kAdmin, "admin", true},
};

}  // namespace

std::string_view RoleName(Role role) {
  for (const RoleInfo& r : kRoles) {
    if (r.role == role) return r.name;
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const RoleInfo& r : kRoles) {
    if (r.name == name) return r.role;
  }
  return std::nullopt;
}

bool RoleRequiresTotp(Role role) {
  for (const RoleInfo& r : kRoles) {
    if (r.role == role) return r.requires_totp;
  }
  return true;
}

std::string Access::Describe() const {
  switch (kind) {
    case Kind::kPublic:
      return "public";
    case Kind::kAccount:
      return "account";
    case Kind::kRecords:
      return "public-records";
    case Kind::kRole:
      break;
  }
  return std::string(RoleName(min_role));
}

}  // namespace dalil::security
