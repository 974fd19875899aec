// Accounts over HTTP: identifying callers (session cookie or bearer token,
// with the CSRF check), login with throttling and TOTP, sessions, password
// change, TOTP enrolment, API tokens, and user and organisation management.
// The policies are written down in docs/security.md.
#include <algorithm>
#include <mutex>

#include "base/error_map.h"
#include "base/text.h"
#include "http/api/api.h"
#include "http/api/respond.h"
#include "security/password.h"
#include "security/tokens.h"
#include "security/totp.h"

namespace dalil::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;
using security::Access;
using security::Principal;
using security::Role;

constexpr char kCookie[] = "__Host-dalil_session";
// Throttling (docs/security.md): the first free failures cost nothing; each
// further one doubles the wait, up to a cap; a quiet kThrottleDecaySeconds
// forgets the count. An address gets more free failures than an account,
// since many honest people may share one (an office, a NAT).
constexpr int64_t kAccountFreeFailures = 3;
constexpr int64_t kAddressFreeFailures = 20;
constexpr int64_t kAccountDelayCap = 300;
constexpr int64_t kAddressDelayCap = 900;
constexpr int64_t kThrottleDecaySeconds = 3600;
constexpr int kRecoveryCodes = 10;
// Each Argon2id verification holds 64 MiB: sign-ins beyond this many at once
// are told to retry, so a burst cannot exhaust the server's memory.
constexpr int kMaxConcurrentLogins = 4;

Response Error(const Status& s) { return ErrorResponse(s); }

Status Denied(const std::string& message, const std::string& field = "") {
  return Status(Code::kPermissionDenied, message, field);
}

Status Unauthenticated(const std::string& message) {
  return Status(Code::kUnauthenticated, message);
}

// The CSRF token of a session: derived from the session token, so nothing
// more is stored, and a page that cannot read the HttpOnly cookie cannot
// compute it. Not the stored hash (TokenHash of the token itself).
std::string CsrfFor(std::string_view session_token) {
  return security::TokenHash("dalil-csrf\n" + std::string(session_token));
}

}  // namespace

// The throttle key of an account (docs/security.md, "Throttling").
std::string AccountKey(int64_t user_id) { return "account:" + std::to_string(user_id); }

namespace {

std::optional<std::string> CookieToken(const Request& req) {
  auto header = req.Header("cookie");
  if (!header) return std::nullopt;
  const std::string name = std::string(kCookie) + "=";
  std::string_view rest = *header;
  while (!rest.empty()) {
    size_t end = rest.find(';');
    std::string_view part = rest.substr(0, end);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.rfind(name, 0) == 0) return std::string(part.substr(name.size()));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return std::nullopt;
}

std::optional<std::string> BearerToken(const Request& req) {
  auto header = req.Header("authorization");
  if (!header || header->size() < 7) return std::nullopt;
  std::string scheme = header->substr(0, 7);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
  if (scheme != "bearer ") return std::nullopt;
  return header->substr(7);
}

std::string SessionCookie(const std::string& token, int64_t max_age) {
  // Secure always: browsers treat http://127.0.0.1 and localhost as secure
  // contexts, so the __Host- prefix works there too (docs/security.md).
  return std::string(kCookie) + "=" + token + "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(max_age);
}

std::string ClearedCookie() {
  return std::string(kCookie) + "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0";
}

json UserJson(const store::User& u) {
  return {{"id", u.id},
          {"organisation_id", u.organisation_id},
          {"username", u.username},
          {"role", u.role},
          {"disabled", u.disabled},
          {"must_change_password", u.must_change_password},
          {"totp_enabled", u.totp_enabled},
          {"created_at", FormatTimestamp(u.created_at)}};
}

json TokenJson(const store::ApiToken& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"organisation_id", t.organisation_id},
          {"role", t.role},
          {"created_at", FormatTimestamp(t.created_at)},
          {"expires_at", FormatTimestamp(t.expires_at)},
          {"revoked", t.revoked_at.has_value()},
          {"last_used_at", t.last_used_at ? json(FormatTimestamp(*t.last_used_at)) : json()}};
}

// {"items": [...]} of a listing, each element through to_json.
template <typename T, typename F>
Response ItemsResponse(const Result<std::vector<T>>& list, F to_json) {
  if (!list.ok()) return ErrorResponse(list.status());
  json items = json::array();
  for (const T& item : *list) items.push_back(to_json(item));
  return JsonResponse(200, {{"items", items}});
}

json OrganisationJson(const store::Organisation& o) {
  return {{"id", o.id}, {"name", o.name}, {"created_at", FormatTimestamp(o.created_at)}};
}

Response NoContent() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

