// meta.k8s.io/v1 Table output, what `kubectl get` asks for: Name and Age for every resource,
// the familiar columns for a few built-ins, and a CRD's additionalPrinterColumns when the
// CustomResourceDefinition is in the store.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "kindly_test_apiserver/resources.hpp"

namespace kindly::testapi {

struct TableOptions {
  std::string include_object = "Metadata";  // None | Metadata | Object
  bool no_headers = false;                  // omit columnDefinitions (later watch events)
  std::string resource_version;
  std::string continue_token;
  nlohmann::json crd;  // the CustomResourceDefinition for custom resources, or null
};

nlohmann::json to_table(const ResourceInfo& r, const std::vector<nlohmann::json>& objects, const TableOptions& opts);

// True when an Accept header asks for a Table (as=Table;g=meta.k8s.io).
bool wants_table(const std::string& accept);

// The JSONPath subset CRD printer columns use: .a.b, ['a.b'], [0], [*], [?(@.k=="v")].
std::vector<nlohmann::json> eval_jsonpath(const nlohmann::json& obj, const std::string& path);

}  // namespace kindly::testapi
