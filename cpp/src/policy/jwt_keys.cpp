#include "policy/jwt_keys.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <boost/json.hpp>
#include <cstring>

#include "policy/base64url.hpp"

namespace fasterapi::policy {

namespace json = boost::json;

namespace {

constexpr const char* kAlgNames[kAlgCount] = {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
                                              "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"};

constexpr AlgSet kRsaFamily = alg_bit(Alg::RS256) | alg_bit(Alg::RS384) | alg_bit(Alg::RS512) |
                              alg_bit(Alg::PS256) | alg_bit(Alg::PS384) | alg_bit(Alg::PS512);

const EVP_MD* digest_for(Alg a) {
  switch (a) {
    case Alg::HS256: case Alg::RS256: case Alg::PS256: case Alg::ES256: return EVP_sha256();
    case Alg::HS384: case Alg::RS384: case Alg::PS384: case Alg::ES384: return EVP_sha384();
    case Alg::HS512: case Alg::RS512: case Alg::PS512: return EVP_sha512();
    case Alg::EdDSA: return nullptr;
  }
  return nullptr;
}

const char* digest_name(Alg a) {
  switch (a) {
    case Alg::HS256: return "SHA256";
    case Alg::HS384: return "SHA384";
    case Alg::HS512: return "SHA512";
    default: return nullptr;
  }
}

bool key_type_of(EVP_PKEY* pkey, KeyType& type, std::string& error) {
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    if (EVP_PKEY_get_bits(pkey) < 2048) {
      error = "RSA keys shorter than 2048 bits are refused";
      return false;
    }
    type = KeyType::Rsa;
    return true;
  }
  if (EVP_PKEY_is_a(pkey, "ED25519")) {
    type = KeyType::Ed25519;
    return true;
  }
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_group_name(pkey, group, sizeof group, &len) != 1) {
      error = "EC key without a named curve";
      return false;
    }
    const std::string_view g(group, len);
    if (g == "prime256v1" || g == "P-256" || g == "secp256r1") type = KeyType::EcP256;
    else if (g == "secp384r1" || g == "P-384") type = KeyType::EcP384;
    else {
      error = "EC curve " + std::string(g) + " is not supported (P-256 and P-384 are)";
      return false;
    }
    return true;
  }
  error = "unsupported key type (RSA, EC P-256/P-384 and Ed25519 are supported)";
  return false;
}

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

Bn bn_from(const std::string& bytes) {
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
}

EVP_PKEY* pkey_fromdata(const char* type, OSSL_PARAM_BLD* bld) {
  EVP_PKEY* pkey = nullptr;
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1)
    if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) pkey = nullptr;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return pkey;
}

bool public_check(EVP_PKEY* pkey) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr);
  const bool ok = ctx && EVP_PKEY_public_check(ctx) == 1;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

std::string_view str_member(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

}  // namespace

const char* alg_name(Alg a) { return kAlgNames[static_cast<int>(a)]; }

std::optional<Alg> alg_from_name(std::string_view name) {
  for (int i = 0; i < kAlgCount; ++i)
    if (name == kAlgNames[i]) return static_cast<Alg>(i);
  return std::nullopt;
}

size_t hmac_min_secret(Alg a) {
  switch (a) {
    case Alg::HS384: return 48;
    case Alg::HS512: return 64;
    default: return 32;
  }
}

AlgSet family_of(KeyType t, size_t secret_bytes) {
  switch (t) {
    case KeyType::Hmac: {
      AlgSet s = 0;
      for (Alg a : {Alg::HS256, Alg::HS384, Alg::HS512})
        if (secret_bytes >= hmac_min_secret(a)) s |= alg_bit(a);
      return s;
    }
    case KeyType::Rsa: return kRsaFamily;
    case KeyType::EcP256: return alg_bit(Alg::ES256);
    case KeyType::EcP384: return alg_bit(Alg::ES384);
    case KeyType::Ed25519: return alg_bit(Alg::EdDSA);
  }
  return 0;
}

