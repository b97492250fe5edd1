#include "protocol/jsonrpc.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>

namespace fasterapi::protocol {

bool valid_id(const json::value& id) { return id.is_string() || id.is_int64() || id.is_uint64(); }

Envelope classify(json::value& message) {
  Envelope env;
  if (!message.is_object()) {
    env.invalid_reason = message.is_array() ? "batch_not_supported" : "not_an_object";
    return env;
  }
  json::object& obj = message.get_object();
  env.obj = &obj;
  auto* version = obj.if_contains("jsonrpc");
  if (!version || !version->is_string() || version->get_string() != "2.0") {
    env.invalid_reason = "jsonrpc_must_be_2.0";
    return env;
  }
  json::value* id = obj.if_contains("id");
  json::value* method = obj.if_contains("method");
  if (method) {
    if (!method->is_string()) {
      env.invalid_reason = "method_must_be_a_string";
      return env;
    }
    env.method = method->get_string();
    auto* params = obj.if_contains("params");
    if (params && !params->is_object() && !params->is_array()) {
      env.invalid_reason = "params_must_be_structured";
      return env;
    }
    if (!id) {
      env.type = MessageType::Notification;
      return env;
    }
    if (!valid_id(*id)) {
      env.invalid_reason = "id_must_be_a_string_or_an_integer";
      return env;
    }
    env.id = id;
    env.type = MessageType::Request;
    return env;
  }
  if (id && (obj.contains("result") || obj.contains("error"))) {
    env.id = id;
    env.type = MessageType::Response;
    return env;
  }
  env.invalid_reason = "neither_request_nor_response";
  return env;
}

json::object parse_skimmed(std::string_view line) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return {};  // never, for a line a skim accepted
  return std::move(v.get_object());
}

std::string to_line(const json::object& message) {
  // Straight into the line's own buffer, room left for the newline: serialize() would
  // build a string the newline then reallocates.
  json::serializer writer;
  writer.reset(&message);
  std::string line;
  size_t capacity = 256;
  for (;;) {
    const size_t used = line.size();
    line.resize(capacity);
    const auto piece = writer.read(line.data() + used, capacity - used - 1);
    line.resize(used + piece.size());
    if (writer.done()) break;
    capacity *= 2;
  }
  line.push_back('\n');
  return line;
}

std::string error_line(const json::value& id, int code, std::string_view message,
                       json::object data) {
  json::object err;
  err["code"] = code;
  err["message"] = message;
  if (!data.empty()) err["data"] = std::move(data);
  json::object out;
  out["jsonrpc"] = "2.0";
  out["id"] = id;
  out["error"] = std::move(err);
  return to_line(out);
}

std::string result_line(const json::value& id, json::value result) {
  json::object out;
  out["jsonrpc"] = "2.0";
  out["id"] = id;
  out["result"] = std::move(result);
  return to_line(out);
}

std::string notification_line(std::string_view method, json::object params) {
  json::object out;
  out["jsonrpc"] = "2.0";
  out["method"] = method;
  if (!params.empty()) out["params"] = std::move(params);
  return to_line(out);
}

std::string request_line(uint64_t id, std::string_view method, json::object params) {
  json::object out;
  out["jsonrpc"] = "2.0";
  out["id"] = id;
  out["method"] = method;
  out["params"] = std::move(params);
  return to_line(out);
}

json::object* params_of(json::object& msg) {
  auto* p = msg.if_contains("params");
  return p && p->is_object() ? &p->get_object() : nullptr;
}

std::string_view string_at(const json::object& obj, std::string_view key) {
  auto* v = obj.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

}  // namespace fasterapi::protocol
