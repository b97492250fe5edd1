#pragma once
// The `_meta` keys of the stateless 2026-07-28 era, and moving a request between eras:
// a stateless-era request names its version and the client's capabilities in
// params._meta; a handshake-era server must not see those keys (it would take the
// request for a stateless one). Sans-IO.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string_view>

namespace fasterapi::protocol {

namespace json = boost::json;

inline constexpr std::string_view kMetaProtocolVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr std::string_view kMetaClientCapabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr std::string_view kMetaClientInfo = "io.modelcontextprotocol/clientInfo";
inline constexpr std::string_view kMetaLogLevel = "io.modelcontextprotocol/logLevel";
inline constexpr std::string_view kMetaSubscriptionId = "io.modelcontextprotocol/subscriptionId";
inline constexpr std::string_view kMetaServerInfo = "io.modelcontextprotocol/serverInfo";

// params._meta as an object, or nullptr.
json::object* meta_of(json::object& msg);
const json::object* meta_of_params(const json::object* params);

// Removes the stateless-era keys from a request's params._meta (and an emptied _meta).
void strip_stateless_meta(json::object& msg);

// Adds the stateless-era keys a request lacks; keys already there are kept.
void stamp_stateless_meta(json::object& msg, const json::object& client_capabilities);

// RFC 5424 severity order of MCP logging levels: debug = 0 ... emergency = 7; -1 if unknown.
int log_level_rank(std::string_view level);

}  // namespace fasterapi::protocol
