#include "policy/base64url.hpp"

#include <openssl/evp.h>

namespace fasterapi::policy {

namespace {
// 6-bit value of a base64url character, or -1.
int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}
}  // namespace

bool base64url_decode(std::string_view in, std::string& out) {
  out.clear();
  const size_t rem = in.size() % 4;
  if (rem == 1) return false;  // no whole byte can end there
  for (char c : in)
    if (sextet(c) < 0) return false;
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
