#include "kindlyguard/k8s/image_ref.hpp"

#include <string>

#include <gtest/gtest.h>

namespace kindlyguard::k8s {
namespace {

const std::string kSha256 = "sha256:" + std::string(64, 'a');
const std::string kSha512 = "sha512:" + std::string(128, '0');
const std::string kSha384 = "sha384:" + std::string(96, 'f');

struct ParseCase {
  std::string image;
  std::string registry;
  std::string repository;
  std::string tag;
  std::string digest;
  std::string effective_tag;
};

const ParseCase kParses[] = {
    {"nginx", "docker.io", "library/nginx", "", "", "latest"},
    {"nginx:1.25", "docker.io", "library/nginx", "1.25", "", "1.25"},
    {"nginx:latest", "docker.io", "library/nginx", "latest", "", "latest"},
    {"docker.io/nginx", "docker.io", "library/nginx", "", "", "latest"},
    {"index.docker.io/nginx", "docker.io", "library/nginx", "", "", "latest"},
    {"docker.io/library/nginx:stable", "docker.io", "library/nginx", "stable", "", "stable"},
    {"bitnami/redis", "docker.io", "bitnami/redis", "", "", "latest"},
    {"docker.io/bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", "", "7.2"},
    {"index.docker.io/bitnami/redis", "docker.io", "bitnami/redis", "", "", "latest"},
    {"ghcr.io/acme/app:v1.2.3", "ghcr.io", "acme/app", "v1.2.3", "", "v1.2.3"},
    {"registry:5000/app:1.0", "registry:5000", "app", "1.0", "", "1.0"},
    {"registry:5000/app", "registry:5000", "app", "", "", "latest"},
    {"localhost:5000/x", "localhost:5000", "x", "", "", "latest"},
    {"localhost/x:dev", "localhost", "x", "dev", "", "dev"},
    // Without a '/', a name is always a Docker Hub image, even one that looks like a host.
    {"localhost", "docker.io", "library/localhost", "", "", "latest"},
    {"localhost:5000", "docker.io", "library/localhost", "5000", "", "5000"},
    {"docker.io", "docker.io", "library/docker.io", "", "", "latest"},
    {"app@" + kSha256, "docker.io", "library/app", "", kSha256, ""},
    {"app:1.0@" + kSha256, "docker.io", "library/app", "1.0", kSha256, "1.0"},
    {"registry.example.com:5000/team/sub/app@" + kSha512, "registry.example.com:5000", "team/sub/app", "", kSha512, ""},
    {"quay.io/app@" + kSha384, "quay.io", "app", "", kSha384, ""},
    {"127.0.0.1:5000/app", "127.0.0.1:5000", "app", "", "", "latest"},
    {"[::1]:5000/app:dev", "[::1]:5000", "app", "dev", "", "dev"},
    {"[2001:db8::1]/team/app", "[2001:db8::1]", "team/app", "", "", "latest"},
    {"quay.io/a__b/c-d/e.f/g---h/i_j:TAG_1.x-y", "quay.io", "a__b/c-d/e.f/g---h/i_j", "TAG_1.x-y", "", "TAG_1.x-y"},
    {"Example.COM/app", "Example.COM", "app", "", "", "latest"},
    // Upper case cannot start a path, so distribution/reference reads it as a host.
    {"Acme/app", "Acme", "app", "", "", "latest"},
    {"a/b/c/d/e", "docker.io", "a/b/c/d/e", "", "", "latest"},
    {"registry.k8s.io/kube-apiserver:v1.30.0", "registry.k8s.io", "kube-apiserver", "v1.30.0", "", "v1.30.0"},
    {"gcr.io/distroless/static-debian12:nonroot@" + kSha256, "gcr.io", "distroless/static-debian12", "nonroot",
     kSha256, "nonroot"},
    {"x:" + std::string(128, 't'), "docker.io", "library/x", std::string(128, 't'), "", std::string(128, 't')},
    {"tag:_", "docker.io", "library/tag", "_", "", "_"},
    {"a0-9/1", "docker.io", "a0-9/1", "", "", "latest"},
};

TEST(ImageRefParse, NormalisesLikeTheRuntime) {
  for (const auto& c : kParses) {
    SCOPED_TRACE(c.image);
    const auto r = ImageRef::parse(c.image);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->original, c.image);
    EXPECT_EQ(r->registry, c.registry);
    EXPECT_EQ(r->repository, c.repository);
    EXPECT_EQ(r->tag, c.tag);
    EXPECT_EQ(r->digest, c.digest);
    EXPECT_EQ(r->effective_tag(), c.effective_tag);
    EXPECT_EQ(r->has_digest(), !c.digest.empty());
    EXPECT_EQ(r->name(), c.registry + "/" + c.repository);
  }
}

struct BadCase {
  std::string image;
  const char* reason;  // a part of the message
};

const BadCase kBad[] = {
    {"Nginx", "must be lowercase"},
    {"docker.io/Nginx", "must be lowercase"},
    {"ghcr.io/acme/App:1.0", "must be lowercase"},
    {"nginx:", "tag \"\""},
    {"nginx:-tag", "tag"},
    {"nginx:.tag", "tag"},
    {"nginx:1.0:2", "tag"},
    {"nginx:a/b", "port"},  // "nginx:a" before a '/' is a host with a bad port
    {"_tag", "repository path"},
    {"x:" + std::string(129, 't'), "tag"},
    {"nginx@", "digest"},
    {"nginx@sha256:abc", "64 lower-case hex digits"},
    {"nginx@sha256:" + std::string(63, 'a'), "sha256:<64"},
    {"nginx@sha256:" + std::string(65, 'a'), "sha256:<64"},
    {"nginx@sha256:" + std::string(64, 'A'), "lower-case"},
    {"nginx@sha256:" + std::string(64, 'g'), "digest"},
    {"nginx@md5:" + std::string(32, 'a'), "digest"},
    {"nginx@SHA256:" + std::string(64, 'a'), "digest"},
    {"nginx@" + std::string(64, 'a'), "digest"},
    {"app@" + kSha256 + "@" + kSha256, "digest"},
    {"nginx:tag@", "digest"},
    {":tag", "repository path"},
    {"@" + kSha256, "repository path"},
    {"/nginx", "repository path"},
    {"nginx/", "repository path"},
    {"a//b", "repository path"},
    {"-nginx", "repository path"},
    {"nginx-", "repository path"},
    {"a..b", "repository path"},
    {"a___b", "repository path"},
    {"a_-b", "repository path"},
    {"a.-b", "repository path"},
    {"ngi nx", "repository path"},
    {" nginx", "repository path"},
    {"nginx ", "repository path"},
    {"nginx\n", "repository path"},
    {"ñginx", "repository path"},
    {"ghcr.io/", "repository path"},
    {"registry:port/app", "port"},
    {"registry:/app", "port"},
    {"registry:5000:6000/app", "port"},
    {"-host.com/app", "registry host"},
    {"host-.com/app", "registry host"},
    {"host..com/app", "registry host"},
    {".host.com/app", "registry host"},
    {"ho_st.com/app", "registry host"},
    {"[::1/app", "unclosed"},
    {"[zz::1]/app", "IPv6"},
    {"[]/app", "repository path"},  // no ':' or '.', so not a host
    {"[]:5000/app", "IPv6"},
    {"[::1]x/app", "after the IPv6"},
    {std::string(64, 'a'), "image ID"},
    {std::string(64, '0'), "image ID"},
    {"ghcr.io/" + std::string(248, 'a'), "longer than 255"},
    {std::string("nginx\0evil", 10), "repository path"},
};

TEST(ImageRefParse, RejectsMalformedReferences) {
  for (const auto& c : kBad) {
    SCOPED_TRACE(c.image);
    const auto r = ImageRef::parse(c.image);
    ASSERT_FALSE(r.ok()) << r->name();
    EXPECT_NE(r.error().message.find(c.reason), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("is not a valid image reference"), std::string::npos) << r.error().message;
  }
}

TEST(ImageRefParse, MessagesQuoteTheInput) {
  EXPECT_EQ(ImageRef::parse("Nginx:1.0").error().message,
            "\"Nginx:1.0\" is not a valid image reference: repository name \"Nginx\" must be lowercase");
  EXPECT_NE(ImageRef::parse("").error().message.find("empty"), std::string::npos);
  const auto hostile = ImageRef::parse(std::string(100000, 'A') + "\x1b[31m");
  ASSERT_FALSE(hostile.ok());
  EXPECT_LT(hostile.error().message.size(), 500u);
  EXPECT_EQ(hostile.error().message.find('\x1b'), std::string::npos);
}

TEST(ImageRefParse, LongestNameIsAccepted) {
  const std::string path(255 - std::string("ghcr.io/").size(), 'a');
  EXPECT_TRUE(ImageRef::parse("ghcr.io/" + path).ok());
  EXPECT_FALSE(ImageRef::parse("ghcr.io/" + path + "a").ok());
  // library/ counts: the name the runtime pulls is what must fit.
  EXPECT_FALSE(ImageRef::parse(std::string(255 - std::string("docker.io/").size(), 'a')).ok());
}

struct UnderCase {
  std::string image;
  std::string prefix;
  bool under;
};

const UnderCase kUnder[] = {
    // Whole path segments.
    {"ghcr.io/acme/app", "ghcr.io/acme", true},
    {"ghcr.io/acme/team/app:1", "ghcr.io/acme", true},
    {"ghcr.io/acme", "ghcr.io/acme", true},  // the repository named by the prefix itself
    {"ghcr.io/acme:1.0", "ghcr.io/acme", true},
    {"ghcr.io/acmeevil/app", "ghcr.io/acme", false},
    {"ghcr.io/acme-evil/app", "ghcr.io/acme", false},
    {"ghcr.io/acme/app", "ghcr.io/acm", false},
    {"ghcr.io/acme/app", "ghcr.io/acme/app/sub", false},
    {"ghcr.io/acme/app", "ghcr.io/acme/", true},
    {"ghcr.io/acme/app", "ghcr.io/acme//", true},
    {"ghcr.io/acme/app", "ghcr.io", true},
    {"ghcr.io/acme/app", "ghcr.io/", true},
    {"ghcr.io/acme/app:1.0@" + kSha256, "ghcr.io/acme/app", true},
    {"quay.io/acme/app", "ghcr.io/acme", false},
    // Hosts match whole, case-insensitively; the port is part of the registry.
    {"ghcr.io/acme/app", "GHCR.IO/acme", true},
    {"GHCR.io/acme/app", "ghcr.io", true},
    {"registry.example.com/x", "registry.example.com", true},
    {"registry.example.com.evil.io/x", "registry.example.com", false},
    {"evil.registry.example.com/x", "registry.example.com", false},
    {"registry.example.com/x", "example.com", false},
    {"registry.example.com:5000/x", "registry.example.com", false},
    {"registry.example.com/x", "registry.example.com:5000", false},
    {"registry.example.com:5000/x", "registry.example.com:5000", true},
    {"registry.example.com:5000/x", "registry.example.com:500", false},
    {"localhost/x", "localhost", true},
    {"localhost:5000/x", "localhost", false},
    {"localhost:5000/x", "localhost:5000", true},
    {"nginx", "localhost", false},
    {"[::1]:5000/app", "[::1]:5000", true},
    {"[::1]:5000/app", "[::1]", false},
    // Docker Hub: bare words read like images, a written-out host takes the path literally.
    {"nginx", "nginx", true},
    {"nginx:1.25", "nginx", true},
    {"docker.io/library/nginx", "nginx", true},
    {"nginx", "library/nginx", true},
    {"nginx", "docker.io/library/nginx", true},
    {"nginx", "docker.io", true},
    {"nginx", "index.docker.io", true},
    {"nginx", "docker.io/library", true},
    {"index.docker.io/library/nginx", "docker.io/library", true},
    {"nginx-evil", "nginx", false},
    {"docker.io/library/nginx-unprivileged", "docker.io/library/nginx", false},
    {"nginx/nginx-ingress", "nginx", false},       // a bare word is not a namespace
    {"nginx/nginx-ingress", "docker.io/nginx", true},  // the host written out names the namespace
    {"nginx", "docker.io/nginx", false},
    {"bitnami/redis", "bitnami", false},
    {"bitnami/redis", "docker.io/bitnami", true},
    {"bitnami/redis", "index.docker.io/bitnami", true},
    {"bitnami/redis:7", "bitnami/redis", true},
    {"bitnami/redis-cluster", "bitnami/redis", false},
    {"ghcr.io/acme/app", "acme", false},
    {"acme/app", "acme", false},
    {"acme", "acme", true},
    {"ghcr.io/library/nginx", "nginx", false},
    // Invalid prefixes allow nothing.
    {"nginx", "", false},
    {"nginx", "/", false},
    {"nginx", "*", false},
    {"ghcr.io/acme/app", "ghcr.io/acme/*", false},
    {"ghcr.io/acme/app", "ghcr.io/*", false},
    {"nginx:1.25", "nginx:1.25", false},
    {"ghcr.io/acme/app:1.0", "ghcr.io/acme/app:1.0", false},
    {"ghcr.io/acme/app", "ghcr.io/ACME", false},
    {"ghcr.io/acme/app", " ghcr.io", false},
    {"ghcr.io/acme/app", "ghcr.io//acme", false},
};

TEST(ImageRefIsUnder, MatchesWholeHostsAndPathSegments) {
  for (const auto& c : kUnder) {
    SCOPED_TRACE(c.image + " under " + c.prefix);
    const auto r = ImageRef::parse(c.image);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->is_under(c.prefix), c.under);
    if (const auto p = ImagePrefix::parse(c.prefix); p.ok()) {
      EXPECT_EQ(r->is_under(*p), c.under);
    }
  }
}