Result<std::string> StringField(const json& body, const char* name, bool required = true) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Status::Invalid(name, "is required");
    return std::string();
  }
  if (!it->is_string()) return Status::Invalid(name, "must be a string");
  return it->get<std::string>();
}

class AuthApi {
 public:
  AuthApi(store::AccountStore* accounts, const ApiOptions& options)
      : accounts_(accounts),
        opts_(options.auth),
        clock_(options.clock ? options.clock : Clock::System()),
        max_depth_(options.max_json_depth) {}

  int64_t Now() const { return clock_->NowSeconds(); }

  Result<std::optional<Principal>> Identify(const Request& req) {
    const int64_t now = Now();
    if (auto bearer = BearerToken(req)) {
      auto t = accounts_->FindToken(security::TokenHash(*bearer));
      if (t.status().code() == Code::kNotFound) return Unauthenticated("the API token is not valid");
      if (!t.ok()) return t.status();
      if (t->revoked_at || t->expires_at <= now) {
        return Unauthenticated("the API token has expired or was revoked");
      }
      DALIL_ASSIGN_OR_RETURN(store::User u, accounts_->GetUser(t->user_id));
      if (u.disabled) return Unauthenticated("the account is disabled");
      Principal p;
      p.user_id = u.id;
      p.organisation_id = t->organisation_id;
      // A token never outranks its user, even after the user was demoted.
      const Role token_role = security::ParseRole(t->role).value_or(Role::kViewer);
      const Role user_role = security::ParseRole(u.role).value_or(Role::kViewer);
      p.role = std::min(token_role, user_role);
      p.method = security::AuthMethod::kApiToken;
      p.token_id = t->id;
      if (t->last_used_at.value_or(0) != now) DALIL_RETURN_IF_ERROR(accounts_->TouchToken(t->id, now));
      return std::optional<Principal>(p);
    }
    auto cookie = CookieToken(req);
    if (!cookie) return std::optional<Principal>();
    auto s = accounts_->FindSession(security::TokenHash(*cookie));
    if (s.status().code() == Code::kNotFound) return Unauthenticated("the session has ended; sign in again");
    if (!s.ok()) return s.status();
    if (now - s->last_seen > opts_.idle_timeout_seconds ||
        now - s->created_at > opts_.session_lifetime_seconds) {
      Status del = accounts_->DeleteSession("system", s->user_id, s->id, "expired");
      if (!del.ok() && del.code() != Code::kNotFound) return del;
      return Unauthenticated("the session expired; sign in again");
    }
    DALIL_ASSIGN_OR_RETURN(store::User u, accounts_->GetUser(s->user_id));
    if (u.disabled) return Unauthenticated("the account is disabled");
    const bool safe = req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS";
    if (!safe) {
      auto csrf = req.Header("x-csrf-token");
      if (!csrf || !security::ConstantTimeEquals(*csrf, CsrfFor(*cookie))) {
        return Denied("missing or wrong X-CSRF-Token header (GET /api/v1/session gives it)",
                      "x-csrf-token");
      }
    }
    if (now > s->last_seen) DALIL_RETURN_IF_ERROR(accounts_->TouchSession(s->id, now));
    Principal p;
    p.user_id = u.id;
    p.organisation_id = u.organisation_id;
    p.role = security::ParseRole(u.role).value_or(Role::kViewer);
    p.method = security::AuthMethod::kSession;
    p.session_id = s->id;
    p.must_change_password = u.must_change_password;
    p.must_enrol_totp = security::RoleRequiresTotp(p.role) && !u.totp_enabled;
    p.reauth_at = s->reauth_at;
    return std::optional<Principal>(p);
  }

  // POST /api/v1/session
  Response Login(Request& req) {
    {
      std::lock_guard<std::mutex> lock(logins_mu_);
      if (logins_ >= kMaxConcurrentLogins) {
        Response busy = http::ErrorResponse(503, "unavailable", "too many sign-ins at once; try again");
        busy.headers.emplace_back("Retry-After", "1");
        return busy;
      }
      ++logins_;
    }
    // Released however LoginCounted returns (an exception included).
    struct Release {
      AuthApi* api;
      ~Release() {
        std::lock_guard<std::mutex> lock(api->logins_mu_);
        --api->logins_;
      }
    } release{this};
    return LoginCounted(req);
  }

