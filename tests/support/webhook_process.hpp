#pragma once
// The real `kindlyguard serve` in a temp directory with a generated certificate and a policy dir,
// for end-to-end tests. Ports are chosen by the kernel (listen on :0) and read back from the
// binary's own log, so no test races another process for a port.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kindlyguard/server/https_client.hpp"
#include "support/process.hpp"

namespace kindlyguard::testing {

// A client certificate and key (PEM files) that the test's own requests present, for a webhook
// started with --client-ca-file.
struct ClientCertificate {
  std::string cert_file;
  std::string key_file;
};

class WebhookProcess {
 public:
  // Generates certificates with `kindlyguard certs self-signed`, writes `policies` (file name ->
  // YAML) into a policy dir, starts serve and waits until /healthz answers. When `env` sets
  // KINDLY_TLS_CERT_FILE, that certificate is served and the ca.crt beside it is trusted. With
  // `client`, every request of tls() (the /healthz wait included) presents that certificate.
  explicit WebhookProcess(const std::map<std::string, std::string>& policies,
                          const std::vector<std::string>& extra_args = {},
                          const std::map<std::string, std::string>& env = {},
                          const ClientCertificate& client = {});

  // Cluster mode: policies come from the API server that `kubeconfig` points at (no --policy-dir).
  struct Cluster {
    // explicit: a braced policy map must never convert to a Cluster.
    explicit Cluster(std::string path) : kubeconfig(std::move(path)) {}
    std::string kubeconfig;
  };
  WebhookProcess(const Cluster& cluster, const std::vector<std::string>& extra_args = {},
                 const std::map<std::string, std::string>& env = {});

  TempDir& dir() { return dir_; }
  Process& process() { return *proc_; }
  std::string policy_dir() const { return dir_.file("policies"); }
  std::string url(const std::string& path) const { return "https://127.0.0.1:" + std::to_string(port_) + path; }
  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }
  server::ClientOptions tls() const;  // verifies against the generated CA (and presents `client`)

  // POSTs a review to /validate and returns the response.
  Result<server::ClientResponse> review(const std::string& body) const;

  // Regenerates the certificate files in place (new CA, new serial).
  void rotate_certificates();

 private:
  void start(std::vector<std::string> args, const std::vector<std::string>& extra_args,
             const std::map<std::string, std::string>& env);

  TempDir dir_;
  std::unique_ptr<Process> proc_;
  int port_ = 0;
  int metrics_port_ = 0;
  std::string ca_file_;
  ClientCertificate client_;
};

// Runs the binary to completion (for check, certs, health): exit code, stdout and stderr.
struct RunResult {
  int exit_code = -1;
  std::string out, err;
};
RunResult run_binary(const std::vector<std::string>& args, const std::string& stdin_file = "",
                     const std::map<std::string, std::string>& env = {});

// GET /readyz over hook.tls(): the HTTP status (0 when nothing answers), the body into `body`.
int readyz(const WebhookProcess& hook, std::string* body = nullptr);

// The /metrics exposition; empty when it cannot be read.
std::string scrape(const WebhookProcess& hook);
// The value of one series ("name{labels}") in a Prometheus text exposition; -1 when absent.
double metric(const std::string& exposition, const std::string& series);
double metric(const WebhookProcess& hook, const std::string& series);

// The port in the first JSON log line with msg == `msg` ("address": "HOST:PORT"); 0 if none yet.
int port_in_log(const std::string& log, const std::string& msg);

// An AdmissionReview for `object` (JSON text of a Pod or workload).
std::string review_json(const std::string& object_json, const std::string& operation = "CREATE",
                        const std::string& uid = "e2e-uid-1", const std::string& username = "alice",
                        const std::string& old_object_json = "", bool dry_run = false);

}  // namespace kindlyguard::testing
