// kindly-test-apiserver: the test API server as a process, for manual runs and kubectl.
//
//   kindly-test-apiserver [--address 127.0.0.1] [--port 0] [--tls-cert F --tls-key F | --self-signed]
//                         [--token TOKEN=USER[:GROUP,...]]... [--require-auth]
//                         [--bookmark-interval-ms 60000] [--history 10000]
//                         [--kubeconfig PATH [--kubeconfig-token TOKEN]]
//
// Prints "listening on <url>" once serving; stops on SIGINT/SIGTERM. Fault injection and
// inspection over HTTP under /_test/ (see README.md).
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include "kindly_test_apiserver/server.hpp"
#include "kindly_test_apiserver/tls.hpp"

namespace {

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "kindly-test-apiserver: " << why << "\n"
            << "usage: kindly-test-apiserver [--address A] [--port P] [--tls-cert F --tls-key F | --self-signed]\n"
            << "         [--token TOKEN=USER[:GROUP,...]]... [--require-auth] [--bookmark-interval-ms N]\n"
            << "         [--history N] [--kubeconfig PATH] [--kubeconfig-token TOKEN]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kindly::testapi;
  ServerOptions opts;
  std::string kubeconfig_path, kubeconfig_token;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage("missing value for " + a);
      return argv[++i];
    };
    if (a == "--address") {
      opts.address = next();
    } else if (a == "--port") {
      opts.port = static_cast<unsigned short>(std::stoi(next()));
    } else if (a == "--tls-cert") {
      opts.tls_cert_file = next();
    } else if (a == "--tls-key") {
      opts.tls_key_file = next();
    } else if (a == "--self-signed") {
      const auto pair = generate_self_signed_certificate();
      opts.tls_cert_pem = pair.cert_pem;
      opts.tls_key_pem = pair.key_pem;
    } else if (a == "--token") {
      const std::string v = next();
      const auto eq = v.find('=');
      if (eq == std::string::npos) usage("--token wants TOKEN=USER[:GROUP,...]");
      UserInfo u;
      std::string rest = v.substr(eq + 1);
      const auto colon = rest.find(':');
      u.groups = {"system:authenticated"};
      if (colon != std::string::npos && !rest.starts_with("system:serviceaccount:")) {
        std::string groups = rest.substr(colon + 1);
        rest = rest.substr(0, colon);
        std::size_t start = 0;
        while (start <= groups.size()) {
          const auto comma = groups.find(',', start);
          const std::string g = groups.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
          if (!g.empty()) u.groups.push_back(g);
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      }
      u.name = rest;
      opts.tokens[v.substr(0, eq)] = u;
    } else if (a == "--require-auth") {
      opts.require_auth = true;
    } else if (a == "--bookmark-interval-ms") {
      opts.bookmark_interval = std::chrono::milliseconds(std::stoll(next()));
    } else if (a == "--history") {
      opts.store.history_limit = std::stoull(next());
    } else if (a == "--kubeconfig") {
      kubeconfig_path = next();
    } else if (a == "--kubeconfig-token") {
      kubeconfig_token = next();
    } else if (a == "-h" || a == "--help") {
      usage("help");
    } else {
      usage("unknown flag " + a);
    }
  }

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // every thread started below inherits the mask
  std::signal(SIGPIPE, SIG_IGN);

  try {
    TestApiServer server(opts);
    server.start();
    if (!kubeconfig_path.empty()) server.write_kubeconfig(kubeconfig_path, kubeconfig_token);
    std::cout << "listening on " << server.url() << std::endl;
    int sig = 0;
    sigwait(&set, &sig);
    server.stop();
  } catch (const std::exception& e) {
    std::cerr << "kindly-test-apiserver: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
