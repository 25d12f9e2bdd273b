#pragma once
// What OpenSSL objected to, as text for an Error. One place for the certificate code and the TLS
// server and client, so every message about a failed OpenSSL call reads the same way.

#include <string>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::certs {

// The OpenSSL error queue of this thread as text ("" when empty), entries joined by "; ", and
// cleared so the next call starts from nothing.
std::string openssl_errors();

// `what`, followed by the queued OpenSSL errors in parentheses when there are any ("cannot load
// the TLS certificate (error:0A00009C:SSL routines::...)"); an empty queue adds nothing rather
// than "()" or a placeholder. Clears the queue.
Error openssl_error(const std::string& what);

}  // namespace kindlyguard::certs
