#pragma once
// One MCP client of the proxy (a pair of fds): its lifecycle, its requests in flight, and
// the dispatch of each message to the proxy's own handlers or to an upstream.
#include <boost/json.hpp>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "filters/refusal.hpp"
#include "policy/route_table.hpp"
#include "policy/token_cache.hpp"
#include "proxy/upstream.hpp"
#include "transport/fd_channel.hpp"

namespace fasterapi::proxy {

class Proxy;
struct ListSpec;

class ClientSession : public std::enable_shared_from_this<ClientSession> {
 public:
  ClientSession(Proxy& proxy, int id, int read_fd, int write_fd, bool stop_when_closed);
  void start();
  // Proxy shutdown: requests still in flight are answered with an error; then close.
  void close();
  void notify(const std::string& line);
  bool initialized() const { return initialized_; }
  bool subscribed(const std::string& uri) const { return subscriptions_.count(uri) > 0; }
  int id() const { return id_; }

 private:
  void on_line(std::string_view line);
  void on_request(json::object& msg, std::string_view method, const json::value& id);
  void on_notification(json::object& msg, std::string_view method);
  void on_input_closed();
  void reply(const std::string& line);
  void reply_error(const json::value& id, int code, std::string_view message, json::object data = {});
  void refuse(const json::value& id, filters::Refusal r);  // a security stage said no

  void handle_initialize(const json::value& id, json::object* params);
  void handle_discover(const json::value& id);
  void handle_list(const ListSpec& spec, const json::value& id, json::object* params);
  void forward_to(size_t upstream, std::string tool, json::object& msg, const json::value& id);
  json::object capabilities() const;

  void begin_request() { ++outstanding_; }
  void end_request();

  Proxy& proxy_;
  int id_;
  int read_fd_;
  int write_fd_;
  bool stop_when_closed_;
  std::shared_ptr<transport::FdChannel> channel_;
  bool initialize_answered_ = false;
  bool initialized_ = false;
  bool input_closed_ = false;
  bool closed_ = false;
  size_t outstanding_ = 0;
  std::string protocol_version_;
  std::set<std::string> subscriptions_;
  // Requests forwarded upstream, by the client's id (serialised), for cancellation.
  std::unordered_map<std::string, Ticket> in_flight_;
  // Who sent the request being dispatched (set by the auth stage for every request).
  policy::PrincipalPtr principal_;
};

}  // namespace fasterapi::proxy
