#include "kindlyguard/controller/webhook_certs.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "kindlyguard/certs/certs.hpp"
#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/base64.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

namespace {

std::string data_field(const json& secret, const char* key) {
  if (!secret.contains("data") || !secret["data"].is_object()) return "";
  const auto& d = secret["data"];
  if (!d.contains(key) || !d[key].is_string()) return "";
  return base64_decode(d[key].get<std::string>()).value_or("");
}

json secret_data(const certs::CertificateSet& s) {
  return {{"ca.crt", base64_encode(s.ca_bundle_pem)},
          {"ca.key", base64_encode(s.ca_key_pem)},
          {"tls.crt", base64_encode(s.tls_cert_pem)},
          {"tls.key", base64_encode(s.tls_key_pem)}};
}

// The bundle every webhook of the configuration trusts: theirs when they all agree, else "".
std::string trusted_bundle(const json& config) {
  std::string bundle;
  bool first = true;
  for (const auto& w : config.value("webhooks", json::array())) {
    std::string b;
    if (w.contains("clientConfig") && w["clientConfig"].contains("caBundle") && w["clientConfig"]["caBundle"].is_string())
      b = base64_decode(w["clientConfig"]["caBundle"].get<std::string>()).value_or("");
    if (!first && b != bundle) return "";
    bundle = b;
    first = false;
  }
  return bundle;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

certs::CertificateSet certificate_set_of(const json& secret) {
  return {data_field(secret, "ca.crt"), data_field(secret, "ca.key"), data_field(secret, "tls.crt"),
          data_field(secret, "tls.key")};
}

Controller::Reconcile webhook_certs_reconciler(client::ApiClient& api, const client::Informer& secret,
                                               WebhookCertsOptions options) {
  return [&api, &secret, options](const std::string&) -> ReconcileResult {
    const auto& secrets = client::resources::secrets;
    const auto& configs = client::resources::validating_webhook_configurations;
    auto cached = secret.get(options.ns + "/" + options.secret_name);
    const certs::CertificateSet current = cached ? certificate_set_of(*cached) : certs::CertificateSet{};

    auto config = api.get(configs, "", options.webhook_config_name);
    if (!config.ok() && !config.error().is_not_found())
      return ReconcileResult::failed("ValidatingWebhookConfiguration " + options.webhook_config_name + ": " +
                                     config.error().to_string());
    const std::string trusted = config.ok() ? trusted_bundle(*config) : "";

    const std::time_t now = std::time(nullptr);
    auto plan = certs::plan_rotation(current, trusted, now, options.rotation);
    if (!plan.ok()) return ReconcileResult::failed("certificate rotation: " + plan.error().to_string());

    // 1. The Secret (a new CA joins its bundle; its serving pair changes only when trusted).
    if (!cached || plan->next != current) {
      json body = {{"apiVersion", "v1"},
                   {"kind", "Secret"},
                   {"metadata",
                    {{"name", options.secret_name},
                     {"namespace", options.ns},
                     {"labels", {{"app.kubernetes.io/managed-by", "kindlyguard"}, {"app.kubernetes.io/name", "kindlyguard"}}}}},
                   {"type", "kubernetes.io/tls"},
                   {"data", secret_data(plan->next)}};
      client::ApiResult<json> written = cached ? [&] {
        json b = body;
        b["metadata"]["resourceVersion"] = k8s::Meta(*cached).resource_version();
        if (cached->contains("type")) b["type"] = (*cached)["type"];  // the type of a Secret is immutable
        return api.update(secrets, b);
      }()
                                               : api.create(secrets, body);
      if (!written.ok())
        return ReconcileResult::failed("Secret " + options.ns + "/" + options.secret_name + ": " + written.error().to_string());
      std::string what;
      for (const auto& c : plan->changes) what += (what.empty() ? "" : "; ") + c;
      log::info("webhook certificates updated", {{"secret", options.ns + "/" + options.secret_name}, {"changes", what}});
      if (options.on_change && !what.empty()) options.on_change(what);
    }
    // 2. The webhook configuration trusts the Secret's bundle. The planner never puts a serving
    //    certificate of a CA the configuration does not trust yet into the Secret (unless nothing
    //    usable was there), so writing the Secret first is safe, and a crash in between is
    //    repaired by the next pass.
    if (config.ok()) {
      json updated = *config;
      const std::string want = base64_encode(plan->next.ca_bundle_pem);
      bool changed = false;
      for (auto& w : updated["webhooks"]) {
        if (w["clientConfig"].value("caBundle", "") != want) {
          w["clientConfig"]["caBundle"] = want;
          changed = true;
        }
      }
      if (changed) {
        auto written = api.update(configs, updated);
        if (!written.ok())
          return ReconcileResult::failed("caBundle of ValidatingWebhookConfiguration " + options.webhook_config_name +
                                         ": " + written.error().to_string());
        log::info("webhook configuration trusts the current CA bundle", {{"webhookConfiguration", options.webhook_config_name}});
        if (options.on_change) options.on_change("caBundle of " + options.webhook_config_name + " updated");
      }
    } else {
      log::warn("ValidatingWebhookConfiguration not found: nothing to put the CA bundle in (is the chart installed?)",
                {{"webhookConfiguration", options.webhook_config_name}});
    }

    // A reissue that waits for the new trust happens on the next pass, against the new config.
    if (plan->waiting_for_trust) return ReconcileResult::requeue_after(std::chrono::seconds(1));
    // Due again at the next two-thirds point; meanwhile, look once a minute for edits by others.
    const auto due = std::chrono::seconds(std::max<std::time_t>(1, plan->recheck_at - now));
    return ReconcileResult::requeue_after(std::min<std::chrono::milliseconds>(due, std::chrono::minutes(1)));
  };
}

void ServingFileSync::on_secret(const json& secret) {
  const auto set = certificate_set_of(secret);
  if (set.tls_cert_pem.empty() || set.tls_key_pem.empty() || !certs::key_matches(set.tls_cert_pem, set.tls_key_pem)) {
    log::warn("the certificate Secret holds no usable serving pair yet");
    return;
  }
  if (read_all(cert_file_) != set.tls_cert_pem || read_all(key_file_) != set.tls_key_pem) {
    // Key first: the server treats a new key with the old certificate as not settled yet.
    auto k = certs::write_file_atomic(key_file_, set.tls_key_pem, 0600);
    auto c = k.ok() ? certs::write_file_atomic(cert_file_, set.tls_cert_pem, 0644) : k;
    if (!c.ok()) {
      log::error("cannot write the serving certificate", {{"error", c.error().to_string()}});
      return;
    }
    log::info("serving certificate taken from the Secret", {{"certFile", cert_file_}});
  }
  synced_ = true;
}

}  // namespace kindlyguard::controller
