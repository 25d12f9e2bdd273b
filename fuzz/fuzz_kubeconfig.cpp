// kubeconfig files as `serve --kubeconfig` reads them (yaml-cpp, contexts, clusters, users,
// *-data fields in base64). Relative file references resolve against a directory that does not
// exist, so the target reads no files but the ones an input names by absolute path.

#include "fuzz_support.hpp"
#include "kindlyguard/client/kube_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(kindlyguard::fuzz::as_text(data, size));
  // Absolute paths could name devices that never end (/dev/zero): not what is under test.
  if (text.find("/dev") != std::string::npos || text.find("/proc") != std::string::npos ||
      text.find("/sys") != std::string::npos)
    return 0;
  for (bool allow_insecure : {false, true}) {
    auto cfg = kindlyguard::client::parse_kubeconfig(text, "/nonexistent/kindlyguard-fuzz", "", allow_insecure,
                                                     "fuzz-kubeconfig");
    if (cfg.ok()) {
      FUZZ_CHECK(cfg->server.rfind("https://", 0) == 0 || cfg->server.rfind("http://", 0) == 0);
      FUZZ_CHECK(cfg->server.back() != '/');
      FUZZ_CHECK(!cfg->insecure_skip_tls_verify || (allow_insecure && cfg->ca_pem.empty()));
      FUZZ_CHECK(cfg->client_cert_pem.empty() == cfg->client_key_pem.empty());
    } else {
      (void)cfg.error().to_string();
    }
  }
  // A named context too (the --context flag).
  auto named = kindlyguard::client::parse_kubeconfig(text, "/nonexistent/kindlyguard-fuzz", "main", false);
  if (!named.ok()) (void)named.error().to_string();
  return 0;
}
