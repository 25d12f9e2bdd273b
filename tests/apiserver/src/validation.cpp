#include "validation.hpp"

#include <regex>

#include "kindly_test_apiserver/status.hpp"

namespace kindly::testapi::validation {

using nlohmann::json;

namespace {
const char* kSubdomainMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const char* kLabelMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
    "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const char* kLabelValueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation "
    "is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const char* kQualifiedNameMsg =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

std::string invalid_value(const std::string& v, const std::string& why) {
  return "Invalid value: \"" + v + "\": " + why;
}
}  // namespace

bool is_dns1123_subdomain(const std::string& s) {
  static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  return !s.empty() && s.size() <= 253 && std::regex_match(s, re);
}

bool is_dns1123_label(const std::string& s) {
  static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  return !s.empty() && s.size() <= 63 && std::regex_match(s, re);
}

bool is_label_value(const std::string& s) {
  static const std::regex re("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  return s.size() <= 63 && std::regex_match(s, re);
}

bool is_qualified_name(const std::string& s) {
  static const std::regex re("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  std::string name = s;
  const auto slash = s.find('/');
  if (slash != std::string::npos) {
    const std::string prefix = s.substr(0, slash);
    if (!is_dns1123_subdomain(prefix)) return false;
    name = s.substr(slash + 1);
  }
  return !name.empty() && name.size() <= 63 && std::regex_match(name, re);
}

void validate_object_meta(const ResourceInfo& r, const json& obj) {
  const json& meta = obj.at("metadata");
  const std::string name = meta.value("name", "");
  if (r.group.empty() && r.plural == "namespaces") {
    if (!is_dns1123_label(name)) throw errors::invalid(r, name, "metadata.name", invalid_value(name, kLabelMsg));
  } else if (!is_dns1123_subdomain(name)) {
    throw errors::invalid(r, name, "metadata.name", invalid_value(name, kSubdomainMsg));
  }
  if (r.group == "apiextensions.k8s.io" && r.plural == "customresourcedefinitions") {
    const json spec = obj.value("spec", json::object());
    const std::string want =
        spec.value("names", json::object()).value("plural", "") + "." + spec.value("group", "");
    if (name != want) {
      throw errors::invalid(r, name, "metadata.name", invalid_value(name, "must be spec.names.plural+\".\"+spec.group"));
    }
  }
  if (meta.contains("labels")) {
    const json& labels = meta["labels"];
    if (!labels.is_object() && !labels.is_null()) {
      throw errors::bad_request("metadata.labels must be a map of string keys to string values");
    }
    if (labels.is_object()) {
      for (auto it = labels.begin(); it != labels.end(); ++it) {
        if (!is_qualified_name(it.key())) {
          throw errors::invalid(r, name, "metadata.labels", invalid_value(it.key(), kQualifiedNameMsg));
        }
        if (!it.value().is_string()) {
          throw errors::bad_request("json: cannot unmarshal " + std::string(it.value().type_name()) +
                                    " into Go struct field ObjectMeta.metadata.labels of type string");
        }
        const std::string v = it.value().get<std::string>();
        if (!is_label_value(v)) throw errors::invalid(r, name, "metadata.labels", invalid_value(v, kLabelValueMsg));
      }
    }
  }
  if (meta.contains("annotations") && meta["annotations"].is_object()) {
    for (auto it = meta["annotations"].begin(); it != meta["annotations"].end(); ++it) {
      if (!it.value().is_string()) {
        throw errors::bad_request("json: cannot unmarshal " + std::string(it.value().type_name()) +
                                  " into Go struct field ObjectMeta.metadata.annotations of type string");
      }
    }
  }
}

}  // namespace kindly::testapi::validation