// Builds keys; a friend of Key so the constructors stay private.
class KeySetBuilder {
 public:
  static std::shared_ptr<Key> make() { return std::shared_ptr<Key>(new Key()); }

  static bool init_hmac(Key& k, std::string secret, std::string& error) {
    if (secret.size() < kMinHmacSecret) {
      error = "an HMAC secret must be at least 32 bytes (RFC 7518 3.2)";
      return false;
    }
    k.type_ = KeyType::Hmac;
    k.secret_ = std::move(secret);
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!mac) {
      error = "OpenSSL has no HMAC";
      return false;
    }
    for (int i = 0; i < 3; ++i) {
      const Alg a = static_cast<Alg>(static_cast<int>(Alg::HS256) + i);
      EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
      OSSL_PARAM params[2] = {
          OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest_name(a)), 0),
          OSSL_PARAM_construct_end()};
      if (!ctx || EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(k.secret_.data()), k.secret_.size(),
                               params) != 1) {
        EVP_MAC_CTX_free(ctx);
        EVP_MAC_free(mac);
        error = "OpenSSL refused the HMAC key";
        return false;
      }
      k.hmac_[i] = ctx;
    }
    EVP_MAC_free(mac);
    return true;
  }

  static bool init_pkey(Key& k, EVP_PKEY* pkey, std::string& error) {
    KeyType t;
    if (!key_type_of(pkey, t, error)) {
      EVP_PKEY_free(pkey);
      return false;
    }
    k.type_ = t;
    k.pkey_ = pkey;
    return true;
  }

  // One JWK; nullptr with error empty = skipped (not a signature key we support).
  static std::shared_ptr<const Key> from_jwk(const json::object& jwk, std::string& error) {
    auto use = str_member(jwk, "use");
    if (!use.empty() && use != "sig") return nullptr;
    if (auto* ops = jwk.if_contains("key_ops")) {
      bool verify = false;
      if (ops->is_array())
        for (const auto& op : ops->get_array()) verify |= op.is_string() && op.get_string() == "verify";
      if (!verify) return nullptr;
    }
    auto kty = str_member(jwk, "kty");
    auto k = make();
    if (auto* kid = jwk.if_contains("kid")) {
      if (!kid->is_string()) {
        error = "kid must be a string";
        return nullptr;
      }
      k->kid_ = std::string(kid->get_string());
    }
    std::optional<Alg> pinned;
    if (auto* alg = jwk.if_contains("alg")) {
      if (!alg->is_string()) {
        error = "alg must be a string";
        return nullptr;
      }
      pinned = alg_from_name(alg->get_string());
      if (!pinned) return nullptr;  // an algorithm we do not verify (e.g. RSA-OAEP)
    }
    auto field = [&](std::string_view name, std::string& out) {
      auto s = str_member(jwk, name);
      if (s.empty() || !base64url_decode(s, out) || out.empty()) {
        error = std::string(kty) + " key: '" + std::string(name) + "' must be non-empty base64url";
        return false;
      }
      return true;
    };
    if (kty == "oct") {
      std::string secret;
      if (!field("k", secret) || !init_hmac(*k, std::move(secret), error)) return nullptr;
    } else if (kty == "RSA") {
      std::string n, e;
      if (!field("n", n) || !field("e", e)) return nullptr;
      Bn bn_n = bn_from(n), bn_e = bn_from(e);
      OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
      EVP_PKEY* pkey = nullptr;
      if (bld && bn_n && bn_e && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n.get()) &&
          OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e.get()))
        pkey = pkey_fromdata("RSA", bld);
      OSSL_PARAM_BLD_free(bld);
      if (!pkey) {
        error = "RSA key: n/e rejected by OpenSSL";
        return nullptr;
      }
      if (!init_pkey(*k, pkey, error)) return nullptr;
    } else if (kty == "EC") {
      auto crv = str_member(jwk, "crv");
      size_t len;
      const char* group;
      if (crv == "P-256") len = 32, group = "P-256";
      else if (crv == "P-384") len = 48, group = "P-384";
      else return nullptr;  // other curves: skipped
      std::string x, y;
      if (!field("x", x) || !field("y", y)) return nullptr;
      if (x.size() != len || y.size() != len) {
        error = "EC key: x and y must be " + std::to_string(len) + " bytes for " + std::string(crv);
        return nullptr;
      }
      std::string point = "\x04" + x + y;
      OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
      EVP_PKEY* pkey = nullptr;
      if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
          OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
        pkey = pkey_fromdata("EC", bld);
      OSSL_PARAM_BLD_free(bld);
      if (!pkey || !public_check(pkey)) {
        EVP_PKEY_free(pkey);
        error = "EC key: the point is not on the curve";
        return nullptr;
      }
      if (!init_pkey(*k, pkey, error)) return nullptr;
    } else if (kty == "OKP") {
      if (str_member(jwk, "crv") != "Ed25519") return nullptr;
      std::string x;
      if (!field("x", x)) return nullptr;
      if (x.size() != 32) {
        error = "OKP key: x must be 32 bytes for Ed25519";
        return nullptr;
      }
      EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                                   reinterpret_cast<const unsigned char*>(x.data()), x.size());
      if (!pkey) {
        error = "OKP key rejected by OpenSSL";
        return nullptr;
      }
      if (!init_pkey(*k, pkey, error)) return nullptr;
    } else {
      return nullptr;  // unknown kty: skipped
    }
    if (pinned && !(family_of(k->type_, k->secret_.size()) & alg_bit(*pinned))) {
      error = std::string("alg ") + alg_name(*pinned) + " does not fit the key";
      return nullptr;
    }
    k->alg_ = pinned;
    return k;
  }
};

