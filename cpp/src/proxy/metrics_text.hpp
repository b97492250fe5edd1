#pragma once
// The proxy's statistics in the Prometheus text exposition format (0.0.4), for
// prometheus_metrics() and the /metrics endpoint. Built off the request path.
#include <boost/json/object.hpp>
#include <string>

namespace fasterapi::proxy {

std::string prometheus_text(const boost::json::object& stats);

}  // namespace fasterapi::proxy
