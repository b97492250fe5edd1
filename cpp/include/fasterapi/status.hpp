#pragma once
// Status: how the data path reports failure without exceptions (house rule 4).
// Every failure says who is at fault, so the wire error never blames the client
// for a backend condition.
#include <string>
#include <utility>

namespace fasterapi {

enum class Fault {
  None,      // success
  Caller,    // the client's request is wrong (invalid params, unknown tool)
  Upstream,  // a backend failed or is unreachable
  Config,    // our own configuration is wrong
  Internal,  // a bug or resource exhaustion in the proxy
};

class Status {
 public:
  Status() = default;
  Status(Fault fault, int code, std::string message)
      : fault_(fault), code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  bool is_ok() const { return fault_ == Fault::None; }
  explicit operator bool() const { return is_ok(); }
  Fault fault() const { return fault_; }
  int code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Fault fault_ = Fault::None;
  int code_ = 0;
  std::string message_;
};

}  // namespace fasterapi
