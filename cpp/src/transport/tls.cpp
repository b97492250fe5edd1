#include "transport/tls.hpp"

#include <boost/asio/ssl/context.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace fasterapi::transport {

namespace {

std::string openssl_reason() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return text;
}

void tls12_and_newer(ssl::context& ctx) {
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
}

}  // namespace

std::shared_ptr<ssl::context> make_server_tls(const TlsServerFiles& files) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  tls12_and_newer(*ctx);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native, files.cert_file.c_str()) != 1)
    throw std::runtime_error("tls_cert_file: cannot load a PEM certificate chain from '" + files.cert_file +
                             "': " + openssl_reason());
  if (files.key_file.empty()) throw std::runtime_error("tls_key_file: required with tls_cert_file");
  if (SSL_CTX_use_PrivateKey_file(native, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      throw std::runtime_error("tls_key_file: the key in '" + files.key_file + "' does not match the certificate in '" +
                               files.cert_file + "'");
    }
    throw std::runtime_error("tls_key_file: cannot load a PEM private key from '" + files.key_file +
                             "': " + openssl_reason());
  }
  if (SSL_CTX_check_private_key(native) != 1)
    throw std::runtime_error("tls_key_file: the key does not match the certificate in '" + files.cert_file + "'");
  return ctx;
}

std::shared_ptr<ssl::context> make_client_tls(const std::string& ca_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  tls12_and_newer(*ctx);
  ctx->set_verify_mode(ssl::verify_peer);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  if (!ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(native, ca_file.c_str(), nullptr) != 1)
      throw std::runtime_error("tls_ca_file: cannot load PEM certificates from '" + ca_file + "': " + openssl_reason());
  } else if (SSL_CTX_set_default_verify_paths(native) != 1) {
    throw std::runtime_error("tls_ca_file: the system's trust store cannot be loaded: " + openssl_reason());
  }
  return ctx;
}

bool tls_expect_host(void* native_ssl_handle, const std::string& host) {
  auto* s = static_cast<SSL*>(native_ssl_handle);
  X509_VERIFY_PARAM* param = SSL_get0_param(s);
  // An address is checked against the certificate's IP entries and gets no server name
  // (RFC 6066); a name is sent as SNI and checked against its DNS entries (RFC 6125).
  if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1) return true;
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set_tlsext_host_name(s, host.c_str()) == 1 && SSL_set1_host(s, host.c_str()) == 1;
}

std::string tls_verify_error(void* native_ssl_handle) {
  auto* s = static_cast<SSL*>(native_ssl_handle);
  if (!s) return {};
  const long result = SSL_get_verify_result(s);
  if (result == X509_V_OK) return {};
  return X509_verify_cert_error_string(result);
}

}  // namespace fasterapi::transport
