#include "proxy/stateless_request.hpp"

#include <boost/beast/core/detail/base64.hpp>

#include "fasterapi/errors.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/meta.hpp"
#include "protocol/versions.hpp"

namespace fasterapi::proxy {

namespace {

namespace b64 = boost::beast::detail::base64;

// The body field Mcp-Name must repeat, for the methods that name something.
std::string_view name_field(std::string_view method) {
  if (method == "tools/call" || method == "prompts/get") return "name";
  if (method == "resources/read") return "uri";
  return {};
}

std::string_view trim_ows(std::string_view v) {
  // RFC 9110 §5.5: a field value excludes the optional whitespace around it.
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

std::string base64(std::string_view raw) {
  std::string out(b64::encoded_size(raw.size()), '\0');
  out.resize(b64::encode(out.data(), raw.data(), raw.size()));
  return out;
}

// Whether a header value names `body_value`: verbatim, or as `=?base64?<b64>?=` (the form
// for values that would not survive as a header). Comparing against the canonical encoding
// of the body's value spares decoding what the client sent.
bool header_names(std::string_view header, std::string_view body_value) {
  header = trim_ows(header);
  constexpr std::string_view open = "=?base64?", close = "?=";
  if (header.size() >= open.size() + close.size() && header.substr(0, open.size()) == open &&
      header.substr(header.size() - close.size()) == close)
    return header.substr(open.size(), header.size() - open.size() - close.size()) == base64(body_value);
  return header == body_value;
}

StatelessRefusal header_mismatch(std::string_view header, std::string_view header_value, std::string_view detail) {
  json::object d;
  d["reason"] = "header_mismatch";
  d["header"] = header;
  d["header_value"] = header_value;
  d["detail"] = detail;
  return {errors::kHeaderMismatch, std::string(header) + " header does not match the body", std::move(d)};
}

}  // namespace

bool removed_in_stateless_era(std::string_view m) {
  return m == "initialize" || m == "ping" || m == "logging/setLevel" || m == "resources/subscribe" ||
         m == "resources/unsubscribe";
}

std::optional<StatelessRefusal> check_stateless_request(std::string_view method, const json::object* params,
                                               const json::object& meta, bool http,
                                               const HttpRequestHeaders& headers) {
  const std::string_view version = protocol::string_at(meta, protocol::kMetaProtocolVersion);
  auto* caps = meta.if_contains(protocol::kMetaClientCapabilities);
  if (!caps || !caps->is_object()) {
    json::object d;
    d["reason"] = "missing_client_capabilities";
    d["detail"] = std::string("params._meta must carry ") + std::string(protocol::kMetaClientCapabilities);
    return StatelessRefusal{errors::kInvalidParams, "Invalid params: clientCapabilities missing from _meta", std::move(d)};
  }
  // The Mcp-Method value itself is compared with the body for every request (session.cpp).
  if (http && !headers.method) return header_mismatch("Mcp-Method", "", "missing; the body's method is " + std::string(method));
  if (http && headers.version && *headers.version != version)
    return header_mismatch("MCP-Protocol-Version", *headers.version, "must equal params._meta protocolVersion");
  if (http) {
    if (auto field = name_field(method); !field.empty() && params) {
      if (auto* v = params->if_contains(field); v && v->is_string()) {
        if (!headers.name) return header_mismatch("Mcp-Name", "", "missing; the body names " + std::string(field));
        if (!header_names(*headers.name, v->get_string()))
          return header_mismatch("Mcp-Name", *headers.name, "must equal params." + std::string(field));
      }
    }
  }
  if (!protocol::is_stateless_version(version)) {
    json::object d;
    json::array supported;
    for (auto v : protocol::kStatelessVersions) supported.emplace_back(v);
    d["supported"] = std::move(supported);
    d["requested"] = version;
    return StatelessRefusal{errors::kUnsupportedProtocolVersion, "Unsupported protocol version", std::move(d)};
  }
  if (removed_in_stateless_era(method)) {
    json::object d;
    d["method"] = method;
    d["reason"] = "removed_in_stateless_era";
    return StatelessRefusal{errors::kMethodNotFound, "Method not found", std::move(d)};
  }
  return std::nullopt;
}

}  // namespace fasterapi::proxy
