#include "policy/base64url.hpp"

#include <openssl/evp.h>

#include <array>

namespace fasterapi::policy {

namespace {
// 6-bit value of each base64url character, -1 for every other byte.
constexpr std::array<signed char, 256> make_table() {
  std::array<signed char, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 26; ++i) t['A' + i] = static_cast<signed char>(i), t['a' + i] = static_cast<signed char>(26 + i);
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<signed char>(52 + i);
  t['-'] = 62;
  t['_'] = 63;
  return t;
}
constexpr auto kTable = make_table();
inline int sextet(char c) { return kTable[static_cast<unsigned char>(c)]; }
}  // namespace

bool base64url_decode(std::string_view in, std::string& out) {
  out.clear();
  const size_t rem = in.size() % 4;
  if (rem == 1) return false;  // no whole byte can end there
  int bad = 0;
  for (char c : in) bad |= sextet(c);  // any -1 sets the sign bit
  if (bad < 0) return false;
  // Canonical form: the bits after the last whole byte must be zero, or two different
  // strings would decode to the same bytes.
  if (rem == 2 && (sextet(in.back()) & 0x0f) != 0) return false;
  if (rem == 3 && (sextet(in.back()) & 0x03) != 0) return false;
  if (in.empty()) return true;

  std::string std64(in);
  for (char& c : std64) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
  }
  const size_t pad = rem == 0 ? 0 : 4 - rem;
  std64.append(pad, '=');
  out.resize(std64.size() / 4 * 3);
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(std64.data()),
                                static_cast<int>(std64.size()));
  if (n < 0 || static_cast<size_t>(n) < pad) return false;
  out.resize(static_cast<size_t>(n) - pad);  // EVP_DecodeBlock counts the padding as zero bytes
  return true;
}

}  // namespace fasterapi::policy
