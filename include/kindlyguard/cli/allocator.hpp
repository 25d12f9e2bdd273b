#pragma once
// Which malloc the process really uses: `kindlyguard version` prints it, so an image built
// without mimalloc (or one whose link order let glibc's malloc win) shows it at once.
#include <string>

namespace kindlyguard::cli {

// "mimalloc 2.0.9" when mimalloc serves this process's allocations, else "glibc malloc".
std::string allocator_name();

}  // namespace kindlyguard::cli
