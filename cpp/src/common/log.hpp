#pragma once
// Log lines go to stderr (stdout is the MCP channel). One write(2) per line, so lines
// from the loop thread and the Python thread never interleave mid-line.
#include <string>
#include <string_view>

namespace fasterapi::log {

enum class Level { Debug = 0, Info = 1, Warning = 2, Error = 3 };

void set_level(Level level);
bool enabled(Level level);
void write(Level level, std::string_view component, std::string_view text);
// Bytes to stderr as they are, in as few write(2) calls as the kernel takes them.
void write_stderr(std::string_view bytes);
// A rewrite every line's text goes through before it is written (the sanitizing
// transformer's redaction, docs/transformers.md); nullptr: none. Must be thread-safe.
using TextFilter = std::string (*)(std::string_view text);
void set_text_filter(TextFilter f);
// The filter's rewrite of `text` into `out`; false (out untouched) when none is set.
bool filter_text(std::string_view text, std::string& out);

inline void debug(std::string_view c, std::string_view t) { if (enabled(Level::Debug)) write(Level::Debug, c, t); }
inline void info(std::string_view c, std::string_view t) { if (enabled(Level::Info)) write(Level::Info, c, t); }
inline void warn(std::string_view c, std::string_view t) { if (enabled(Level::Warning)) write(Level::Warning, c, t); }
inline void error(std::string_view c, std::string_view t) { if (enabled(Level::Error)) write(Level::Error, c, t); }

}  // namespace fasterapi::log
