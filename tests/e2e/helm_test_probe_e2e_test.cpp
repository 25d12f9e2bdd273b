// The chart's `helm test` pod runs `kindlyguard health --url https://SERVICE.NAMESPACE.svc:PORT/readyz
// --ca-file /ca/ca.crt`: it must verify the webhook's certificate against that CA (as the API
// server does), not merely reach the port. Against the real binary serving
// over TLS with a certificate for localhost.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/process.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;

TEST(HealthCommand, WithCaFileVerifiesTheServersCertificate) {
  WebhookProcess hook(std::map<std::string, std::string>{});
  const std::string url = "https://localhost:" + std::to_string(hook.port()) + "/readyz";
  const std::string ca = hook.dir().file("tls/ca.crt");

  auto ok = run_binary({"health", "--url", url, "--ca-file", ca});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;

  // Another CA: refused, where the probe without --ca-file would have said ok.
  TempDir other;
  ASSERT_EQ(run_binary({"certs", "self-signed", "--out-dir", other.path(), "--dns", "localhost"}).exit_code, 0);
  auto wrong_ca = run_binary({"health", "--url", url, "--ca-file", other.file("ca.crt")});
  EXPECT_EQ(wrong_ca.exit_code, 1);
  EXPECT_THAT(wrong_ca.err, HasSubstr("certificate verify failed"));
  EXPECT_EQ(run_binary({"health", "--url", url}).exit_code, 0);
}

}  // namespace
}  // namespace kindlyguard::testing
