#include "kindlyguard/certs/openssl_errors.hpp"

#include <openssl/err.h>

namespace kindlyguard::certs {

std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Error openssl_error(const std::string& what) {
  std::string detail = openssl_errors();
  return Error{detail.empty() ? what : what + " (" + detail + ")", ""};
}

}  // namespace kindlyguard::certs