struct PrefixCase {
  const char* prefix;
  const char* resolved;  // nullptr when invalid
  const char* reason;
};

const PrefixCase kPrefixes[] = {
    {"registry.example.com", "registry.example.com", nullptr},
    {"registry.example.com:5000", "registry.example.com:5000", nullptr},
    {"ghcr.io/acme/", "ghcr.io/acme", nullptr},
    {"ghcr.io/acme/team", "ghcr.io/acme/team", nullptr},
    {"nginx", "docker.io/library/nginx", nullptr},
    {"acme", "docker.io/library/acme", nullptr},
    {"library/nginx", "docker.io/library/nginx", nullptr},
    {"bitnami/redis", "docker.io/bitnami/redis", nullptr},
    {"docker.io/bitnami", "docker.io/bitnami", nullptr},
    {"index.docker.io/bitnami", "docker.io/bitnami", nullptr},
    {"docker.io", "docker.io", nullptr},
    {"index.docker.io", "docker.io", nullptr},
    {"localhost", "localhost", nullptr},
    {"localhost:5000", "localhost:5000", nullptr},
    {"[::1]:5000", "[::1]:5000", nullptr},
    {"10.0.0.1:5000/team", "10.0.0.1:5000/team", nullptr},
    {"", nullptr, "must not be empty"},
    {"/", nullptr, "must not be empty"},
    {"ghcr.io/acme/*", nullptr, "no wildcards"},
    {"ghcr.io/acme/app?", nullptr, "no wildcards"},
    {"nginx:1.25", nullptr, "a prefix takes no tag"},
    {"ghcr.io/acme/app:1.0", nullptr, "not a tag"},
    {"library/nginx:1.25", nullptr, "not a tag"},
    {"nginx@sha256:aaaa", nullptr, "not a digest"},
    {"ghcr.io/Acme", nullptr, "must be lowercase"},
    {"ghcr.io//acme", nullptr, "repository path"},
    {"-bad.io/acme", nullptr, "registry host"},
    {"registry:port", nullptr, "port"},
    {" ghcr.io", nullptr, "registry host"},
    {"ghcr.io /acme", nullptr, "registry host"},
};

TEST(ImagePrefixParse, ResolvesEachForm) {
  for (const auto& c : kPrefixes) {
    SCOPED_TRACE(c.prefix);
    const auto p = ImagePrefix::parse(c.prefix);
    if (c.resolved != nullptr) {
      ASSERT_TRUE(p.ok()) << p.error().message;
      EXPECT_EQ(p->to_string(), c.resolved);
      // The resolved form reads back as itself.
      EXPECT_EQ(ImagePrefix::parse(p->to_string())->to_string(), p->to_string());
    } else {
      ASSERT_FALSE(p.ok()) << p->to_string();
      EXPECT_NE(p.error().message.find(c.reason), std::string::npos) << p.error().message;
    }
  }
}

}  // namespace
}  // namespace kindlyguard::k8s
