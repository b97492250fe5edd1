#include "policy/jwt.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <limits>

#include "policy/base64url.hpp"
#include "policy/strict_json.hpp"

namespace fasterapi::policy {

namespace json = boost::json;

namespace {

JwtVerdict fail(JwtReason r, const char* detail, const char* claim = "") {
  JwtVerdict v;
  v.reason = r;
  v.detail = detail;
  v.claim = claim;
  return v;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// A JSON number as a finite double; false for anything else (booleans and strings
// included). Boost.JSON reads "1e400" as infinity and "0e400" as NaN: a NaN exp compares
// false with everything, so it would pass the expiry check; neither is a NumericDate.
bool as_number(const json::value& v, double& out) {
  switch (v.kind()) {
    case json::kind::int64: out = static_cast<double>(v.get_int64()); return true;
    case json::kind::uint64: out = static_cast<double>(v.get_uint64()); return true;
    case json::kind::double_: out = v.get_double(); return std::isfinite(out);
    default: return false;
  }
}

int64_t clamp_ms(double ms) {
  if (!(ms > -9.0e18)) return std::numeric_limits<int64_t>::min();
  if (!(ms < 9.0e18)) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(ms);
}

int64_t sat_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  return r;
}

JwtVerdict parse_segment(std::string_view b64, size_t depth, std::string& scratch, json::value& out,
                         const char* not_b64, const char* not_json, const char* too_deep, const char* dup,
                         const char* not_object) {
  if (!base64url_decode(b64, scratch)) return fail(JwtReason::Malformed, not_b64);
  switch (parse_strict_json(scratch, depth, out)) {
    case StrictJsonError::None: break;
    case StrictJsonError::Invalid: return fail(JwtReason::Malformed, not_json);
    case StrictJsonError::TooDeep: return fail(JwtReason::Malformed, too_deep);
    case StrictJsonError::DuplicateKey: return fail(JwtReason::Malformed, dup);
  }
  if (!out.is_object()) return fail(JwtReason::Malformed, not_object);
  JwtVerdict ok;
  ok.reason = JwtReason::Ok;
  return ok;
}

}  // namespace

const char* jwt_reason_name(JwtReason r) {
  switch (r) {
    case JwtReason::Ok: return "ok";
    case JwtReason::Malformed: return "malformed";
    case JwtReason::TokenTooLarge: return "token_too_large";
    case JwtReason::AlgorithmNotAllowed: return "algorithm_not_allowed";
    case JwtReason::UnsupportedCrit: return "unsupported_crit";
    case JwtReason::UnknownKey: return "unknown_key";
    case JwtReason::BadSignature: return "bad_signature";
    case JwtReason::Expired: return "expired";
    case JwtReason::NotYetValid: return "not_yet_valid";
    case JwtReason::WrongIssuer: return "wrong_issuer";
    case JwtReason::WrongAudience: return "wrong_audience";
    case JwtReason::MissingClaim: return "missing_claim";
  }
  return "malformed";
}

JwtVerdict JwtVerifier::verify(std::string_view token, int64_t now) const {
  const JwtPolicy& p = policy_;
  // 1. Size, before anything else is done with the bytes.
  if (token.size() > p.max_token_bytes) return fail(JwtReason::TokenTooLarge, "the token is larger than the limit");
  const size_t d1 = token.find('.');
  const size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d1 == std::string_view::npos || d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return fail(JwtReason::Malformed, "a JWS compact token has exactly three segments");
  const std::string_view h64 = token.substr(0, d1), c64 = token.substr(d1 + 1, d2 - d1 - 1), s64 = token.substr(d2 + 1);
  if (h64.empty() || c64.empty()) return fail(JwtReason::Malformed, "empty header or claims segment");

  // Parsed values live in a stack buffer: nothing here outlives this call.
  unsigned char buf[4096];
  json::monotonic_resource mr(buf, sizeof buf);
  std::string scratch;

  // 2. Header.
  json::value header(&mr);
  if (auto v = parse_segment(h64, p.max_json_depth, scratch, header, "the header is not base64url",
                             "the header is not JSON", "the header is nested too deeply",
                             "the header repeats a parameter name", "the header is not a JSON object");
      !v.ok())
    return v;
  const json::object& h = header.get_object();
  const json::value* alg_v = h.if_contains("alg");
  if (!alg_v || !alg_v->is_string()) return fail(JwtReason::Malformed, "the header has no alg string");
  const std::string_view alg_name_sv = alg_v->get_string();
  if (iequals(alg_name_sv, "none"))
    return fail(JwtReason::AlgorithmNotAllowed, "unsigned tokens (alg none) are never accepted");
  const auto alg = alg_from_name(alg_name_sv);
  if (!alg) return fail(JwtReason::AlgorithmNotAllowed, "the algorithm is not supported");
  if (!(p.allowed & alg_bit(*alg))) return fail(JwtReason::AlgorithmNotAllowed, "the algorithm is not allowed by the configuration");
  if (const json::value* crit = h.if_contains("crit")) {
    if (!crit->is_array() || crit->get_array().empty())
      return fail(JwtReason::Malformed, "crit must be a non-empty array of names");
    for (const auto& c : crit->get_array())
      if (!c.is_string()) return fail(JwtReason::Malformed, "crit must be a non-empty array of names");
    // RFC 7515 4.1.11: a recipient that does not understand a listed extension rejects.
    return fail(JwtReason::UnsupportedCrit, "crit names an extension the proxy does not process");
  }
  std::string_view kid;
  bool has_kid = false;
  if (const json::value* k = h.if_contains("kid")) {
    if (!k->is_string()) return fail(JwtReason::Malformed, "kid must be a string");
    kid = k->get_string();
    has_kid = true;
  }
  // jku, x5u, jwk, x5c: never read. Keys come from configuration only.
  if (!keys_) return fail(JwtReason::UnknownKey, "no verification keys are loaded yet");
  const Key* key = keys_->select(*alg, kid, has_kid);
  if (!key) return fail(JwtReason::UnknownKey, "no configured key matches the token's kid and algorithm");

  // 3. Claims: structure only, before the (costlier) signature check.
  json::value claims_doc(&mr);
  if (auto v = parse_segment(c64, p.max_json_depth, scratch, claims_doc, "the claims are not base64url",
                             "the claims are not JSON", "the claims are nested too deeply",
                             "the claims repeat a claim name", "the claims are not a JSON object");
      !v.ok())
    return v;

  // 4. Signature over the segments exactly as received.
  if (!base64url_decode(s64, scratch)) return fail(JwtReason::Malformed, "the signature is not base64url");
  if (!key->verify(*alg, token.substr(0, d2), scratch)) return fail(JwtReason::BadSignature, "the signature does not verify");

  // 5. Claims, now that they are authentic.
  const json::object& c = claims_doc.get_object();
  JwtVerdict out;
  Claims& cl = out.claims;
  double exp = 0, nbf = 0, iat = 0;
  const json::value* exp_v = c.if_contains("exp");
  const json::value* nbf_v = c.if_contains("nbf");
  const json::value* iat_v = c.if_contains("iat");
  if (exp_v && !as_number(*exp_v, exp)) return fail(JwtReason::Malformed, "exp must be a number (NumericDate)", "exp");
  if (nbf_v && !as_number(*nbf_v, nbf)) return fail(JwtReason::Malformed, "nbf must be a number (NumericDate)", "nbf");
  if (iat_v && !as_number(*iat_v, iat)) return fail(JwtReason::Malformed, "iat must be a number (NumericDate)", "iat");
  if (p.verify_expiry) {
    if (!exp_v) return fail(JwtReason::MissingClaim, "the token has no exp", "exp");
    const double exp_ms = exp * 1000.0;
    // RFC 7519 4.1.4: now must be before exp (plus leeway).
    if (exp_ms <= static_cast<double>(now - p.clock_skew_ms)) return fail(JwtReason::Expired, "the token has expired", "exp");
    cl.valid_until_ms = sat_add(clamp_ms(std::ceil(exp_ms)), p.clock_skew_ms);
  }
  if (nbf_v) {
    const double nbf_ms = nbf * 1000.0;
    if (nbf_ms > static_cast<double>(now + p.clock_skew_ms))
      return fail(JwtReason::NotYetValid, "the token is not valid yet (nbf)", "nbf");
    cl.valid_from_ms = sat_add(clamp_ms(std::ceil(nbf_ms)), -p.clock_skew_ms);
  }
  if (iat_v) {
    const double iat_ms = iat * 1000.0;
    if (iat_ms > static_cast<double>(now + p.clock_skew_ms))
      return fail(JwtReason::NotYetValid, "the token was issued in the future (iat)", "iat");
    cl.valid_from_ms = std::max(cl.valid_from_ms, sat_add(clamp_ms(std::ceil(iat_ms)), -p.clock_skew_ms));
  }
  if (p.issuer) {
    const json::value* iss = c.if_contains("iss");
    if (!iss) return fail(JwtReason::MissingClaim, "the token has no iss", "iss");
    if (!iss->is_string()) return fail(JwtReason::Malformed, "iss must be a string", "iss");
    if (iss->get_string() != *p.issuer) return fail(JwtReason::WrongIssuer, "the token was issued by another issuer", "iss");
  }
  if (const json::value* aud = c.if_contains("aud")) {
    bool match = false;
    if (aud->is_string()) {
      match = p.audience && aud->get_string() == *p.audience;
    } else if (aud->is_array()) {
      for (const auto& a : aud->get_array()) {
        if (!a.is_string()) return fail(JwtReason::Malformed, "aud must be a string or an array of strings", "aud");
        match |= p.audience && a.get_string() == *p.audience;
      }
    } else {
      return fail(JwtReason::Malformed, "aud must be a string or an array of strings", "aud");
    }
    // RFC 7519 4.1.3: a recipient that is not named in a present aud rejects the token.
    if (!match) return fail(JwtReason::WrongAudience, "the token is meant for another audience", "aud");
  } else if (p.audience) {
    return fail(JwtReason::MissingClaim, "the token has no aud", "aud");
  }
  const json::value* sub = c.if_contains("sub");
  if (!sub) return fail(JwtReason::MissingClaim, "the token has no sub (the client id)", "sub");
  if (!sub->is_string() || sub->get_string().empty()) return fail(JwtReason::Malformed, "sub must be a non-empty string", "sub");
  for (unsigned char ch : std::string_view(sub->get_string()))  // it is written into logs and stats
    if (ch < 0x20 || ch == 0x7f) return fail(JwtReason::Malformed, "sub must not hold control characters", "sub");
  cl.subject.assign(sub->get_string().data(), sub->get_string().size());
  if (const json::value* s = c.if_contains("scopes")) {
    if (!s->is_array()) return fail(JwtReason::Malformed, "scopes must be an array of strings", "scopes");
    for (const auto& x : s->get_array()) {
      if (!x.is_string()) return fail(JwtReason::Malformed, "scopes must be an array of strings", "scopes");
      cl.scopes.emplace_back(x.get_string().data(), x.get_string().size());
    }
  }
  if (const json::value* s = c.if_contains("scope")) {
    if (!s->is_string()) return fail(JwtReason::Malformed, "scope must be a space-separated string", "scope");
    std::string_view rest = s->get_string();
    while (!rest.empty()) {
      const size_t sp = rest.find(' ');
      const std::string_view one = rest.substr(0, sp);
      if (!one.empty()) cl.scopes.emplace_back(one);
      if (sp == std::string_view::npos) break;
      rest.remove_prefix(sp + 1);
    }
  }
  out.reason = JwtReason::Ok;
  out.detail = "";
  return out;
}

}  // namespace fasterapi::policy
