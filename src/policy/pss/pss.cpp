// Pod Security Standards evaluation: resolves the policy version, picks each check's revision for
// it, orders the checks as PSA does, and runs them over one pass-through view of the pod.
#include <algorithm>
#include <array>
#include <set>

#include "check.hpp"

namespace kindlyguard::policy::pss {
namespace {

using detail::CheckDef;
using detail::CheckFn;
using detail::Container;
using detail::Pod;
using detail::Variant;

// The newest minor with a registered revision (sysctls v1.37). PSA's `latest` is its registry's
// newest revision, not the API server's minor, and so is ours.
constexpr int kLatestMinor = 37;

struct Active {
  std::string_view id;
  CheckFn fn;
  Severity severity;
};
using Table = std::vector<Active>;

struct Tables {
  std::array<std::vector<Table>, 2> by_level;  // [0] baseline, [1] restricted; indexed by minor
};

const Variant* variant_at(const CheckDef& c, int minor) {
  const Variant* found = nullptr;
  for (const Variant& v : c.variants)
    if (v.min_minor <= minor) found = &v;
  return found;
}

Tables build_tables() {
  std::vector<const CheckDef*> baseline, restricted;
  for (const CheckDef& c : detail::registry()) (c.level == PssLevel::Restricted ? restricted : baseline).push_back(&c);
  // PSA sorts check ids (Go string order, i.e. bytewise): baseline checks first, then restricted.
  auto by_id = [](const CheckDef* a, const CheckDef* b) { return a->id < b->id; };
  std::sort(baseline.begin(), baseline.end(), by_id);
  std::sort(restricted.begin(), restricted.end(), by_id);

  Tables t;
  for (int minor = 0; minor <= kLatestMinor; ++minor) {
    std::set<std::string_view> overridden;
    for (const CheckDef* c : restricted)
      if (const Variant* v = variant_at(*c, minor); v && !v->overrides.empty()) overridden.insert(v->overrides);
    Table base, restr;
    for (const CheckDef* c : baseline) {
      const Variant* v = variant_at(*c, minor);
      if (!v) continue;
      base.push_back({c->id, v->fn, c->severity});
      if (!overridden.count(c->id)) restr.push_back({c->id, v->fn, c->severity});
    }
    for (const CheckDef* c : restricted)
      if (const Variant* v = variant_at(*c, minor)) restr.push_back({c->id, v->fn, c->severity});
    t.by_level[0].push_back(std::move(base));
    t.by_level[1].push_back(std::move(restr));
  }
  return t;
}

const Table& table_for(PssLevel level, int minor) {
  static const Tables tables = build_tables();
  return tables.by_level[level == PssLevel::Restricted ? 1 : 0][static_cast<std::size_t>(minor)];
}

// The pod as the checks see it. Containers live inline for ordinary pods, so judging a pod
// allocates nothing unless it fails (or has more than kInline containers).
class PodContext {
 public:
  explicit PodContext(const PodView& view) {
    const auto& views = view.containers();
    Container* slots = inline_.data();
    if (views.size() > kInline) {
      heap_.resize(views.size());
      slots = heap_.data();
    }
    for (std::size_t i = 0; i < views.size(); ++i) {
      const ContainerView& cv = views[i];
      slots[i].view = &cv;
      slots[i].raw = &cv.raw();
      slots[i].sc = detail::get(slots[i].raw, "securityContext");
      slots[i].name = detail::str(detail::get(slots[i].raw, "name"));
    }
    pod_.view = &view;
    pod_.spec = &view.spec();
    pod_.sc = detail::get(pod_.spec, "securityContext");
    pod_.annotations = detail::get(&view.pod_metadata(), "annotations");
    pod_.windows = detail::str(detail::get(pod_.spec, "os", "name")) == "windows";
    pod_.user_namespace = detail::is_false(detail::get(pod_.spec, "hostUsers"));
    pod_.containers = std::span<const Container>(slots, views.size());
  }
  PodContext(const PodContext&) = delete;
  PodContext& operator=(const PodContext&) = delete;

