// Object-meta validation with kube-apiserver's wording (names, label keys and values).
#pragma once

#include <nlohmann/json.hpp>

#include "kindly_test_apiserver/resources.hpp"

namespace kindly::testapi::validation {

// Throws ApiError 422 Invalid naming the field, as the real server does.
void validate_object_meta(const ResourceInfo& r, const nlohmann::json& obj);

bool is_dns1123_subdomain(const std::string& s);
bool is_dns1123_label(const std::string& s);
bool is_label_value(const std::string& s);
bool is_qualified_name(const std::string& s);  // a label key

}  // namespace kindly::testapi::validation
