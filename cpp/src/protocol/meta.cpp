#include "protocol/meta.hpp"

#include <array>

#include "protocol/versions.hpp"

namespace fasterapi::protocol {

json::object* meta_of(json::object& msg) {
  auto* p = msg.if_contains("params");
  if (!p || !p->is_object()) return nullptr;
  auto* m = p->get_object().if_contains("_meta");
  return m && m->is_object() ? &m->get_object() : nullptr;
}

const json::object* meta_of_params(const json::object* params) {
  if (!params) return nullptr;
  auto* m = params->if_contains("_meta");
  return m && m->is_object() ? &m->get_object() : nullptr;
}

void strip_stateless_meta(json::object& msg) {
  json::object* meta = meta_of(msg);
  if (!meta) return;
  for (auto key : {kMetaProtocolVersion, kMetaClientCapabilities, kMetaClientInfo, kMetaLogLevel})
    meta->erase(key);
  if (meta->empty()) msg["params"].get_object().erase("_meta");
}

void stamp_stateless_meta(json::object& msg, const json::object& client_capabilities) {
  auto* p = msg.if_contains("params");
  if (!p || !p->is_object()) {
    msg["params"] = json::object();
    p = msg.if_contains("params");
  }
  auto& params = p->get_object();
  auto* m = params.if_contains("_meta");
  if (!m || !m->is_object()) {
    params["_meta"] = json::object();
    m = params.if_contains("_meta");
  }
  auto& meta = m->get_object();
  if (!meta.contains(kMetaProtocolVersion)) meta[kMetaProtocolVersion] = kLatestStatelessVersion;
  if (!meta.contains(kMetaClientCapabilities)) meta[kMetaClientCapabilities] = client_capabilities;
}

int log_level_rank(std::string_view level) {
  static constexpr std::array<std::string_view, 8> kLevels = {
      "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
  for (size_t i = 0; i < kLevels.size(); ++i)
    if (kLevels[i] == level) return static_cast<int>(i);
  return -1;
}

}  // namespace fasterapi::protocol
