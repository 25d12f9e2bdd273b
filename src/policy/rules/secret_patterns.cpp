// What makes an environment variable a secret (see secret_patterns.hpp and the plaintextSecrets
// rule's doc block). Every function answers with a kind of secret, never with a piece of the
// value: nothing that reads a value here can hand it on.
#include "secret_patterns.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>

#include <nlohmann/json.hpp>

#include "kindlyguard/util/base64.hpp"

namespace kindlyguard::policy::rules {
namespace {

bool upper(char c) { return c >= 'A' && c <= 'Z'; }
bool lower(char c) { return c >= 'a' && c <= 'z'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool alnum(char c) { return upper(c) || lower(c) || digit(c); }
bool base64url(char c) { return alnum(c) || c == '-' || c == '_'; }

bool one_of(const std::string& word, std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// A word (or two adjacent words) that says the variable holds a secret, and what it holds.
// Whole words only: TOKENIZER, SECRETARY and PASSWORDLESS are not secrets.
std::string secret_word(const std::vector<std::string>& w, std::size_t i, std::size_t& width) {
  width = 1;
  if (one_of(w[i], {"PASSWORD", "PASSWORDS", "PASSWD", "PGPASSWORD"})) return "a password";
  if (one_of(w[i], {"SECRET", "SECRETS"})) return "a secret";
  // Not TOKENS: MAX_TOKENS, MAX_NEW_TOKENS are how language model servers count words.
  if (w[i] == "TOKEN") return "a token";
  if (one_of(w[i], {"CREDENTIAL", "CREDENTIALS"})) return "a credential";
  if (w[i] == "APIKEY") return "an API key";
  if (w[i] == "PRIVATEKEY") return "a private key";
  if (w[i] == "ACCESSKEY") return "an access key";
  if (i + 1 < w.size() && w[i + 1] == "KEY") {
    width = 2;
    if (w[i] == "API") return "an API key";
    if (w[i] == "PRIVATE") return "a private key";
    if (w[i] == "ACCESS") return "an access key";
  }
  return "";
}

// Words that, after the secret word, make the variable about the secret rather than the secret:
// where it is (DB_PASSWORD_FILE=/run/secrets/db), which one (TLS_SECRET_NAME=web-tls), a switch
// or a setting (TOKEN_AUTH_ENABLED, PASSWORD_MIN_LENGTH, TOKEN_TTL) or an endpoint (TOKEN_URL).
bool about_the_secret(const std::string& word) {
  return one_of(word, {// where it is
                       "FILE", "FILES", "PATH", "DIR", "DIRECTORY", "FOLDER", "LOCATION", "MOUNT",
                       // which one
                       "NAME", "REF", "REFERENCE",
                       // a switch or a setting
                       "ENABLED", "DISABLED", "ENABLE", "DISABLE", "REQUIRED", "MODE", "TYPE", "FORMAT",
                       "ALGORITHM", "METHOD", "POLICY", "VERSION",
                       // a size, a count or a time
                       "LENGTH", "LEN", "SIZE", "MIN", "MAX", "LIMIT", "COUNT", "RETRIES", "TTL", "TIMEOUT", "EXPIRY",
                       "EXPIRATION", "EXPIRES", "LIFETIME", "DURATION", "INTERVAL", "AGE",
                       // where it is checked or issued
                       "URL", "URI", "ENDPOINT", "HOST", "PORT", "HEADER", "ISSUER", "AUDIENCE", "SCOPE", "SCOPES"});
}

// True when `s` at `i` starts with `prefix` not preceded by a letter or digit (so "xghp_" is
// not a GitHub token but "Bearer ghp_" is), followed by at least `min` characters `ok` accepts;
// `end` is set past them.
template <class Ok>
bool token_at(std::string_view s, std::size_t i, std::string_view prefix, std::size_t min, Ok ok, std::size_t& end) {
  if (s.compare(i, prefix.size(), prefix) != 0) return false;
  if (i > 0 && alnum(s[i - 1])) return false;
  end = i + prefix.size();
  while (end < s.size() && ok(s[end])) ++end;
  return end - i - prefix.size() >= min;
}

// A JWT: header.payload.signature in base64url, the header a JSON object naming its "alg".
bool jwt_at(std::string_view s, std::size_t i) {
  std::size_t end = 0;
  if (!token_at(s, i, "eyJ", 1, [](char c) { return base64url(c) || c == '.'; }, end)) return false;
  std::string_view token = s.substr(i, end - i);
  if (std::count(token.begin(), token.end(), '.') != 2) return false;
  const std::size_t dot = token.find('.');
  if (token.find('.', dot + 1) == dot + 1) return false;  // an empty payload
  std::string header(token.substr(0, dot));
  std::replace(header.begin(), header.end(), '-', '+');
  std::replace(header.begin(), header.end(), '_', '/');
  auto decoded = base64_decode(header);
  if (!decoded) return false;
  auto j = nlohmann::json::parse(*decoded, nullptr, false);
  return j.is_object() && j.contains("alg") && j["alg"].is_string();
}

// A PEM block whose label names a private key (RSA, EC, OPENSSH, ENCRYPTED, PGP ... PRIVATE KEY).
bool pem_private_key(std::string_view s) {
  for (std::size_t at = s.find("-----BEGIN "); at != std::string_view::npos; at = s.find("-----BEGIN ", at + 1)) {
    const std::size_t label = at + 11;
    const std::size_t close = s.find("-----", label);
    if (close == std::string_view::npos) return false;
    if (s.substr(label, close - label).find("PRIVATE KEY") != std::string_view::npos) return true;
  }
  return false;
}

// scheme://user:password@host with a password that is a literal, not a reference.
bool url_with_password(std::string_view s) {
  for (std::size_t at = s.find("://"); at != std::string_view::npos; at = s.find("://", at + 3)) {
    std::size_t start = at;
    while (start > 0 && (alnum(s[start - 1]) || s[start - 1] == '+' || s[start - 1] == '.' || s[start - 1] == '-')) --start;
    if (start == at || !(upper(s[start]) || lower(s[start]))) continue;  // no scheme
    const std::size_t auth = at + 3;
    std::size_t auth_end = auth;
    while (auth_end < s.size() && std::string_view("/?# \t\r\n").find(s[auth_end]) == std::string_view::npos) ++auth_end;
    std::string_view authority = s.substr(auth, auth_end - auth);
    const std::size_t atsign = authority.rfind('@');
    if (atsign == std::string_view::npos || atsign + 1 == authority.size()) continue;  // no user info, or no host
    std::string_view userinfo = authority.substr(0, atsign);
    const std::size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view password = userinfo.substr(colon + 1);
    if (!password.empty() && !only_references(password)) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> name_words(std::string_view name) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!alnum(c)) {
      flush();
      continue;
    }
    if (upper(c) && i > 0) {
      const char prev = name[i - 1];
      const bool next_lower = i + 1 < name.size() && lower(name[i + 1]);
      // dbPassword, s3Bucket; and the last capital of a run before a lower-case letter: APIKey.
      if (lower(prev) || digit(prev) || (upper(prev) && next_lower)) flush();
    }
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  flush();
  return words;
}

std::string secret_by_name(std::string_view name) {
  const auto words = name_words(name);
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::size_t width = 1;
    std::string kind = secret_word(words, i, width);
    if (kind.empty()) continue;
    if (std::none_of(words.begin() + static_cast<std::ptrdiff_t>(i + width), words.end(), about_the_secret)) return kind;
  }
  return "";
}

std::string secret_by_value(std::string_view v) {
  if (pem_private_key(v)) return "a PEM private key";
  std::size_t end = 0;
  auto upper_alnum = [](char c) { return upper(c) || digit(c); };
  for (std::size_t i = 0; i < v.size(); ++i) {
    for (auto p : {"AKIA", "ASIA"})
      if (token_at(v, i, p, 16, upper_alnum, end) && end - i == 20 && (end == v.size() || !alnum(v[end])))
        return "an AWS access key ID";
    for (auto p : {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"})
      if (token_at(v, i, p, 30, alnum, end)) return "a GitHub token";
    if (token_at(v, i, "github_pat_", 22, [](char c) { return alnum(c) || c == '_'; }, end)) return "a GitHub token";
    if (token_at(v, i, "glpat-", 20, base64url, end)) return "a GitLab token";
    for (auto p : {"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"})
      if (token_at(v, i, p, 10, [](char c) { return alnum(c) || c == '-'; }, end)) return "a Slack token";
    if (jwt_at(v, i)) return "a JSON Web Token";
  }
  if (url_with_password(v)) return "a URL with a password";
  return "";
}

bool only_references(std::string_view v) {
  if (v.empty()) return false;
  std::size_t i = 0;
  auto name_char = [](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; };
  while (i < v.size()) {
    if (v[i] != '$' || i + 1 >= v.size()) return false;
    const char open = v[i + 1];
    if (open == '(' || open == '{') {
      const char close = open == '(' ? ')' : '}';
      std::size_t j = i + 2;
      while (j < v.size() && name_char(v[j])) ++j;
      if (j == i + 2 || j >= v.size() || v[j] != close) return false;
      i = j + 1;
    } else if (upper(open) || lower(open) || open == '_') {
      std::size_t j = i + 1;
      while (j < v.size() && (alnum(v[j]) || v[j] == '_')) ++j;
      i = j;
    } else {
      return false;  // "$$(X)" is the escape for the literal text $(X)
    }
  }
  return true;
}

}  // namespace kindlyguard::policy::rules
