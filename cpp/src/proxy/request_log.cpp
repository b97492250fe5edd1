#include "proxy/request_log.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstdio>
#include <ctime>

#include "common/log.hpp"

namespace fasterapi::proxy {

namespace {

// A JSON string; Boost.JSON escapes the rare one that needs it.
void append_string(std::string& out, std::string_view s) {
  for (const char c : s) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      out += json::serialize(json::string_view(s.data(), s.size()));
      return;
    }
  }
  out += '"';
  out += s;
  out += '"';
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

void RequestLog::append_time() {
  const auto now = std::chrono::system_clock::now();
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const int64_t second = ms / 1000;
  if (second != stamp_second_) {
    const std::time_t secs = static_cast<std::time_t>(second);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::snprintf(stamp_, sizeof stamp_, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    stamp_second_ = second;
  }
  const int milli = static_cast<int>(ms % 1000);
  pending_ += stamp_;
  pending_ += '.';
  pending_ += static_cast<char>('0' + milli / 100);
  pending_ += static_cast<char>('0' + milli / 10 % 10);
  pending_ += static_cast<char>('0' + milli % 10);
  pending_ += 'Z';
}

void RequestLog::record(std::string_view client, std::string_view method, std::string_view name,
                        std::string_view upstream, int64_t latency_us, int retries, const Outcome& o) {
  if (!log::enabled(log::Level::Info)) return;
  const size_t start = pending_.size();
  pending_ += "{\"time\":\"";
  append_time();
  pending_ += "\",\"event\":\"request\",\"client\":";
  append_string(pending_, client);
  pending_ += ",\"method\":";
  append_string(pending_, method);
  if (!name.empty()) {
    pending_ += ",\"name\":";
    append_string(pending_, name);
  }
  pending_ += ",\"upstream\":";
  append_string(pending_, upstream);
  if (!o.answered()) {
    pending_ += ",\"outcome\":\"error\",\"code\":";
    append_int(pending_, o.code);
  } else if (o.skim) {
    pending_ += o.skim->has_error ? ",\"outcome\":\"upstream_error\"" : ",\"outcome\":\"ok\"";
    if (o.skim->has_error_code) {
      pending_ += ",\"code\":";
      append_int(pending_, o.skim->error_code);
    }
  } else if (auto* e = o.response->if_contains("error"); e && e->is_object()) {
    pending_ += ",\"outcome\":\"upstream_error\"";
    if (auto* c = e->get_object().if_contains("code")) {
      pending_ += ",\"code\":";
      pending_ += json::serialize(*c);
    }
  } else {
    pending_ += ",\"outcome\":\"ok\"";
  }
  pending_ += ",\"latency_ms\":";
  const int64_t us = latency_us < 0 ? 0 : latency_us;
  append_int(pending_, us / 1000);
  pending_ += '.';
  const int frac = static_cast<int>(us % 1000);
  pending_ += static_cast<char>('0' + frac / 100);
  pending_ += static_cast<char>('0' + frac / 10 % 10);
  pending_ += static_cast<char>('0' + frac % 10);
  if (retries) {
    pending_ += ",\"retries\":";
    append_int(pending_, retries);
  }
  pending_ += '}';
  // The sanitizing transformer's redaction applies to log text (docs/transformers.md).
  if (std::string filtered; log::filter_text(std::string_view(pending_).substr(start), filtered)) {
    pending_.resize(start);
    pending_ += filtered;
  }
  pending_ += '\n';
  if (!flush_posted_) {
    flush_posted_ = true;
    boost::asio::post(io_, [this] { flush(); });
  }
}

void RequestLog::flush() {
  flush_posted_ = false;
  size_t from = 0;
  while (from < pending_.size()) {
    // Up to PIPE_BUF bytes ending at a line's end (a longer line alone).
    size_t to = std::min(pending_.size(), from + PIPE_BUF);
    if (to < pending_.size()) {
      const size_t nl = pending_.rfind('\n', to - 1);
      to = nl != std::string::npos && nl >= from ? nl + 1 : pending_.find('\n', from) + 1;
    }
    log::write_stderr(std::string_view(pending_).substr(from, to - from));
    from = to;
  }
  pending_.clear();
}

}  // namespace fasterapi::proxy
