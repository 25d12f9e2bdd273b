// Just enough of the Kubernetes protobuf encoding ("k8s\0" + runtime.Unknown) to read what
// `kubectl create namespace|configmap|secret|serviceaccount` sends.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "kindly_test_apiserver/resources.hpp"

namespace kindly::testapi {

// The object as JSON; throws ApiError 415 for kinds it cannot read, 400 for broken input.
nlohmann::json decode_k8s_protobuf(const std::string& body, const ResourceInfo& r);

}  // namespace kindly::testapi
