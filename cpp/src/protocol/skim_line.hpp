#pragma once
// Runs a SAX skim (answer_skim.cpp, request_skim.cpp) over one whole line: true when the
// line holds no line break, is valid JSON by Boost.JSON's default options (the limits a
// parse would apply), and `accepted(handler)` says the handler saw what it wants.
#include <boost/json/basic_parser_impl.hpp>
#include <cstring>
#include <string_view>

namespace fasterapi::protocol {

template <typename Handler, typename Accepted, typename... HandlerArgs>
bool skim_line(std::string_view line, Accepted&& accepted, HandlerArgs&&... args) {
  // One line out, as one line in: an HTTP upstream may pretty-print; SSE splits on a CR.
  if (line.empty() || std::memchr(line.data(), '\n', line.size()) || std::memchr(line.data(), '\r', line.size()))
    return false;
  boost::json::basic_parser<Handler> parser(boost::json::parse_options{}, std::forward<HandlerArgs>(args)...);
  boost::system::error_code ec;
  const size_t used = parser.write_some(false, line.data(), line.size(), ec);
  return !ec && used == line.size() && parser.done() && accepted(parser.handler());
}

}  // namespace fasterapi::protocol
