// What API responses carry of sensitive fields (docs/security.md, section
// 15, "Revealing identities"). Every response shapes records through
// WithholdSensitive, whatever the caller's role: the plaintext of a
// sensitive field, or the contents of an evidence file, leaves the server
// only through a reveal, which CanReveal allows, the per-account limits
// admit and the ledger records (who, what, when).
#ifndef DALIL_HTTP_API_SENSITIVE_H_
#define DALIL_HTTP_API_SENSITIVE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "model/schema.h"
#include "security/principal.h"
#include "security/rate_limit.h"

namespace dalil::api {

// The lowest role that may reveal: documenters enter and correct names,
// reviewers compare them to merge duplicates; viewers read records but
// have no need for identities (least privilege).
inline constexpr security::Role kRevealRole = security::Role::kDocumenter;

// The name a reveal gives an evidence file's contents: evidence has no
// sensitive field, its file is what is sensitive (photos, medical records).
inline constexpr std::string_view kEvidenceContent = "content";

// What a reveal of a `spec` record can show: its sensitive fields in schema
// order, or {"content"} for evidence; empty for the other entities.
std::vector<std::string> RevealableFields(const model::EntitySpec& spec);

// Refused reveals per account (each one is an audit row and a ledger
// leaf): a few at once, as when a password check has lapsed, then one a
// minute. Reveals that are allowed have their own rate,
// AuthOptions::reveal_rate ([accounts] in dalil.toml).
inline constexpr security::Rate kRefusedRevealRate{.burst = 10, .interval_seconds = 60};
// While an account is over a reveal limit, its attempts are answered 429
// and counted; at most one "reveal.throttled" audit row (and leaf) is
// written per account in this many seconds, carrying the count.
inline constexpr int64_t kThrottledRowSeconds = 60;

// `record` (as the store returns it) without the values of its sensitive
// fields. The fields that hold a value are listed instead:
//   "withheld": {"fields": ["name", "contact"],
//                "reveal": "POST /api/v1/persons/12/reveal"}
// ("withheld" is absent when no sensitive field holds a value). An
// evidence record always lists "content", its file. The
// withheld fields are left out rather than set to null, so a client that
// PATCHes back what it read never erases them.
nlohmann::json WithholdSensitive(const model::EntitySpec& spec, nlohmann::json record);

// Whether `p` may see the plaintext of `record`'s sensitive fields at
// `now`: the role (kRevealRole or higher), a signed-in session (API tokens
// never count as re-authenticated) with a password check in the last
// `reauth_seconds`, and the record must belong to the caller's own
// organisation (`owner`: the record's, or for an involvement its
// incident's; a record of another organisation the caller may see, a
// published one, still keeps its identities). The one place this decision
// is made, for sensitive fields and evidence files alike. Errors are
// kPermissionDenied naming what is missing: field "role", "organisation",
// "authorization" (an API token) or "reauthentication" ("entity" when
// `spec` has nothing to reveal).
Status CanReveal(const security::Principal& p, const model::EntitySpec& spec,
                 std::optional<int64_t> owner, int64_t now, int64_t reauth_seconds);

}  // namespace dalil::api

#endif  // DALIL_HTTP_API_SENSITIVE_H_
