#include "kindlyguard/controller/release_memory.hpp"

#ifdef KINDLY_MIMALLOC
#include <mimalloc.h>
#elif defined(__GLIBC__)
#include <malloc.h>
#endif

namespace kindlyguard::controller {

void release_free_memory() {
#ifdef KINDLY_MIMALLOC
  mi_collect(true);
#elif defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace kindlyguard::controller
