#pragma once
// Giving freed memory back to the operating system after a large transient. The background
// audit builds and drops tens of MB of JSON per run (pages of listed reports, each namespace's
// report), which the allocator otherwise keeps mapped: the leader's RSS then stayed near the
// audit's peak between audits (bench/RESULTS.md, "Cluster scale").
namespace kindlyguard::controller {

// mimalloc: collects this thread's heap and frees unused segments; glibc: malloc_trim.
void release_free_memory();

}  // namespace kindlyguard::controller
