// Container logs for `GET /api/v1/namespaces/<ns>/pods/<name>/log` (the pods/log subresource):
// the test server runs no kubelet, so a test says what each container has logged.
//
//   api.pod_logs().set("team", "web-1", "app", "line 1\nline 2\n");          // the running container
//   api.pod_logs().set("team", "web-1", "app", "crashed\n", /*previous=*/true);  // the one before it
//
// The endpoint answers as the real one does: text/plain; `container` (required when the pod has
// several containers, 400 naming them), `previous` (400 when there was no previous container),
// `tailLines` (the last N lines) and then `limitBytes` (the first N bytes of that); a container
// nobody set a log for is "waiting to start" (400), as one without a running container is.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

namespace kindly::testapi {

class PodLogs {
 public:
  void set(const std::string& ns, const std::string& pod, const std::string& container, std::string text,
           bool previous = false);
  void clear();
  std::optional<std::string> get(const std::string& ns, const std::string& pod, const std::string& container,
                                 bool previous) const;

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string, bool>, std::string> logs_;
};

}  // namespace kindly::testapi
