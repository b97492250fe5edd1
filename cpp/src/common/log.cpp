#include "common/log.hpp"

#include <atomic>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace fasterapi::log {

namespace {
Level initial_level() {
  const char* env = std::getenv("FASTERAPI_LOG_LEVEL");
  if (!env) return Level::Info;
  const std::string v(env);
  if (v == "debug") return Level::Debug;
  if (v == "warning") return Level::Warning;
  if (v == "error") return Level::Error;
  return Level::Info;
}
std::atomic<int> g_level{static_cast<int>(initial_level())};
const char* name(Level l) {
  switch (l) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warning: return "warning";
    case Level::Error: return "error";
  }
  return "?";
}
}  // namespace

std::atomic<TextFilter> g_filter{nullptr};

void set_text_filter(TextFilter f) { g_filter.store(f); }

void set_level(Level level) { g_level.store(static_cast<int>(level)); }
bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void write_stderr(std::string_view bytes) {
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(2, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

bool filter_text(std::string_view text, std::string& out) {
  TextFilter f = g_filter.load();
  if (!f) return false;
  out = f(text);
  return true;
}

void write(Level level, std::string_view component, std::string_view text) {
  std::string line;
  line.reserve(component.size() + text.size() + 32);
  line += "fasterapi-mcp ";
  line += name(level);
  line += " [";
  line += component;
  line += "] ";
  if (TextFilter f = g_filter.load()) line += f(text);
  else line += text;
  line += '\n';
  write_stderr(line);
}

}  // namespace fasterapi::log
