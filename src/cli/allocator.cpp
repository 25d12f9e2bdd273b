#include "kindlyguard/cli/allocator.hpp"

#include <cstdlib>

#ifdef KINDLY_MIMALLOC
#include <mimalloc.h>
#endif

namespace kindlyguard::cli {

std::string allocator_name() {
#ifdef KINDLY_MIMALLOC
  // Linking mimalloc is not enough: it serves malloc only if it comes before libc in symbol
  // lookup. Ask it whether a block from plain calloc is in one of its heaps.
  void* p = std::calloc(1, 64);  // calloc: the check reads no uninitialised byte (and gcc knows it)
  bool ours = mi_is_in_heap_region(p);
  std::free(p);
  if (ours) {
    int v = mi_version();
    return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." + std::to_string(v % 10);
  }
#endif
  return "glibc malloc";
}

}  // namespace kindlyguard::cli
