// Target jwt: the bearer-token verifier (policy/jwt, policy/jwt_keys, base64url, strict_json)
// with a 64-byte HMAC key, issuer and audience configured.
// Input: [mode byte][...]
//   mode 0: a token as a client sends it;
//   mode 1: [hash byte] header JSON '\n' claims JSON: the harness encodes and signs them, so
//           the fuzzer reaches the claim checks behind the signature;
//   mode 2: a JWK Set document '\n' a token: the keys come from the document.
// Invariants: an accepted token's signature is the HMAC of its first two segments under the
// configured key (checked here with OpenSSL, apart from the verifier); a signed token with
// its signature altered is refused; an accepted token has a subject without control
// characters and a validity window that holds the verification time.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>
#include <string>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "policy/jwt.hpp"
#include "targets.hpp"

namespace fasterapi::fuzz {

namespace {

using policy::JwtVerdict;

constexpr int64_t kNowMs = 1'700'000'000'000;
const std::string kSecret(64, 'k');

const policy::JwtVerifier& hmac_verifier() {
  static const policy::JwtVerifier verifier = [] {
    std::string error;
    auto key = policy::Key::hmac(kSecret, "k1", error);
    auto keys = std::make_shared<policy::KeySet>();
    keys->algorithms = key->algorithms();
    keys->keys.push_back(std::move(key));
    policy::JwtPolicy p;
    p.allowed = keys->algorithms;
    p.issuer = "https://issuer.example";
    p.audience = "mcp-proxy";
    return policy::JwtVerifier(p, keys);
  }();
  return verifier;
}

std::string base64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::string hmac(const EVP_MD* md, std::string_view input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, kSecret.data(), static_cast<int>(kSecret.size()), reinterpret_cast<const unsigned char*>(input.data()),
       input.size(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

const EVP_MD* hash_for(uint8_t b) {
  switch (b % 3) {
    case 0: return EVP_sha256();
    case 1: return EVP_sha384();
    default: return EVP_sha512();
  }
}

void check_accepted(const JwtVerdict& v) {
  FUZZ_CHECK(!v.claims.subject.empty(), "an accepted token has no subject");
  for (unsigned char c : v.claims.subject)
    FUZZ_CHECK(c >= 0x20 && c != 0x7f, "an accepted subject holds a control character");
  FUZZ_CHECK(v.claims.valid_from_ms <= kNowMs, "an accepted token's window starts after now");
  FUZZ_CHECK(v.claims.valid_until_ms > kNowMs, "an accepted token's window ended before now");
}

// Accepted with the HMAC key: the signature must be the key's MAC of header.claims.
void check_signed_by_key(std::string_view token) {
  const size_t last_dot = token.rfind('.');
  const std::string_view input = token.substr(0, last_dot), sig = token.substr(last_dot + 1);
  for (const EVP_MD* md : {EVP_sha256(), EVP_sha384(), EVP_sha512()})
    if (sig == base64url(hmac(md, input))) return;
  FUZZ_CHECK(false, "a token was accepted whose signature is not the key's MAC");
}

}  // namespace

void jwt(std::string_view data) {
  FuzzInput in(data);
  const uint8_t mode = in.byte() % 3;
  if (mode == 0) {
    const std::string_view token = in.rest();
    const JwtVerdict v = hmac_verifier().verify(token, kNowMs);
    FUZZ_CHECK(policy::jwt_reason_name(v.reason) != nullptr, "a verdict has no reason name");
    if (v.ok()) {
      check_accepted(v);
      check_signed_by_key(token);
    }
    return;
  }
  if (mode == 1) {
    const EVP_MD* md = hash_for(in.byte());
    const std::string_view rest = in.rest();
    const size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) return;
    const std::string input = base64url(rest.substr(0, nl)) + "." + base64url(rest.substr(nl + 1));
    std::string mac = hmac(md, input);
    const std::string token = input + "." + base64url(mac);
    const JwtVerdict v = hmac_verifier().verify(token, kNowMs);
    if (v.ok()) {
      check_accepted(v);
      check_signed_by_key(token);
    }
    mac[mac.size() / 2] ^= 0x01;
    const JwtVerdict forged = hmac_verifier().verify(input + "." + base64url(mac), kNowMs);
    FUZZ_CHECK(!forged.ok(), "a token with an altered signature was accepted");
    return;
  }
  const std::string_view rest = in.rest();
  const size_t nl = rest.find('\n');
  if (nl == std::string_view::npos) return;
  std::string error;
  size_t skipped = 0;
  auto keys = policy::parse_jwks(rest.substr(0, nl), error, &skipped);
  if (!keys) {
    FUZZ_CHECK(!error.empty(), "a refused JWK Set has no error");
    return;
  }
  FUZZ_CHECK(!keys->keys.empty(), "a JWK Set was accepted without a usable key");
  policy::JwtPolicy p;
  p.allowed = keys->algorithms;
  const policy::JwtVerifier verifier(p, keys);
  const JwtVerdict v = verifier.verify(rest.substr(nl + 1), kNowMs);
  if (v.ok()) check_accepted(v);
}

}  // namespace fasterapi::fuzz
