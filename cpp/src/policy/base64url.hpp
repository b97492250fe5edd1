#pragma once
// Strict base64url (RFC 7515 §2, RFC 4648 §5): no padding, no whitespace, no '+' or '/',
// canonical trailing bits. The alphabet is checked here; OpenSSL does the decoding.
#include <string>
#include <string_view>

namespace fasterapi::policy {

// False when `in` is not strict base64url; `out` then holds nothing useful.
bool base64url_decode(std::string_view in, std::string& out);

}  // namespace fasterapi::policy
