#pragma once
// Verification keys for JWTs (RFC 7515/7518/8037): an HMAC secret, a PEM public key, or a
// JWK Set. Keys are built once (configuration time, or when a JWKS refresh is pushed in)
// and shared read-only. OpenSSL does all the cryptography.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace fasterapi::policy {

enum class Alg : uint8_t { HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA };
inline constexpr int kAlgCount = 12;
using AlgSet = uint32_t;  // bit i = Alg(i)
inline constexpr AlgSet alg_bit(Alg a) { return AlgSet{1} << static_cast<int>(a); }

const char* alg_name(Alg a);
// Exact, case-sensitive JOSE name (RFC 7518 §3.1); nullopt for anything else ("none" included).
std::optional<Alg> alg_from_name(std::string_view name);

enum class KeyType : uint8_t { Hmac, Rsa, EcP256, EcP384, Ed25519 };
// The algorithms a key of this type can verify ("the family of the key").
AlgSet family_of(KeyType t, size_t hmac_secret_bytes = 0);
// The minimum HMAC secret, in bytes, for an HS algorithm (RFC 7518 §3.2: the hash size).
size_t hmac_min_secret(Alg a);
inline constexpr size_t kMinHmacSecret = 32;

class Key {
 public:
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  ~Key();

  // Config-time builders: nullptr and a reason (no key material in it) on failure.
  static std::shared_ptr<const Key> hmac(std::string secret, std::string kid, std::string& error);
  static std::shared_ptr<const Key> from_pem(std::string_view pem, std::string kid, std::string& error);

  KeyType type() const { return type_; }
  const std::string& kid() const { return kid_; }
  // Set when a JWK named its algorithm: the key is used for nothing else.
  std::optional<Alg> pinned_alg() const { return alg_; }
  AlgSet algorithms() const;

  // Data path: never throws. `signature` is the decoded JWS signature.
  bool verify(Alg alg, std::string_view signing_input, std::string_view signature) const;

 private:
  friend class KeySetBuilder;
  Key() = default;
  bool verify_hmac(Alg alg, std::string_view input, std::string_view sig) const;
  bool verify_pkey(Alg alg, std::string_view input, std::string_view sig) const;

  KeyType type_ = KeyType::Hmac;
  std::string kid_;
  std::optional<Alg> alg_;
  std::string secret_;
  EVP_PKEY* pkey_ = nullptr;
  std::array<EVP_MAC_CTX*, 3> hmac_ = {nullptr, nullptr, nullptr};  // HS256/384/512, keyed
};

struct KeySet {
  std::vector<std::shared_ptr<const Key>> keys;
  AlgSet algorithms = 0;  // union of the keys' families
  // The key for a token's header: by kid when the token names one and a key has it;
  // the only key able to verify `alg` when there is exactly one; else nullptr.
  const Key* select(Alg alg, std::string_view kid, bool has_kid) const;
};

// A JWK Set document (RFC 7517 §5). Keys not for signatures ("use" other than "sig"),
// of unsupported types or curves, are skipped and counted in `skipped`; a malformed
// supported key is an error. Nullptr and `error` when no usable key remains.
std::shared_ptr<const KeySet> parse_jwks(std::string_view json_text, std::string& error, size_t* skipped = nullptr);

}  // namespace fasterapi::policy