  Response LoginCounted(Request& req) {
    auto body = ObjectBody(req);
    if (!body.ok()) return Error(body.status());
    auto username = StringField(*body, "username");
    if (!username.ok()) return Error(username.status());
    auto password = StringField(*body, "password");
    if (!password.ok()) return Error(password.status());
    auto totp_code = StringField(*body, "totp_code", false);
    if (!totp_code.ok()) return Error(totp_code.status());
    auto recovery = StringField(*body, "recovery_code", false);
    if (!recovery.ok()) return Error(recovery.status());

    const int64_t now = Now();
    auto user = accounts_->FindUser(*username);
    if (!user.ok() && user.status().code() != Code::kNotFound) return Error(user.status());
    // Counters are kept by user id: a name typed for no account (perhaps a
    // password typed in the wrong field) is never stored.
    const std::string account_key = user.ok() ? AccountKey(user->id) : "";
    const std::string address_key = "address:" + req.remote_address;
    int64_t wait = 0;
    for (const std::string& key : {account_key, address_key}) {
      if (key.empty()) continue;
      auto t = accounts_->GetThrottle(key);
      if (!t.ok()) return Error(t.status());
      wait = std::max(wait, t->blocked_until - now);
    }
    if (wait > 0) return TooManyAttempts(wait);

    bool ok;
    if (user.ok()) {
      ok = security::VerifyPassword(user->password_hash, *password) && !user->disabled;
    } else {
      // Same work for an unknown name, so timing does not tell which exist.
      security::VerifyPassword(DummyHash(), *password);
      ok = false;
    }
    if (ok && user->totp_enabled) {
      if (totp_code->empty() && recovery->empty()) {
        return http::ErrorResponse(401, "totp_required",
                                   "this account needs its authenticator code (totp_code) or a "
                                   "recovery code (recovery_code)",
                                   "totp_code");
      }
      auto checked = CheckSecondFactor(*user, *totp_code, *recovery);
      if (!checked.ok()) return Error(checked.status());
      ok = *checked;
    }
    if (!ok) {
      if (!account_key.empty()) {
        Status s = RecordFailure(account_key, kAccountFreeFailures, kAccountDelayCap, now);
        if (!s.ok()) return Error(s);
      }
      if (Status s = RecordFailure(address_key, kAddressFreeFailures, kAddressDelayCap, now); !s.ok()) return Error(s);
      if (user.ok()) {
        Status s = accounts_->Audit("system", "login.failure", user->id, json::object());
        if (!s.ok()) return Error(s);
      }
      return http::ErrorResponse(401, "invalid_credentials",
                                 "wrong user name, password or code");
    }
    if (Status s = accounts_->ClearThrottle(account_key); !s.ok()) return Error(s);
    if (security::NeedsRehash(user->password_hash, opts_.hash_cost)) {
      auto hash = security::HashPassword(*password, opts_.hash_cost);
      if (hash.ok()) {
        auto r = accounts_->UpdateUser("user:" + std::to_string(user->id), user->id,
                                       {.password_hash = *hash}, "password.rehash", json::object());
        if (!r.ok()) return Error(r.status());
      }
    }
    // Always a new token: a session id planted before login is never promoted.
    const std::string token = security::NewToken();
    auto session = accounts_->CreateSession("user:" + std::to_string(user->id), user->id,
                                            security::TokenHash(token));
    if (!session.ok()) return Error(session.status());
    const Role role = security::ParseRole(user->role).value_or(Role::kViewer);
    Response res = JsonResponse(201, {{"user", UserJson(*user)},
                                      {"session_id", session->id},
                                      {"csrf_token", CsrfFor(token)},
                                      {"must_change_password", user->must_change_password},
                                      {"totp_enrolment_required",
                                       security::RoleRequiresTotp(role) && !user->totp_enabled}});
    res.headers.emplace_back("Set-Cookie", SessionCookie(token, opts_.session_lifetime_seconds));
    return res;
  }

  // GET /api/v1/session
  Response Current(Request& req) {
    const Principal& p = *req.principal;
    auto u = accounts_->GetUser(p.user_id);
    if (!u.ok()) return Error(u.status());
    json out = {{"user", UserJson(*u)},
                {"role", security::RoleName(p.role)},
                {"method", p.method == security::AuthMethod::kSession ? "session" : "token"},
                {"must_change_password", p.must_change_password},
                {"totp_enrolment_required", p.must_enrol_totp}};
    if (p.method == security::AuthMethod::kSession) {
      out["session_id"] = p.session_id;
      out["csrf_token"] = CsrfFor(*CookieToken(req));
      out["reauthenticated_at"] = FormatTimestamp(p.reauth_at);
    }
    return JsonResponse(200, out);
  }

  // DELETE /api/v1/session
  Response Logout(Request& req) {
    const Principal& p = *req.principal;
    if (p.method != security::AuthMethod::kSession) {
      return Error(Status::Invalid("authorization", "an API token is revoked with DELETE /api/v1/tokens/{id}"));
    }
    Status s = accounts_->DeleteSession(p.Actor(), p.user_id, p.session_id, "logout");
    if (!s.ok()) return Error(s);
    Response r = NoContent();
    r.headers.emplace_back("Set-Cookie", ClearedCookie());
    return r;
  }

