#pragma once
// Who quarantined a pod, recorded on the pod as the annotation kindlyguard.io/quarantined-by.
//
// The webhook is the only place that sees the user behind the request that sets the quarantine
// label, and a validating webhook cannot change the object it admits. So the replica that
// admitted the request remembers (namespace, pod, user), waits until the label has landed (the
// pod shows up, labeled, in the quarantined-pods informer every replica keeps: a request that
// another webhook or the API server refused never lands, and is forgotten after `wait`), and then
// patches the annotation onto the pod, conditional on the resourceVersion it saw, unless the pod
// already names someone. The quarantine guard lets only kindlyguard's own user (--kindlyguard-user)
// write that annotation, so it cannot be forged to dodge the two-person release; the leader copies
// it into the pod's QuarantineRecord (spec.quarantinedBy) and clears it on release.
//
// Limits, said plainly: the annotation follows the label by a moment (the release guard treats a
// pod without it as quarantined by nobody known, so the two-person rule cannot hold for a release
// in that moment); and a pod created with the label is attributed only when its name is known at
// admission (not with generateName).

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kindlyguard/client/api_client.hpp"
#include "kindlyguard/client/informer.hpp"

namespace kindlyguard::controller {

class QuarantineAttribution {
 public:
  // `pods`: the quarantined pods (label key=value), on every replica; both must outlive this.
  QuarantineAttribution(client::ApiClient& api, client::Informer& pods,
                        std::chrono::milliseconds wait = std::chrono::seconds(30));
  ~QuarantineAttribution();
  QuarantineAttribution(const QuarantineAttribution&) = delete;
  QuarantineAttribution& operator=(const QuarantineAttribution&) = delete;

  // `user` set the quarantine label on pod ns/name (an admitted, not dry-run request).
  void quarantined(const std::string& ns, const std::string& name, const std::string& user);

 private:
  struct Pending {
    std::string ns, name, user;
    std::chrono::steady_clock::time_point deadline;
  };
  void run(std::stop_token stop);
  // True when the pod is done with (annotated, by us or before; gone).
  bool attribute(const Pending& p);

  client::ApiClient& api_;
  client::Informer& pods_;
  const std::chrono::milliseconds wait_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::vector<Pending> pending_;
  std::jthread worker_;
};

}  // namespace kindlyguard::controller
