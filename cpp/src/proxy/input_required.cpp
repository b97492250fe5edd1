// A handshake-era client in front of a stateless-era upstream: the upstream cannot send
// server-to-client requests, so it answers with an input-required result. The proxy asks
// the client each input request as a server-to-client request (which that era has), then
// retries the request with the answers and the upstream's requestState, on the same upstream.
#include "common/log.hpp"
#include "fasterapi/errors.hpp"
#include "protocol/jsonrpc.hpp"
#include "proxy/proxy.hpp"
#include "proxy/session.hpp"
#include "proxy/session_helpers.hpp"

namespace fasterapi::proxy {

namespace {
// Bounds a server that keeps asking: each retry may ask again, but not forever.
constexpr int kMaxInputRounds = 8;

struct InputGathering {
  json::object request;  // the client's request, to retry
  json::object answers;  // inputResponses, by the upstream's keys
  json::value request_state;
  size_t remaining = 0;
  bool failed = false;
};
}  // namespace

void ClientSession::ask_client_for_input(size_t u, std::string tool, json::object request, json::object& result,
                                         const json::value& id, int input_round) {
  auto fail = [&](const char* reason, std::string message) {
    json::object d;
    d["reason"] = reason;
    d["upstream"] = proxy_.upstream(u).settings().name;
    reply_error(id, errors::kInternalError, message, std::move(d));
  };
  auto* asks = result.if_contains("inputRequests");
  if (!asks || !asks->is_object() || asks->get_object().empty() || input_round >= kMaxInputRounds)
    return fail("input_required_unresolved", "The upstream asked for input the proxy could not obtain");
  auto g = std::make_shared<InputGathering>();
  g->request = std::move(request);
  if (auto* st = result.if_contains("requestState")) g->request_state = *st;
  g->remaining = asks->get_object().size();
  begin_request();  // the client's request stays open until the retry is answered
  std::weak_ptr<ClientSession> weak = weak_from_this();
  for (auto& [key, ask] : asks->get_object()) {
    const std::string_view method = ask.is_object() ? protocol::string_at(ask.get_object(), "method") : "";
    json::object out;
    out["jsonrpc"] = "2.0";
    const uint64_t ours = next_server_request_++;
    out["id"] = ours;
    out["method"] = method;
    if (auto* p = ask.is_object() ? ask.get_object().if_contains("params") : nullptr) out["params"] = *p;
    const std::string answer_key(key);
    server_requests_[ours].on_answer = [weak, g, answer_key, u, tool, id, input_round](json::object& answer) {
      auto self = weak.lock();
      if (!self || g->failed) return;
      auto* r = answer.if_contains("result");
      if (!r) {
        g->failed = true;
        json::object d;
        d["reason"] = "input_request_failed";
        if (auto* e = answer.if_contains("error")) d["client_error"] = *e;
        self->reply_error(id, errors::kInternalError, "The client refused a request for input", std::move(d));
        self->end_request();
        return;
      }
      g->answers[answer_key] = *r;
      if (--g->remaining > 0) return;
      json::object retry = std::move(g->request);
      auto& params = retry["params"].as_object();
      params["inputResponses"] = std::move(g->answers);
      if (!g->request_state.is_null()) params["requestState"] = g->request_state;
      self->proxy_.stats().counters["input_required_rounds"]++;
      self->forward_to(u, tool, retry, id, false, -1, input_round + 1);
      self->end_request();
    };
    proxy_.stats().counters["server_requests"]++;
    reply(protocol::to_line(out), detail::id_key(id));
  }
}

}  // namespace fasterapi::proxy