  // GET /api/v1/sessions
  Response ListSessions(Request& req) {
    const Principal& p = *req.principal;
    return ItemsResponse(accounts_->ListSessions(p.user_id), [&p](const store::Session& s) {
      return json{{"id", s.id},
                  {"created_at", FormatTimestamp(s.created_at)},
                  {"last_seen", FormatTimestamp(s.last_seen)},
                  {"current", p.method == security::AuthMethod::kSession && s.id == p.session_id}};
    });
  }

  // DELETE /api/v1/sessions/{id}
  Response RevokeSession(Request& req) {
    const Principal& p = *req.principal;
    auto id = ParseInt(req.params["id"]);
    if (!id) return Error(Status::NotFound("no session of yours with this id", "id"));
    Status s = accounts_->DeleteSession(p.Actor(), p.user_id, *id, "revoked");
    if (!s.ok()) return Error(s);
    return NoContent();
  }

  // DELETE /api/v1/sessions: sign out everywhere, this session included.
  Response RevokeAllSessions(Request& req) {
    const Principal& p = *req.principal;
    auto n = accounts_->DeleteUserSessions(p.Actor(), p.user_id, std::nullopt, "sign out everywhere");
    if (!n.ok()) return Error(n.status());
    Response r = JsonResponse(200, {{"deleted", *n}});
    r.headers.emplace_back("Set-Cookie", ClearedCookie());
    return r;
  }

  // POST /api/v1/session/reauth
  Response Reauth(Request& req) {
    const Principal& p = *req.principal;
    if (p.method != security::AuthMethod::kSession) {
      return Error(Denied("re-authentication needs a session; API tokens cannot do this"));
    }
    auto body = ObjectBody(req);
    if (!body.ok()) return Error(body.status());
    auto password = StringField(*body, "password");
    if (!password.ok()) return Error(password.status());
    auto code = StringField(*body, "totp_code", false);
    if (!code.ok()) return Error(code.status());
    auto u = accounts_->GetUser(p.user_id);
    if (!u.ok()) return Error(u.status());
    const int64_t now = Now();
    const std::string key = AccountKey(u->id);
    auto t = accounts_->GetThrottle(key);
    if (!t.ok()) return Error(t.status());
    if (t->blocked_until > now) return TooManyAttempts(t->blocked_until - now);
    bool ok = security::VerifyPassword(u->password_hash, *password);
    if (ok && u->totp_enabled) {
      auto checked = CheckSecondFactor(*u, *code, "");
      if (!checked.ok()) return Error(checked.status());
      ok = *checked;
    }
    if (!ok) {
      if (Status s = RecordFailure(key, kAccountFreeFailures, kAccountDelayCap, now); !s.ok()) return Error(s);
      return http::ErrorResponse(401, "invalid_credentials", "wrong password or code");
    }
    if (Status s = accounts_->SetReauth(p.session_id, now); !s.ok()) return Error(s);
    return JsonResponse(200, {{"reauthenticated_at", FormatTimestamp(now)},
                              {"valid_seconds", opts_.reauth_seconds}});
  }

  // POST /api/v1/me/password
  Response ChangePassword(Request& req) {
    const Principal& p = *req.principal;
    auto body = ObjectBody(req);
    if (!body.ok()) return Error(body.status());
    auto current = StringField(*body, "current_password");
    if (!current.ok()) return Error(current.status());
    auto fresh = StringField(*body, "new_password");
    if (!fresh.ok()) return Error(fresh.status());
    auto u = accounts_->GetUser(p.user_id);
    if (!u.ok()) return Error(u.status());
    const int64_t now = Now();
    const std::string key = AccountKey(u->id);
    auto t = accounts_->GetThrottle(key);
    if (!t.ok()) return Error(t.status());
    if (t->blocked_until > now) return TooManyAttempts(t->blocked_until - now);
    if (!security::VerifyPassword(u->password_hash, *current)) {
      if (Status s = RecordFailure(key, kAccountFreeFailures, kAccountDelayCap, now); !s.ok()) return Error(s);
      return Error(Denied("the current password is wrong", "current_password"));
    }
    if (security::ConstantTimeEquals(*current, *fresh)) {
      return Error(Status::Invalid("new_password", "must differ from the current password"));
    }
    Status strong = security::CheckPasswordStrength(*fresh, u->username);
    if (!strong.ok()) return Error(Status::Invalid("new_password", strong.message()));
    auto hash = security::HashPassword(*fresh, opts_.hash_cost);
    if (!hash.ok()) return Error(hash.status());
    auto r = accounts_->UpdateUser(p.Actor(), p.user_id,
                                   {.password_hash = *hash, .must_change_password = false},
                                   "password.change", json::object());
    if (!r.ok()) return Error(r.status());
    // Other sessions may belong to whoever knew the old password.
    std::optional<int64_t> keep;
    if (p.method == security::AuthMethod::kSession) keep = p.session_id;
    auto n = accounts_->DeleteUserSessions(p.Actor(), p.user_id, keep, "password changed");
    if (!n.ok()) return Error(n.status());
    return JsonResponse(200, {{"user", UserJson(*r)}, {"other_sessions_ended", *n}});
  }

