// What API responses carry of sensitive fields (docs/security.md, section
// 14, "Revealing identities"). Every response shapes records through
// WithholdSensitive, whatever the caller's role: the plaintext of a
// sensitive field leaves the server only through a reveal, which
// CanReveal allows and the ledger records (who, what, when).
#ifndef DALIL_HTTP_API_SENSITIVE_H_
#define DALIL_HTTP_API_SENSITIVE_H_

#include <cstdint>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "model/schema.h"
#include "security/principal.h"

namespace dalil::api {

// The lowest role that may reveal: documenters enter and correct names,
// reviewers compare them to merge duplicates; viewers read records but
// have no need for identities (least privilege).
inline constexpr security::Role kRevealRole = security::Role::kDocumenter;

// `record` (as the store returns it) without the values of its sensitive
// fields. The fields that hold a value are listed instead:
//   "withheld": {"fields": ["name", "contact"],
//                "reveal": "POST /api/v1/persons/12/reveal"}
// ("withheld" is absent when no sensitive field holds a value). The
// withheld fields are left out rather than set to null, so a client that
// PATCHes back what it read never erases them.
nlohmann::json WithholdSensitive(const model::EntitySpec& spec, nlohmann::json record);

// Whether `p` may see the plaintext of `record`'s sensitive fields at
// `now`: the role (kRevealRole or higher), a signed-in session (API tokens
// never count as re-authenticated) with a password check in the last
// `reauth_seconds`. The one place this decision is made. Errors are
// kPermissionDenied naming what is missing: field "role",
// "authorization" (an API token) or "reauthentication".
Status CanReveal(const security::Principal& p, const model::EntitySpec& spec,
                 const nlohmann::json& record, int64_t now, int64_t reauth_seconds);

}  // namespace dalil::api

#endif  // DALIL_HTTP_API_SENSITIVE_H_
