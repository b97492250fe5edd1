#pragma once
// JWT verification (RFC 7519) with the RFC 8725 hardening. Pure: no I/O, no clock of its
// own (the wall time is passed in), no exceptions on the verify path.
//
// Order of checks, cheapest and least trusting first:
//   size -> 3 segments -> strict base64url -> header JSON (depth, duplicates) -> alg
//   (pinned set; "none" in any spelling refused) -> crit -> key (kid; configured keys
//   only: jku/x5u/jwk/x5c in a header are never used) -> claims JSON (depth, duplicates)
//   -> signature -> claim types -> exp/nbf/iat with leeway -> iss -> aud -> sub, scopes.
// Nothing in a token is looked at semantically before its signature has been verified,
// except what is needed to choose the key.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/jwt_keys.hpp"

namespace fasterapi::policy {

enum class JwtReason : uint8_t {
  Ok,
  Malformed,
  TokenTooLarge,
  AlgorithmNotAllowed,
  UnsupportedCrit,
  UnknownKey,
  BadSignature,
  Expired,
  NotYetValid,
  WrongIssuer,
  WrongAudience,
  MissingClaim,
};
// The wire name (error data.reason): "malformed", "expired", ...
const char* jwt_reason_name(JwtReason r);

struct JwtPolicy {
  AlgSet allowed = 0;                 // pinned algorithms
  std::optional<std::string> issuer;  // exact match when set
  std::optional<std::string> audience;
  bool verify_expiry = true;          // exp required and checked
  int64_t clock_skew_ms = 60000;
  size_t max_token_bytes = 8192;
  size_t max_json_depth = 16;
};

// What a verified token says about its bearer.
struct Claims {
  std::string subject;
  std::vector<std::string> scopes;  // "scopes" array and/or OAuth "scope" string
  // Wall-clock window (ms) in which the token is accepted, leeway included.
  int64_t valid_from_ms = INT64_MIN;
  int64_t valid_until_ms = INT64_MAX;
};

struct JwtVerdict {
  JwtReason reason = JwtReason::Malformed;
  const char* detail = "";  // a fixed phrase; never token content
  const char* claim = "";   // for MissingClaim / claim type errors
  Claims claims;            // when reason == Ok
  bool ok() const { return reason == JwtReason::Ok; }
};

class JwtVerifier {
 public:
  JwtVerifier(JwtPolicy policy, std::shared_ptr<const KeySet> keys)
      : policy_(std::move(policy)), keys_(std::move(keys)) {}
  const JwtPolicy& policy() const { return policy_; }
  // A JWKS refresh. Unless the algorithms were pinned, the allowed set follows the keys.
  void set_keys(std::shared_ptr<const KeySet> keys, bool algorithms_follow_keys) {
    if (algorithms_follow_keys && keys) policy_.allowed = keys->algorithms;
    keys_ = std::move(keys);
  }
  const std::shared_ptr<const KeySet>& keys() const { return keys_; }

  JwtVerdict verify(std::string_view token, int64_t now_wall_ms) const;

 private:
  JwtPolicy policy_;
  std::shared_ptr<const KeySet> keys_;  // may be null (a JWKS URL not fetched yet)
};

}  // namespace fasterapi::policy
