#pragma once
// JSON-RPC error codes the proxy emits. Stable: they are public API (README "Error codes").
// Standard codes come from JSON-RPC 2.0; the proxy's own live in -32000..-32019, which
// the MCP 2026-07-28 revision leaves to implementations.
namespace fasterapi::errors {

inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;  // also "No route found" (unknown tool/prompt/resource)
inline constexpr int kInternalError = -32603;

inline constexpr int kUpstreamUnavailable = -32001;  // spawn/initialize failed, exited, broken pipe
inline constexpr int kUpstreamTimeout = -32003;      // request_timeout_ms elapsed
inline constexpr int kShuttingDown = -32005;         // the proxy is stopping

// Defined by the MCP 2026-07-28 revision.
inline constexpr int kHeaderMismatch = -32020;              // Streamable HTTP: headers disagree with the body
inline constexpr int kMissingCapability = -32021;           // a request needs an undeclared capability
inline constexpr int kUnsupportedProtocolVersion = -32022;  // data.supported lists ours

// Security stages (docs/security.md). data.reason always says why.
inline constexpr int kNoCredentials = -32010;        // missing_credentials
inline constexpr int kInvalidCredentials = -32011;   // expired, bad_signature, ... (data.reason)
inline constexpr int kInsufficientScope = -32012;    // data.required_scope
inline constexpr int kRateLimited = -32013;          // data.limit, max_requests, window_ms, retry_after_ms

// Transform stage (docs/transformers.md): a transformer raised or returned something that
// is not a JSON object. data.reason, data.transformer, data.stage ("request"/"response").
inline constexpr int kTransformerFailed = -32014;

}  // namespace fasterapi::errors
