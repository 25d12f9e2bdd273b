#pragma once
// The webhook's HTTP surface: POST /validate (405 for another method, 415 for a body that is not
// JSON, the AdmissionReview answer otherwise), the probes /healthz, /livez and /readyz, and a JSON
// 404 for anything else. The probe-only routes serve --probe-listen: never /validate, so that port
// can go without client certificates.
#include <functional>
#include <string>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/server/https_server.hpp"

namespace kindlyguard::admission {

// "" when ready; else why not, for /readyz's 503 body. Called on every probe.
using ReadinessFn = std::function<std::string()>;

// `handler` and `not_ready` must outlive the server that calls the returned function.
server::Handler webhook_routes(const Handler& handler, ReadinessFn not_ready);
server::Handler probe_routes(ReadinessFn not_ready);

}  // namespace kindlyguard::admission
