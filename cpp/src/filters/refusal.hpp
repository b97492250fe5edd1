#pragma once
// What a stage answers when it stops a request: a JSON-RPC error (code from
// fasterapi/errors.hpp) with a data object that says why. Never holds a credential.
#include <boost/json/object.hpp>
#include <string>

namespace fasterapi::filters {

struct Refusal {
  int code = 0;
  std::string message;
  boost::json::object data;
  const char* counter = "";  // the stats counter this refusal increments
};

}  // namespace fasterapi::filters