  // POST /api/v1/me/totp: a new pending secret, to be confirmed.
  Response BeginTotp(Request& req) {
    const Principal& p = *req.principal;
    if (p.method != security::AuthMethod::kSession) {
      return Error(Denied("enrolling a second factor needs a session"));
    }
    auto u = accounts_->GetUser(p.user_id);
    if (!u.ok()) return Error(u.status());
    if (u->totp_enabled) {
      return Error(Status::Conflict("a second factor is already enrolled", "totp"));
    }
    const std::string secret = security::NewTotpSecret();
    if (Status s = accounts_->SetTotp(p.Actor(), p.user_id, secret, false); !s.ok()) return Error(s);
    auto uri = security::TotpUri(opts_.totp_issuer, u->username, secret);
    if (!uri.ok()) return Error(uri.status());
    return JsonResponse(200, {{"secret", secret}, {"otpauth_uri", *uri}});
  }

  // POST /api/v1/me/totp/confirm: turns the pending secret on, returns the
  // recovery codes once.
  Response ConfirmTotp(Request& req) {
    const Principal& p = *req.principal;
    auto body = ObjectBody(req);
    if (!body.ok()) return Error(body.status());
    auto code = StringField(*body, "code");
    if (!code.ok()) return Error(code.status());
    auto u = accounts_->GetUser(p.user_id);
    if (!u.ok()) return Error(u.status());
    if (u->totp_enabled) return Error(Status::Conflict("a second factor is already enrolled", "totp"));
    if (!u->totp_secret) return Error(Status::Conflict("start with POST /api/v1/me/totp", "totp"));
    auto key = security::Base32Decode(*u->totp_secret);
    if (!key) return Error(Status::Corruption("the stored TOTP secret is malformed"));
    std::optional<int64_t> step;
    if (!security::VerifyTotp(*key, *code, Now(), std::nullopt, &step)) {
      return Error(Status::Invalid("code", "is not the current code of the authenticator"));
    }
    if (Status s = accounts_->SetTotp(p.Actor(), p.user_id, *u->totp_secret, true); !s.ok()) {
      return Error(s);
    }
    if (Status s = accounts_->SetTotpStep(p.user_id, *step); !s.ok()) return Error(s);
    std::vector<std::string> codes = security::NewRecoveryCodes(kRecoveryCodes);
    std::vector<std::string> hashes;
    for (const auto& c : codes) hashes.push_back(security::RecoveryCodeHash(c));
    if (Status s = accounts_->ReplaceRecoveryCodes(p.Actor(), p.user_id, hashes); !s.ok()) {
      return Error(s);
    }
    return JsonResponse(200, {{"totp_enabled", true}, {"recovery_codes", codes}});
  }

  // GET /api/v1/tokens
  Response ListTokens(Request& req) {
    return ItemsResponse(accounts_->ListTokens(req.principal->user_id), TokenJson);
  }

  // POST /api/v1/tokens
  Response CreateToken(Request& req) {
    const Principal& p = *req.principal;
    auto body = SensitiveBody(req);
    if (!body.ok()) return Error(body.status());
    auto name = NameField(*body, 100);
    if (!name.ok()) return Error(name.status());
    auto role_name = StringField(*body, "role", false);
    if (!role_name.ok()) return Error(role_name.status());
    Role role = p.role;
    if (!role_name->empty()) {
      auto r = security::ParseRole(*role_name);
      if (!r) return Error(Status::Invalid("role", "must be viewer, documenter, reviewer, coordinator or admin"));
      role = *r;
    }
    if (!p.AtLeast(role)) return Error(Denied("a token cannot have a role above yours", "role"));
    int64_t days = 30;
    if (auto d = body->find("expires_in_days"); d != body->end()) {
      if (!d->is_number_integer() || d->get<int64_t>() < 1 || d->get<int64_t>() > opts_.max_token_days) {
        return Error(Status::Invalid("expires_in_days",
                                     "must be an integer from 1 to " + std::to_string(opts_.max_token_days)));
      }
      days = d->get<int64_t>();
    }
    store::ApiToken t;
    t.user_id = p.user_id;
    t.organisation_id = p.organisation_id;
    t.role = std::string(security::RoleName(role));
    t.name = *name;
    t.expires_at = Now() + days * 86400;
    const std::string secret = security::NewToken();
    auto made = accounts_->CreateToken(p.Actor(), t, security::TokenHash(secret));
    if (!made.ok()) return Error(made.status());
    json out = TokenJson(*made);
    out["token"] = secret;  // shown once
    return JsonResponse(201, out);
  }