Key::~Key() {
  EVP_PKEY_free(pkey_);
  for (auto* c : hmac_) EVP_MAC_CTX_free(c);
  if (!secret_.empty()) OPENSSL_cleanse(secret_.data(), secret_.size());
}

std::shared_ptr<const Key> Key::hmac(std::string secret, std::string kid, std::string& error) {
  auto k = KeySetBuilder::make();
  k->kid_ = std::move(kid);
  if (!KeySetBuilder::init_hmac(*k, std::move(secret), error)) return nullptr;
  return k;
}

std::shared_ptr<const Key> Key::from_pem(std::string_view pem, std::string kid, std::string& error) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) {
    error = "out of memory";
    return nullptr;
  }
  EVP_PKEY* pkey = nullptr;
  if (pem.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
    if (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      pkey = X509_get_pubkey(cert);
      X509_free(cert);
    }
  } else if (pem.find("PRIVATE KEY-----") != std::string_view::npos) {
    BIO_free(bio);
    error = "is a private key; give the public key (the proxy only verifies)";
    return nullptr;
  } else {
    // Passphrase callback that refuses: a public key never needs one.
    pkey = PEM_read_bio_PUBKEY(bio, nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
  }
  BIO_free(bio);
  if (!pkey) {
    error = "is not a PEM public key (-----BEGIN PUBLIC KEY-----) or certificate";
    return nullptr;
  }
  auto k = KeySetBuilder::make();
  k->kid_ = std::move(kid);
  if (!KeySetBuilder::init_pkey(*k, pkey, error)) return nullptr;
  return k;
}

AlgSet Key::algorithms() const {
  if (alg_) return alg_bit(*alg_);
  return family_of(type_, secret_.size());
}

bool Key::verify(Alg alg, std::string_view input, std::string_view sig) const {
  if (!(algorithms() & alg_bit(alg))) return false;  // never an HS check with a public key, etc.
  return type_ == KeyType::Hmac ? verify_hmac(alg, input, sig) : verify_pkey(alg, input, sig);
}

