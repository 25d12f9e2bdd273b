#include "support/webhook_process.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <filesystem>
#include <stdexcept>

namespace kindlyguard::testing {

int port_in_log(const std::string& log, const std::string& msg) {
  std::size_t start = 0;
  while (start < log.size()) {
    std::size_t end = log.find('\n', start);
    if (end == std::string::npos) break;  // an unfinished line
    auto j = nlohmann::json::parse(log.substr(start, end - start), nullptr, false);
    if (j.is_object() && j.value("msg", "") == msg) {
      std::string addr = j.value("address", "");
      return std::stoi(addr.substr(addr.rfind(':') + 1));
    }
    start = end + 1;
  }
  return 0;
}

RunResult run_binary(const std::vector<std::string>& args, const std::string& stdin_file,
                     const std::map<std::string, std::string>& env) {
  TempDir logs;
  std::vector<std::string> full = args;
  std::string bin = KINDLY_BINARY;
  RunResult r;
  if (!stdin_file.empty()) {
    // Route stdin through a shell redirect: Process gives its child /dev/null as stdin.
    std::string cmd = "'" + bin + "'";
    for (const auto& a : args) cmd += " '" + a + "'";
    cmd += " < '" + stdin_file + "'";
    Process p("/bin/sh", {"-c", cmd}, logs.path(), env);
    r.exit_code = p.wait_exit(std::chrono::seconds(60)).value_or(-1);
    r.out = p.stdout_text();
    r.err = p.stderr_text();
    return r;
  }
  Process p(bin, full, logs.path(), env);
  r.exit_code = p.wait_exit(std::chrono::seconds(60)).value_or(-1);
  r.out = p.stdout_text();
  r.err = p.stderr_text();
  return r;
}

WebhookProcess::WebhookProcess(const std::map<std::string, std::string>& policies,
                               const std::vector<std::string>& extra_args,
                               const std::map<std::string, std::string>& env, const ClientCertificate& client)
    : client_(client) {
  std::filesystem::create_directories(policy_dir());
  for (const auto& [name, yaml] : policies) dir_.write("policies/" + name, yaml);
  start({"--policy-dir", policy_dir()}, extra_args, env);
}

WebhookProcess::WebhookProcess(const Cluster& cluster, const std::vector<std::string>& extra_args,
                               const std::map<std::string, std::string>& env) {
  start({"--kubeconfig", cluster.kubeconfig}, extra_args, env);
}

void WebhookProcess::start(std::vector<std::string> source_args, const std::vector<std::string>& extra_args,
                           const std::map<std::string, std::string>& env) {
  auto certs = run_binary({"certs", "self-signed", "--out-dir", dir_.file("tls"), "--dns", "localhost", "--ip", "127.0.0.1"});
  if (certs.exit_code != 0) throw std::runtime_error("certs self-signed failed: " + certs.err);

  std::vector<std::string> args = {"serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"};
  args.insert(args.end(), source_args.begin(), source_args.end());
  bool cert_from_env = env.count("KINDLY_TLS_CERT_FILE") > 0;
  ca_file_ = dir_.file("tls/ca.crt");
  if (cert_from_env) {
    std::string cert = env.at("KINDLY_TLS_CERT_FILE");
    ca_file_ = cert.substr(0, cert.rfind('/')) + "/ca.crt";
  } else {
    args.insert(args.end(), {"--tls-cert-file", dir_.file("tls/tls.crt"), "--tls-key-file", dir_.file("tls/tls.key")});
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  proc_ = std::make_unique<Process>(KINDLY_BINARY, args, dir_.path(), env);
  bool up = eventually(
      [&] {
        if (!proc_->running()) return true;
        port_ = port_in_log(proc_->stderr_text(), "webhook serving");
        metrics_port_ = port_in_log(proc_->stderr_text(), "metrics serving");
        return port_ != 0;
      },
      std::chrono::seconds(30));
  if (!up || port_ == 0)
    throw std::runtime_error("webhook did not start: " + proc_->stderr_text());
  bool healthy = eventually(
      [&] {
        auto r = server::request("GET", url("/healthz"), {}, {}, tls());
        return r.ok() && r->status == 200;
      },
      std::chrono::seconds(30));
  if (!healthy) throw std::runtime_error("webhook not healthy: " + proc_->stderr_text());
}

server::ClientOptions WebhookProcess::tls() const {
  server::ClientOptions o;
  o.ca_file = ca_file_;
  o.cert_file = client_.cert_file;
  o.key_file = client_.key_file;
  o.timeout = std::chrono::seconds(10);
  return o;
}

Result<server::ClientResponse> WebhookProcess::review(const std::string& body) const {
  return server::request("POST", url("/validate"), body, {{"Content-Type", "application/json"}}, tls());
}

void WebhookProcess::rotate_certificates() {
  TempDir fresh;
  auto certs = run_binary({"certs", "self-signed", "--out-dir", fresh.path(), "--dns", "localhost", "--ip", "127.0.0.1"});
  if (certs.exit_code != 0) throw std::runtime_error("certs self-signed failed: " + certs.err);
  // As a Secret volume update would: each file replaced whole; key first, then certificate.
  dir_.write("tls/tls.key", read_file(fresh.file("tls.key")));
  dir_.write("tls/ca.crt", read_file(fresh.file("ca.crt")));
  dir_.write("tls/tls.crt", read_file(fresh.file("tls.crt")));
}

int readyz(const WebhookProcess& hook, std::string* body) {
  auto r = server::request("GET", hook.url("/readyz"), {}, {}, hook.tls());
  if (!r.ok()) return 0;
  if (body) *body = r->body;
  return r->status;
}

std::string scrape(const WebhookProcess& hook) {
  auto m = server::request("GET", "http://127.0.0.1:" + std::to_string(hook.metrics_port()) + "/metrics");
  return m.ok() && m->status == 200 ? m->body : std::string();
}

double metric(const std::string& exposition, const std::string& series) {
  std::size_t at = 0;
  while ((at = exposition.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || exposition[at - 1] == '\n') {
      auto end = exposition.find('\n', at);
      return std::stod(exposition.substr(at + series.size() + 1, end - at - series.size() - 1));
    }
    at += series.size();
  }
  return -1;
}

double metric(const WebhookProcess& hook, const std::string& series) { return metric(scrape(hook), series); }

std::string review_json(const std::string& object_json, const std::string& operation, const std::string& uid,
                        const std::string& username, const std::string& old_object_json, bool dry_run) {
  nlohmann::json obj = nlohmann::json::parse(object_json);
  std::string kind = obj.value("kind", "Pod");
  nlohmann::json req = {{"uid", uid},
                        {"kind", {{"group", kind == "Pod" ? "" : "apps"}, {"version", "v1"}, {"kind", kind}}},
                        {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
                        {"namespace", obj["metadata"].value("namespace", "default")},
                        {"name", obj["metadata"].value("name", "")},
                        {"operation", operation},
                        {"userInfo", {{"username", username}, {"groups", {"system:authenticated"}}}},
                        {"object", obj},
                        {"dryRun", dry_run}};
  if (!old_object_json.empty()) req["oldObject"] = nlohmann::json::parse(old_object_json);
  return nlohmann::json({{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", req}}).dump();
}

}  // namespace kindlyguard::testing