  // DELETE /api/v1/tokens/{id}
  Response RevokeToken(Request& req) {
    auto id = ParseInt(req.params["id"]);
    if (!id) return Error(Status::NotFound("no active token of yours with this id", "id"));
    Status s = accounts_->RevokeToken(req.principal->Actor(), req.principal->user_id, *id);
    if (!s.ok()) return Error(s);
    return NoContent();
  }

  // GET /api/v1/users
  Response ListUsers(Request&) {
    return ItemsResponse(accounts_->ListUsers(std::nullopt), UserJson);
  }

  // POST /api/v1/users: with no password, a one-time one is generated and
  // returned once (the user must change it at first login).
  Response CreateUser(Request& req) {
    const Principal& p = *req.principal;
    auto body = SensitiveBody(req);
    if (!body.ok()) return Error(body.status());
    auto username = StringField(*body, "username");
    if (!username.ok()) return Error(username.status());
    if (Status s = CheckUsername(*username); !s.ok()) return Error(s);
    auto role_name = StringField(*body, "role");
    if (!role_name.ok()) return Error(role_name.status());
    if (!security::ParseRole(*role_name)) {
      return Error(Status::Invalid("role", "must be viewer, documenter, reviewer, coordinator or admin"));
    }
    int64_t org = p.organisation_id;
    if (auto o = body->find("organisation_id"); o != body->end()) {
      if (!o->is_number_integer()) return Error(Status::Invalid("organisation_id", "must be an integer"));
      org = o->get<int64_t>();
    }
    auto password = StringField(*body, "password", false);
    if (!password.ok()) return Error(password.status());
    const bool generated = password->empty();
    std::string secret = generated ? security::NewToken() : *password;
    if (!generated) {
      Status strong = security::CheckPasswordStrength(secret, *username);
      if (!strong.ok()) return Error(strong);
    }
    auto hash = security::HashPassword(secret, opts_.hash_cost);
    if (!hash.ok()) return Error(hash.status());
    store::User u;
    u.organisation_id = org;
    u.username = *username;
    u.role = *role_name;
    u.password_hash = *hash;
    u.must_change_password = true;  // whoever chose it, the admin knows it
    auto made = accounts_->CreateUser(p.Actor(), u);
    if (!made.ok()) return Error(made.status());
    json out = UserJson(*made);
    if (generated) out["one_time_password"] = secret;
    Response r = JsonResponse(201, out);
    r.headers.emplace_back("Location", "/api/v1/users/" + std::to_string(made->id));
    return r;
  }

  // PATCH /api/v1/users/{id}: role, disabled.
  Response UpdateUser(Request& req) {
    const Principal& p = *req.principal;
    if (Status s = RequireRecentAuth(p); !s.ok()) return Error(s);
    auto id = ParseInt(req.params["id"]);
    if (!id) return Error(Status::NotFound("no such user", "id"));
    auto body = ObjectBody(req);
    if (!body.ok()) return Error(body.status());
    auto before = accounts_->GetUser(*id);
    if (!before.ok()) return Error(before.status());
    store::UserChange change;
    json detail = json::object();
    for (const auto& [key, value] : body->items()) {
      if (key == "role") {
        if (!value.is_string() || !security::ParseRole(value.get<std::string>())) {
          return Error(Status::Invalid("role", "must be viewer, documenter, reviewer, coordinator or admin"));
        }
        change.role = value.get<std::string>();
        detail["role"] = {{"from", before->role}, {"to", *change.role}};
      } else if (key == "disabled") {
        if (!value.is_boolean()) return Error(Status::Invalid("disabled", "must be true or false"));
        change.disabled = value.get<bool>();
        detail["disabled"] = *change.disabled;
      } else {
        return Error(Status::Invalid(key, "cannot be changed here (role, disabled)"));
      }
    }
    if (*id == p.user_id) {
      // An admin cannot lock the installation out by demoting or disabling
      // themself; another admin (or `dalil user`) must.
      return Error(Denied("you cannot change your own role or disable yourself", "id"));
    }
    auto r = accounts_->UpdateUser(p.Actor(), *id, change, "user.update", detail);
    if (!r.ok()) return Error(r.status());
    if (change.disabled.value_or(false) || change.role) {
      auto n = accounts_->DeleteUserSessions(p.Actor(), *id, std::nullopt, "account changed by an admin");
      if (!n.ok()) return Error(n.status());
    }
    return JsonResponse(200, UserJson(*r));
  }

