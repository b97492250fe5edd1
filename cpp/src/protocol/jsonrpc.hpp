#pragma once
// JSON-RPC 2.0 envelope: classify a parsed message and build replies. Sans-IO.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace fasterapi::protocol {

namespace json = boost::json;

enum class MessageType { Request, Notification, Response, Invalid };

struct Envelope {
  MessageType type = MessageType::Invalid;
  json::object* obj = nullptr;   // the message, when it is an object
  std::string_view method;       // Request / Notification
  json::value* id = nullptr;     // Request / Response
  const char* invalid_reason = nullptr;  // Invalid: why, for the error's data
};

// Looks at a parsed message; never throws. Ids must be strings or integers (never null).
Envelope classify(json::value& message);

bool valid_id(const json::value& id);

// One message serialised as an ndjson line (ending in '\n').
std::string to_line(const json::object& message);

// Serialised replies, each ending in '\n' (ready for an ndjson stream).
std::string error_line(const json::value& id, int code, std::string_view message,
                       json::object data = {});
std::string result_line(const json::value& id, json::value result);
std::string notification_line(std::string_view method, json::object params);
std::string request_line(uint64_t id, std::string_view method, json::object params);

// A line a skim accepted (answer_skim, request_skim: one valid JSON object) as a document.
json::object parse_skimmed(std::string_view line);

// "params" as an object, or nullptr when absent or not an object.
json::object* params_of(json::object& msg);
// A string member, or empty view when absent or not a string.
std::string_view string_at(const json::object& obj, std::string_view key);

}  // namespace fasterapi::protocol
