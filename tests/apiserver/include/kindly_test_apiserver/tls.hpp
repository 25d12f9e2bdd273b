// A throwaway self-signed certificate for HTTPS tests (OpenSSL), valid for 127.0.0.1 and
// localhost.
#pragma once

#include <string>

namespace kindly::testapi {

struct CertificatePair {
  std::string cert_pem;
  std::string key_pem;
};

CertificatePair generate_self_signed_certificate(const std::string& common_name = "kindly-test-apiserver",
                                                 int valid_days = 1);

}  // namespace kindly::testapi
