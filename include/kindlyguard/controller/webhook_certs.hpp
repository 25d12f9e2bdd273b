#pragma once
// certs.mode self-managed: the leader keeps the serving certificate in a Secret and the CA bundle
// in our ValidatingWebhookConfiguration (certs/rotation.hpp decides what changes), and every
// replica writes the Secret's pair to its serving files, which the HTTPS server reloads.
//
// Order matters so that no request fails: the webhook configuration is patched to trust a new CA
// before any serving certificate signed by it is written to the Secret.
// Nothing here creates a webhook configuration: after `helm uninstall` there is none to patch,
// and none appears again.

#include <atomic>
#include <functional>
#include <string>

#include "kindlyguard/certs/rotation.hpp"
#include "kindlyguard/client/api_client.hpp"
#include "kindlyguard/client/informer.hpp"
#include "kindlyguard/controller/controller.hpp"

namespace kindlyguard::controller {

struct WebhookCertsOptions {
  std::string ns;                   // our namespace: the Secret lives here
  std::string secret_name;          // e.g. kindlyguard-tls
  std::string webhook_config_name;  // our ValidatingWebhookConfiguration
  certs::RotationOptions rotation;  // DNS names and lifetimes
  // Told what changed (for logs and Events).
  std::function<void(const std::string& what)> on_change;
};

// The Secret's data decoded ("ca.crt", "ca.key", "tls.crt", "tls.key"); empty fields when absent.
certs::CertificateSet certificate_set_of(const nlohmann::json& secret);

// The leader's reconcile (any key: there is one Secret). Requeues itself for the next due time.
Controller::Reconcile webhook_certs_reconciler(client::ApiClient& api, const client::Informer& secret,
                                               WebhookCertsOptions options);

// Every replica: writes tls.key then tls.crt (atomically each) when the Secret's pair differs from
// the files. synced() is true once the files hold the Secret's pair.
class ServingFileSync {
 public:
  ServingFileSync(std::string cert_file, std::string key_file) : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}
  void on_secret(const nlohmann::json& secret);
  bool synced() const { return synced_.load(); }

 private:
  std::string cert_file_, key_file_;
  std::atomic<bool> synced_{false};
};

}  // namespace kindlyguard::controller
