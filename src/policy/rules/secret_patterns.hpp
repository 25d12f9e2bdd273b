#pragma once
// Private to the plaintextSecrets rule: what makes an environment variable's literal value a
// secret, by its name or by the value's own format. Each answer is the kind of secret only
// ("a GitHub token"), never any part of the value, so no caller can echo what it found.

#include <string>
#include <string_view>
#include <vector>

namespace kindlyguard::policy::rules {

// The words of an environment variable name, upper-cased: split on '_', '-', '.' and camelCase
// boundaries ("dbPassword" -> DB PASSWORD, "APIKey" -> API KEY, "OAUTH2_TOKEN" -> OAUTH2 TOKEN).
std::vector<std::string> name_words(std::string_view name);

// "a password", "a token", ... when a word (or pair of words) of the name says the variable
// holds a secret and no suffix word after it says the value is about a secret rather than the
// secret itself (DB_PASSWORD_FILE, TOKEN_TTL, SECRET_NAME); "" otherwise.
std::string secret_by_name(std::string_view name);

// "a PEM private key", "an AWS access key ID", ... when the value holds a well-known secret
// format anywhere in it; "" otherwise.
std::string secret_by_value(std::string_view value);

// True when the value is nothing but variable references ($(VAR), ${VAR}, $VAR): the kubelet or
// the program fills them in, so the pod spec holds no literal.
bool only_references(std::string_view value);

}  // namespace kindlyguard::policy::rules