  // POST /api/v1/users/{id}/reset-password
  Response ResetPassword(Request& req) {
    const Principal& p = *req.principal;
    if (Status s = RequireRecentAuth(p); !s.ok()) return Error(s);
    auto id = ParseInt(req.params["id"]);
    if (!id) return Error(Status::NotFound("no such user", "id"));
    const std::string secret = security::NewToken();
    auto hash = security::HashPassword(secret, opts_.hash_cost);
    if (!hash.ok()) return Error(hash.status());
    auto r = accounts_->UpdateUser(p.Actor(), *id,
                                   {.password_hash = *hash, .must_change_password = true},
                                   "password.reset", json::object());
    if (!r.ok()) return Error(r.status());
    auto n = accounts_->DeleteUserSessions(p.Actor(), *id, std::nullopt, "password reset");
    if (!n.ok()) return Error(n.status());
    if (Status s = accounts_->ClearThrottle(AccountKey(r->id)); !s.ok()) return Error(s);
    json out = UserJson(*r);
    out["one_time_password"] = secret;
    return JsonResponse(200, out);
  }

  // GET /api/v1/organisations
  Response ListOrganisations(Request&) {
    return ItemsResponse(accounts_->ListOrganisations(), OrganisationJson);
  }

  // POST /api/v1/organisations
  Response CreateOrganisation(Request& req) {
    const Principal& p = *req.principal;
    auto body = SensitiveBody(req);
    if (!body.ok()) return Error(body.status());
    auto name = NameField(*body, 200);
    if (!name.ok()) return Error(name.status());
    auto o = accounts_->CreateOrganisation(p.Actor(), *name);
    if (!o.ok()) return Error(o.status());
    return JsonResponse(201, OrganisationJson(*o));
  }

 private:
  Result<json> ObjectBody(const Request& req) const {
    DALIL_ASSIGN_OR_RETURN(json body, ParseJsonBody(req.body, max_depth_));
    if (!body.is_object()) return Status::Invalid("body", "must be a JSON object");
    return body;
  }

  // The body of a sensitive action: only after a recent password check.
  Result<json> SensitiveBody(const Request& req) const {
    DALIL_RETURN_IF_ERROR(RequireRecentAuth(*req.principal));
    return ObjectBody(req);
  }

  static Result<std::string> NameField(const json& body, size_t max_bytes) {
    DALIL_ASSIGN_OR_RETURN(std::string name, StringField(body, "name"));
    if (name.empty() || name.size() > max_bytes || !IsValidUtf8(name)) {
      return Status::Invalid("name", "must be 1 to " + std::to_string(max_bytes) + " bytes of UTF-8");
    }
    return name;
  }

  static Response TooManyAttempts(int64_t wait) {
    Response r = http::ErrorResponse(429, "too_many_attempts",
                                     "too many failed attempts; try again in " +
                                         std::to_string(wait) + " seconds");
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    return r;
  }

  Status RecordFailure(const std::string& key, int64_t free, int64_t cap, int64_t now) {
    DALIL_ASSIGN_OR_RETURN(store::Throttle t, accounts_->GetThrottle(key));
    if (now - t.last_failure > kThrottleDecaySeconds) t.failures = 0;
    t.failures += 1;
    t.last_failure = now;
    if (t.failures > free) {
      const int64_t shift = std::min<int64_t>(t.failures - free - 1, 20);
      t.blocked_until = now + std::min<int64_t>(int64_t{1} << shift, cap);
    }
    return accounts_->PutThrottle(key, t);
  }

  // True if the TOTP code (or, failing that, the recovery code) is right.
  Result<bool> CheckSecondFactor(const store::User& u, const std::string& code,
                                 const std::string& recovery) {
    if (!code.empty()) {
      if (!u.totp_secret) return false;
      auto key = security::Base32Decode(*u.totp_secret);
      if (!key) return Status::Corruption("the stored TOTP secret is malformed");
      std::optional<int64_t> step;
      if (!security::VerifyTotp(*key, code, Now(), u.totp_last_step, &step)) return false;
      DALIL_RETURN_IF_ERROR(accounts_->SetTotpStep(u.id, *step));
      return true;
    }
    if (recovery.empty()) return false;
    return accounts_->UseRecoveryCode("user:" + std::to_string(u.id), u.id,
                                      security::RecoveryCodeHash(recovery));
  }

