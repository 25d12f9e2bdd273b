// Container image references and allow-list prefixes. Line 1 is an image, line 2 a prefix.
// Besides not crashing:
//   - a parsed image, written back fully qualified, parses to the same registry, repository, tag
//     and digest (normalisation is idempotent);
//   - a parsed prefix, written back, parses to the same prefix;
//   - an image is always under its own name as a prefix;
//   - is_under never grants more than whole segments: the image's name equals the prefix or
//     continues it with '/' (hosts compared case-insensitively).

#include <algorithm>
#include <cctype>

#include "fuzz_support.hpp"
#include "kindlyguard/k8s/image_ref.hpp"

namespace {

using kindlyguard::k8s::ImagePrefix;
using kindlyguard::k8s::ImageRef;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string written_back(const ImageRef& r) {
  std::string s = r.name();
  if (!r.tag.empty()) s += ":" + r.tag;
  if (!r.digest.empty()) s += "@" + r.digest;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [image_text, prefix_text] = kindlyguard::fuzz::split_line(kindlyguard::fuzz::as_text(data, size));
  auto image = ImageRef::parse(image_text);
  auto prefix = ImagePrefix::parse(prefix_text);

  if (image.ok()) {
    const ImageRef& r = *image;
    FUZZ_CHECK(r.original == image_text);
    FUZZ_CHECK(!r.registry.empty() && !r.repository.empty());
    (void)r.effective_tag();
    auto again = ImageRef::parse(written_back(r));
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->registry == r.registry && again->repository == r.repository && again->tag == r.tag &&
               again->digest == r.digest);
    auto own = ImagePrefix::parse(r.name());
    FUZZ_CHECK(own.ok());
    FUZZ_CHECK(r.is_under(*own));
  } else {
    (void)image.error().to_string();
  }

  if (prefix.ok()) {
    auto again = ImagePrefix::parse(prefix->to_string());
    FUZZ_CHECK(again.ok() && again->registry == prefix->registry && again->path == prefix->path);
    if (image.ok() && image->is_under(*prefix)) {
      // Compare with the host lower-cased on both sides; paths are case-sensitive.
      std::string name = lower(image->registry) + "/" + image->repository;
      std::string p = lower(prefix->registry) + (prefix->path.empty() ? "" : "/" + prefix->path);
      FUZZ_CHECK(name == p || (name.size() > p.size() && name.compare(0, p.size(), p) == 0 && name[p.size()] == '/'));
      FUZZ_CHECK(image->is_under(prefix_text));
    }
  } else {
    (void)prefix.error().to_string();
    if (image.ok()) FUZZ_CHECK(!image->is_under(prefix_text));
  }
  return 0;
}
