// PSS check "restrictedVolumes" (restricted)
//
// Beyond forbidding hostPath volumes, the restricted profile limits inline pod volume sources to:
// configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret.
//
// Restricted fields:
//   spec.volumes[*].hostPath, .gcePersistentDisk, .awsElasticBlockStore, .gitRepo, .nfs, .iscsi,
//   .glusterfs, .rbd, .flexVolume, .cinder, .cephfs, .flocker, .fc, .azureFile, .vsphereVolume,
//   .quobyte, .azureDisk, .photonPersistentDisk, .portworxVolume, .scaleIO, .storageos
// Allowed values: undefined/null
//
// Versions: v1.0+ (one revision); it replaces the baseline "hostPathVolumes" check at the
// restricted level. PSA allowed `image` volumes (Kubernetes v1.33, PR #130394) by amending that
// single revision, so a current PSA allows them at every policy version, and so do we.
//
// A volume that names no source at all is an emptyDir: the API server defaults it so
// (SetDefaults_Volume) before admission, and PSA judges the defaulted object.
// Message: restricted volume types (volumes "a", "b" use restricted volume types "hostPath", "nfs")
#include "check.hpp"

namespace kindlyguard::policy::pss::detail {
namespace {

constexpr std::string_view kAllowed[] = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret",
};
// In PSA's order of precedence (a volume with several sources is reported by the first).
constexpr std::string_view kRestricted[] = {
    "hostPath",  "gcePersistentDisk", "awsElasticBlockStore", "gitRepo",        "nfs",
    "iscsi",     "glusterfs",         "rbd",                  "flexVolume",     "cinder",
    "cephfs",    "flocker",           "fc",                   "azureFile",      "vsphereVolume",
    "quobyte",   "azureDisk",         "photonPersistentDisk", "portworxVolume", "scaleIO",
    "storageos",
};

template <std::size_t N>
int index_of(const std::string_view (&list)[N], std::string_view key) {
  for (std::size_t i = 0; i < N; ++i)
    if (list[i] == key) return static_cast<int>(i);
  return -1;
}

// The restricted type of a volume, or "" when it is allowed. One pass over the volume's own keys
// (usually two: name and the source) rather than a lookup per known source.
std::string_view restricted_type(const json& volume) {
  if (!volume.is_object()) return {};
  int first_restricted = -1;
  for (auto it = volume.begin(); it != volume.end(); ++it) {
    if (it->is_null()) continue;  // a null source is no source (a nil pointer in Go)
    const std::string& key = it.key();
    if (index_of(kAllowed, key) >= 0) return {};
    int r = index_of(kRestricted, key);
    if (r >= 0 && (first_restricted < 0 || r < first_restricted)) first_restricted = r;
  }
  if (first_restricted < 0) return {};  // no known source: defaulted to emptyDir
  return kRestricted[first_restricted];
}

}  // namespace

bool restricted_volumes_v1_0(const Pod& pod, CheckResult& out) {
  Names bad;
  NameSet types;
  std::string field;
  auto volumes = items(get(pod.spec, "volumes"));
  for (std::size_t i = 0; i < volumes.size(); ++i) {
    std::string_view type = restricted_type(volumes[i]);
    if (type.empty()) continue;
    if (bad.empty()) field = pod.field("volumes[" + std::to_string(i) + "]." + std::string(type));
    bad.push_back(str(get(&volumes[i], "name")));
    types.insert(type);
  }
  if (bad.empty()) return true;
  std::string detail = pluralize("volume", "volumes", bad.size());
  detail += ' ';
  detail += join_quote(bad);
  detail += ' ';
  detail += pluralize("uses", "use", bad.size());
  detail += ' ';
  detail += pluralize("restricted volume type", "restricted volume types", types.size());
  detail += ' ';
  detail += join_quote(types);
  return fail(out, "restricted volume types", std::move(detail), std::move(field), {});
}

}  // namespace kindlyguard::policy::pss::detail
