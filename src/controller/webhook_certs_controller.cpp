// certs.mode's factory (controller/webhook_certs.hpp). provided and cert-manager: the serving files
// come from a Secret volume and the HTTPS server reloads them; nothing to run. self-managed: this
// binary is its own certificate authority: bootstrap serving files so the server can start, keep
// them equal to the Secret on every replica, and let the leader rotate the Secret and caBundle.
#include <filesystem>

#include "kindlyguard/certs/certs.hpp"
#include "kindlyguard/controller/operator_config.hpp"
#include "kindlyguard/controller/webhook_certs.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::controller {

namespace {

// A short-lived pair so the server can start (and answer probes) before the Secret is read.
Status bootstrap_files(const std::string& cert_file, const std::string& key_file,
                             const std::vector<std::string>& dns_names) {
  if (std::filesystem::exists(cert_file) && std::filesystem::exists(key_file)) return {};
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
  return {};
}

}  // namespace

Result<std::unique_ptr<Controller>> make_webhook_certs_controller(OperatorContext& ctx) {
  const CertificatesConfig& certs = ctx.config.certs;
  if (certs.mode != CertificatesConfig::Mode::SelfManaged) return std::unique_ptr<Controller>();

  WebhookCertsOptions o;
  o.ns = ctx.config.leader_election.ns;
  o.secret_name = certs.secret_name;
  o.webhook_config_name = certs.webhook_config_name;
  o.rotation.dns_names = {certs.service_name + "." + o.ns + ".svc", certs.service_name + "." + o.ns + ".svc.cluster.local"};
  o.rotation.ca_validity = certs.ca_validity;
  o.rotation.cert_validity = certs.cert_validity;

  auto boot = bootstrap_files(certs.cert_file, certs.key_file, o.rotation.dns_names);
  if (!boot.ok()) return boot.error();

  // Every replica: the Secret's pair into the serving files.
  auto sync = std::make_shared<ServingFileSync>(certs.cert_file, certs.key_file);
  client::InformerOptions io;
  io.resource = client::resources::secrets;
  io.ns = o.ns;
  io.field_selector = "metadata.name=" + o.secret_name;  // RBAC can then name this one Secret
  auto& informer = ctx.informers.get(io);
  client::InformerHandlers h;
  h.on_add = [sync](const nlohmann::json& s) { sync->on_secret(s); };
  h.on_update = [sync](const nlohmann::json&, const nlohmann::json& s) { sync->on_secret(s); };
  informer.add_handlers(std::move(h));
  const std::string where = o.ns + "/" + o.secret_name;
  ctx.add_readiness_check([sync, where] {
    return sync->synced() ? std::string() : "waiting for the serving certificate in Secret " + where;
  });
  log::info("self-managed certificates", {{"secret", where}, {"webhookConfiguration", o.webhook_config_name},
                                          {"dnsNames", o.rotation.dns_names[0]}});

  // The leader: the Secret and the caBundle.
  ControllerOptions co;
  co.name = "webhook-certs";
  co.list_keys = [] { return std::vector<std::string>{"certs"}; };
  co.on_result = [&sink = ctx.sink](const std::string& c, const char* r) { sink.count_reconcile(c, r); };
  auto c = std::make_unique<Controller>(co, webhook_certs_reconciler(ctx.api, informer, std::move(o)));
  // A Secret changed by someone else is checked again at once.
  client::InformerHandlers again;
  again.on_update = [raw = c.get()](const nlohmann::json&, const nlohmann::json&) { raw->enqueue("certs"); };
  again.on_delete = [raw = c.get()](const nlohmann::json&) { raw->enqueue("certs"); };
  informer.add_handlers(std::move(again));
  return c;
}

}  // namespace kindlyguard::controller