  const Pod& pod() const { return pod_; }

 private:
  static constexpr std::size_t kInline = 16;
  std::array<Container, kInline> inline_{};
  std::vector<Container> heap_;
  Pod pod_;
};

const char* level_name(PssLevel l) {
  switch (l) {
    case PssLevel::Privileged: return "privileged";
    case PssLevel::Baseline: return "baseline";
    case PssLevel::Restricted: return "restricted";
  }
  return "baseline";
}

}  // namespace

int latest_minor() { return kLatestMinor; }

int resolve_minor(PssVersion version) {
  if (version.latest || version.minor > kLatestMinor) return kLatestMinor;
  return std::max(version.minor, 0);
}

std::vector<CheckResult> evaluate(PssLevel level, PssVersion version, const PodView& pod) {
  std::vector<CheckResult> failed;
  if (level == PssLevel::Privileged) return failed;
  const Table& table = table_for(level, resolve_minor(version));
  PodContext ctx(pod);
  CheckResult result;
  for (const Active& check : table) {
    if (check.fn(ctx.pod(), result)) continue;
    result.check_id = check.id;
    result.severity = check.severity;
    failed.push_back(std::move(result));
    result = CheckResult{};
  }
  return failed;
}

bool allowed(PssLevel level, PssVersion version, const PodView& pod) {
  if (level == PssLevel::Privileged) return true;
  const Table& table = table_for(level, resolve_minor(version));
  PodContext ctx(pod);
  CheckResult scratch;
  for (const Active& check : table)
    if (!check.fn(ctx.pod(), scratch)) return false;
  return true;
}

std::string format_message(PssLevel level, PssVersion version, const std::vector<CheckResult>& failed) {
  // PSA: fmt.Errorf("violates PodSecurity %q: %s", "<level>:<version>", aggregated.ForbiddenDetail()),
  // the version as the namespace names it ("latest" or "v1.N").
  if (failed.empty()) return {};
  std::string msg = "violates PodSecurity \"";
  msg += level_name(level);
  msg += ':';
  msg += version.to_string();
  msg += "\": ";
  for (std::size_t i = 0; i < failed.size(); ++i) {
    if (i) msg += ", ";
    msg += failed[i].reason.empty() ? std::string("unknown forbidden reason") : failed[i].reason;
    if (!failed[i].detail.empty()) {
      msg += " (";
      msg += failed[i].detail;
      msg += ')';
    }
  }
  return msg;
}

std::vector<std::string> check_ids() {
  std::vector<std::string> ids;
  for (const CheckInfo& c : checks()) ids.push_back(c.id);
  return ids;
}

std::vector<CheckInfo> checks() {
  std::vector<CheckInfo> out;
  for (const CheckDef& c : detail::registry()) {
    CheckInfo info{std::string(c.id), c.level, {}, {}, c.severity};
    for (const Variant& v : c.variants) {
      info.since_minors.push_back(v.min_minor);
      if (!v.overrides.empty() &&
          std::find(info.overrides.begin(), info.overrides.end(), v.overrides) == info.overrides.end())
        info.overrides.emplace_back(v.overrides);
    }
    out.push_back(std::move(info));
  }
  std::stable_sort(out.begin(), out.end(), [](const CheckInfo& a, const CheckInfo& b) {
    if (a.level != b.level) return a.level == PssLevel::Baseline;
    return a.id < b.id;
  });
  return out;
}

bool reads_annotation(std::string_view key) {
  // check_app_armor_profile.cpp reads the first; the seccomp ones are what kubelets before v1.27
  // honoured, so a change to them changes what runs on such a node.
  return key.starts_with("container.apparmor.security.beta.kubernetes.io/") ||
         key == "seccomp.security.alpha.kubernetes.io/pod" ||
         key.starts_with("container.seccomp.security.alpha.kubernetes.io/");
}

}  // namespace kindlyguard::policy::pss