  Status RequireRecentAuth(const Principal& p) const {
    if (p.method != security::AuthMethod::kSession) {
      return Denied("this needs a signed-in session with a recent password check; API tokens cannot do it");
    }
    if (Now() - p.reauth_at > opts_.reauth_seconds) {
      return Status(Code::kPermissionDenied,
                    "confirm your password first (POST /api/v1/session/reauth)", "reauthentication");
    }
    return Status::Ok();
  }

  static Status CheckUsername(const std::string& name) {
    if (name.size() < 2 || name.size() > 64) return Status::Invalid("username", "must be 2 to 64 characters");
    for (char c : name) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
      if (!ok) return Status::Invalid("username", "may hold only letters, digits, '.', '_' and '-'");
    }
    return Status::Ok();
  }

  const std::string& DummyHash() {
    std::call_once(dummy_once_, [this] {
      auto h = security::HashPassword(security::NewToken(), opts_.hash_cost);
      dummy_hash_ = h.ok() ? *h : std::string();
    });
    return dummy_hash_;
  }

  store::AccountStore* accounts_;
  AuthOptions opts_;
  const Clock* clock_;
  int max_depth_;
  std::mutex logins_mu_;
  int logins_ = 0;  // guarded by logins_mu_
  std::once_flag dummy_once_;
  std::string dummy_hash_;
};

}  // namespace

void RegisterAuthRoutes(http::Router& router, store::AccountStore* accounts,
                        const ApiOptions& options) {
  auto a = std::make_shared<AuthApi>(accounts, options);
  if (accounts != nullptr) {
    router.SetIdentifier([a](const Request& req) { return a->Identify(req); });
  }
  const Access account = Access::Account();
  const Access viewer = Access::AtLeast(Role::kViewer);
  const Access admin = Access::AtLeast(Role::kAdmin);
  auto bind = [a](Response (AuthApi::*fn)(Request&)) {
    return [a, fn](Request& r) { return ((*a).*fn)(r); };
  };
  router.Add("POST", "/api/v1/session", "Sign in (username, password, totp_code or recovery_code)",
             Access::Public(), bind(&AuthApi::Login));
  router.Add("GET", "/api/v1/session", "The signed-in account and its CSRF token", account,
             bind(&AuthApi::Current));
  router.Add("DELETE", "/api/v1/session", "Sign out", account, bind(&AuthApi::Logout));
  router.Add("POST", "/api/v1/session/reauth", "Confirm password (and code) before a sensitive action",
             account, bind(&AuthApi::Reauth));
  router.Add("GET", "/api/v1/sessions", "Your sessions", account, bind(&AuthApi::ListSessions));
  router.Add("DELETE", "/api/v1/sessions", "Sign out everywhere", account,
             bind(&AuthApi::RevokeAllSessions));
  router.Add("DELETE", "/api/v1/sessions/{id}", "End one of your sessions", account,
             bind(&AuthApi::RevokeSession));
  router.Add("POST", "/api/v1/me/password", "Change your password", account,
             bind(&AuthApi::ChangePassword));
  router.Add("POST", "/api/v1/me/totp", "Start enrolling an authenticator app", account,
             bind(&AuthApi::BeginTotp));
  router.Add("POST", "/api/v1/me/totp/confirm",
             "Confirm the authenticator with a code; returns recovery codes once", account,
             bind(&AuthApi::ConfirmTotp));
  router.Add("GET", "/api/v1/tokens", "Your API tokens", viewer, bind(&AuthApi::ListTokens));
  router.Add("POST", "/api/v1/tokens", "Create an API token (shown once; needs re-authentication)",
             viewer, bind(&AuthApi::CreateToken));
  router.Add("DELETE", "/api/v1/tokens/{id}", "Revoke one of your API tokens", viewer,
             bind(&AuthApi::RevokeToken));
  router.Add("GET", "/api/v1/users", "Every user account", admin, bind(&AuthApi::ListUsers));
  router.Add("POST", "/api/v1/users", "Create a user (needs re-authentication)", admin,
             bind(&AuthApi::CreateUser));
  router.Add("PATCH", "/api/v1/users/{id}", "Change a user's role or disable them (needs re-authentication)",
             admin, bind(&AuthApi::UpdateUser));
  router.Add("POST", "/api/v1/users/{id}/reset-password",
             "Give a user a one-time password (needs re-authentication)", admin,
             bind(&AuthApi::ResetPassword));
  router.Add("GET", "/api/v1/organisations", "Every organisation", admin,
             bind(&AuthApi::ListOrganisations));
  router.Add("POST", "/api/v1/organisations", "Create an organisation (needs re-authentication)",
             admin, bind(&AuthApi::CreateOrganisation));
}

}  // namespace dalil::api