bool Key::verify_hmac(Alg alg, std::string_view input, std::string_view sig) const {
  const int i = static_cast<int>(alg) - static_cast<int>(Alg::HS256);
  if (i < 0 || i > 2 || !hmac_[i]) return false;
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t len = 0;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(hmac_[i]);
  const bool ok = ctx && EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1 &&
                  EVP_MAC_final(ctx, mac, &len, sizeof mac) == 1;
  EVP_MAC_CTX_free(ctx);
  return ok && len == sig.size() && CRYPTO_memcmp(mac, sig.data(), len) == 0;
}

bool Key::verify_pkey(Alg alg, std::string_view input, std::string_view sig) const {
  std::string der;  // ECDSA: JOSE's fixed-size r||s (RFC 7518 3.4) becomes a DER ECDSA-Sig-Value
  if (alg == Alg::ES256 || alg == Alg::ES384) {
    const size_t n = alg == Alg::ES256 ? 32 : 48;
    if (sig.size() != 2 * n) return false;
    ECDSA_SIG* es = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), static_cast<int>(n), nullptr);
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + n, static_cast<int>(n), nullptr);
    if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
      BN_free(r);
      BN_free(s);
      ECDSA_SIG_free(es);
      return false;
    }
    unsigned char* out = nullptr;
    const int len = i2d_ECDSA_SIG(es, &out);
    ECDSA_SIG_free(es);
    if (len <= 0) return false;
    der.assign(reinterpret_cast<char*>(out), static_cast<size_t>(len));
    OPENSSL_free(out);
    sig = der;
  }
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  if (!md) return false;
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestVerifyInit(md, &pctx, digest_for(alg), nullptr, pkey_) == 1;
  if (ok && (alg == Alg::PS256 || alg == Alg::PS384 || alg == Alg::PS512)) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, digest_for(alg)) == 1;
  } else if (ok && type_ == KeyType::Rsa) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  }
  ok = ok && EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                              reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(md);
  return ok;
}

const Key* KeySet::select(Alg alg, std::string_view kid, bool has_kid) const {
  if (has_kid) {
    bool named = false;
    for (const auto& k : keys) {
      if (k->kid().empty() || k->kid() != kid) continue;
      if (k->algorithms() & alg_bit(alg)) return k.get();
      named = true;
    }
    if (named) return nullptr;  // the named key cannot verify this algorithm
  }
  // No kid match: only an unambiguous key will do.
  const Key* found = nullptr;
  for (const auto& k : keys) {
    if (!(k->algorithms() & alg_bit(alg))) continue;
    if (has_kid && !k->kid().empty()) continue;  // it names another key
    if (found) return nullptr;
    found = k.get();
  }
  return found;
}

std::shared_ptr<const KeySet> parse_jwks(std::string_view text, std::string& error, size_t* skipped) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) {
    error = "not a JSON object";
    return nullptr;
  }
  auto* keys = doc.get_object().if_contains("keys");
  if (!keys || !keys->is_array()) {
    error = "has no \"keys\" array";
    return nullptr;
  }
  auto set = std::make_shared<KeySet>();
  size_t n_skipped = 0;
  for (size_t i = 0; i < keys->get_array().size(); ++i) {
    const auto& jwk = keys->get_array()[i];
    if (!jwk.is_object()) {
      error = "keys[" + std::to_string(i) + "] is not an object";
      return nullptr;
    }
    std::string why;
    auto key = KeySetBuilder::from_jwk(jwk.get_object(), why);
    if (!why.empty()) {
      error = "keys[" + std::to_string(i) + "]: " + why;
      return nullptr;
    }
    if (!key) {
      ++n_skipped;
      continue;
    }
    set->algorithms |= key->algorithms();
    set->keys.push_back(std::move(key));
  }
  if (skipped) *skipped = n_skipped;
  if (set->keys.empty()) {
    error = "holds no signature key the proxy can use (RSA, EC P-256/P-384, Ed25519, oct)";
    return nullptr;
  }
  return set;
}

}  // namespace fasterapi::policy
