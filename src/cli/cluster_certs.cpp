// certs.mode for `serve` in a cluster. provided and cert-manager: the serving files come from a
// Secret volume and are reloaded when they change; nothing to do here. self-managed: this binary
// is its own certificate authority (controller/webhook_certs.hpp).
#include <filesystem>

#include "kindlyguard/certs/certs.hpp"
#include "kindlyguard/cli/cluster_mode.hpp"
#include "kindlyguard/controller/webhook_certs.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::cli {

std::vector<FlagSpec> certs_flags() {
  return {
      {"certs-mode", "provided (the TLS files are given), self-managed (kept in --certs-secret by the leader) or cert-manager",
       "provided"},
      {"certs-secret", "self-managed: the Secret holding the CA and the serving certificate", "kindlyguard-tls"},
      {"webhook-config-name", "self-managed: the ValidatingWebhookConfiguration whose caBundle is kept current", "kindlyguard"},
      {"service-name", "self-managed: the webhook's Service; the certificate names <service>.<namespace>.svc", "kindlyguard"},
      {"certs-ca-validity", "self-managed: lifetime of the CA (replaced at two thirds)", "43800h"},
      {"certs-validity", "self-managed: lifetime of the serving certificate (reissued at two thirds)", "8760h"},
  };
}

namespace {

// A short-lived pair so the server can start (and answer probes) before the Secret is read.
Result<bool> bootstrap_files(const std::string& cert_file, const std::string& key_file,
                             const std::vector<std::string>& dns_names) {
  if (std::filesystem::exists(cert_file) && std::filesystem::exists(key_file)) return true;
  for (const auto& f : {cert_file, key_file}) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(f).parent_path(), ec);
  }
  auto ca = certs::generate_ca({"kindlyguard-bootstrap", std::chrono::hours(24)});
  if (!ca.ok()) return ca.error();
  certs::LeafOptions lo;
  lo.dns_names = dns_names;
  lo.validity = std::chrono::hours(24);
  auto leaf = certs::issue(*ca, lo);
  if (!leaf.ok()) return leaf.error();
  auto k = certs::write_file_atomic(key_file, leaf->key_pem, 0600);
  if (!k.ok()) return Error{k.error().to_string() + " (self-managed mode writes the serving files: point --tls-key-file at a writable place)", "--tls-key-file"};
  auto c = certs::write_file_atomic(cert_file, leaf->cert_pem, 0644);
  if (!c.ok()) return Error{c.error().to_string() + " (self-managed mode writes the serving files: point --tls-cert-file at a writable place)", "--tls-cert-file"};
  return true;
}

}  // namespace

Result<bool> setup_webhook_certs(const Flags& flags, ClusterMode& cluster, const std::string& cert_file,
                                 const std::string& key_file) {
  const std::string mode = flags.get("certs-mode");
  if (mode == "provided" || mode == "cert-manager") return true;
  if (mode != "self-managed")
    return Error{"must be provided, self-managed or cert-manager, got \"" + mode + "\"", "--certs-mode"};

  controller::WebhookCertsOptions o;
  o.ns = cluster.own_namespace;
  o.secret_name = flags.get("certs-secret");
  o.webhook_config_name = flags.get("webhook-config-name");
  const std::string service = flags.get("service-name");
  o.rotation.dns_names = {service + "." + o.ns + ".svc", service + "." + o.ns + ".svc.cluster.local"};
  auto ca_validity = flags.get_duration("certs-ca-validity");
  if (!ca_validity.ok()) return ca_validity.error();
  auto validity = flags.get_duration("certs-validity");
  if (!validity.ok()) return validity.error();
  o.rotation.ca_validity = std::chrono::duration_cast<std::chrono::seconds>(*ca_validity);
  o.rotation.cert_validity = std::chrono::duration_cast<std::chrono::seconds>(*validity);
  // Certificates are backdated 5 minutes (clock skew); shorter lives would be due at once.
  if (o.rotation.cert_validity < std::chrono::minutes(3) || o.rotation.ca_validity < o.rotation.cert_validity)
    return Error{"the serving certificate must live at least 3m, and the CA at least as long", "--certs-validity"};

  auto boot = bootstrap_files(cert_file, key_file, o.rotation.dns_names);
  if (!boot.ok()) return boot.error();

  // Every replica: the Secret's pair into the serving files.
  auto sync = std::make_shared<controller::ServingFileSync>(cert_file, key_file);
  client::InformerOptions io;
  io.resource = client::resources::secrets;
  io.ns = o.ns;
  io.field_selector = "metadata.name=" + o.secret_name;  // RBAC can then name this one Secret
  auto& informer = cluster.op->informers().get(io);
  client::InformerHandlers h;
  h.on_add = [sync](const nlohmann::json& s) { sync->on_secret(s); };
  h.on_update = [sync](const nlohmann::json&, const nlohmann::json& s) { sync->on_secret(s); };
  informer.add_handlers(std::move(h));
  const std::string where = o.ns + "/" + o.secret_name;
  cluster.readiness_checks.push_back([sync, where] {
    return sync->synced() ? std::string() : "waiting for the serving certificate in Secret " + where;
  });
  cluster.keep_alive.push_back(sync);

  // The leader: the Secret and the caBundle.
  controller::ControllerOptions co;
  co.name = "webhook-certs";
  co.list_keys = [] { return std::vector<std::string>{"certs"}; };
  auto* controller_ptr = new controller::Controller(co, controller::webhook_certs_reconciler(*cluster.api, informer, o));
  std::unique_ptr<controller::Controller> c(controller_ptr);
  // A Secret changed by someone else is checked again at once.
  client::InformerHandlers again;
  again.on_update = [controller_ptr](const nlohmann::json&, const nlohmann::json&) { controller_ptr->enqueue("certs"); };
  again.on_delete = [controller_ptr](const nlohmann::json&) { controller_ptr->enqueue("certs"); };
  informer.add_handlers(std::move(again));
  cluster.op->add_controller(std::move(c));
  log::info("self-managed certificates", {{"secret", where}, {"webhookConfiguration", o.webhook_config_name},
                                          {"dnsNames", o.rotation.dns_names[0]}});
  return true;
}

}  // namespace kindlyguard::cli
