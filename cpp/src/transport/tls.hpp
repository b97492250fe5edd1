#pragma once
// TLS for the HTTP listener and for https:// and wss:// upstreams (OpenSSL through
// Boost.Asio's ssl::context). Contexts are built once from files and shared by every
// connection that uses them.
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;  // kept out of this header: OpenSSL's headers are large
}

namespace fasterapi::transport {

namespace ssl = boost::asio::ssl;

struct TlsServerFiles {
  std::string cert_file;  // PEM: the certificate chain, leaf first
  std::string key_file;   // PEM: its private key
  bool enabled() const { return !cert_file.empty(); }
};

// A listener's context: TLS 1.2 and newer, the chain and key from PEM files (checked to
// match). Throws std::runtime_error naming the field ("tls_cert_file", "tls_key_file").
std::shared_ptr<ssl::context> make_server_tls(const TlsServerFiles& files);

// A client's context: TLS 1.2 and newer; peers are verified against `ca_file` (PEM) when
// given, else against the system's trust store (which honours SSL_CERT_FILE/SSL_CERT_DIR).
// Throws std::runtime_error naming "tls_ca_file".
std::shared_ptr<ssl::context> make_client_tls(const std::string& ca_file);

// What a client connection to an https:// or wss:// URL is given: the shared context, or,
// when it could not be made, why (the connection then fails at its TLS step, saying so).
struct TlsClientSide {
  std::shared_ptr<ssl::context> context;
  std::string error;
  bool wanted() const { return context || !error.empty(); }
};

// Before a client handshake: the server's certificate must name `host` (a DNS name, sent as
// SNI too, or an IP address). False if OpenSSL refused the name.
bool tls_expect_host(void* native_ssl_handle, const std::string& host);

// Names the verification failure of a client connection's last handshake, if any (OpenSSL's
// reason, e.g. "certificate has expired"), for error messages.
std::string tls_verify_error(void* native_ssl_handle);

}  // namespace fasterapi::transport
