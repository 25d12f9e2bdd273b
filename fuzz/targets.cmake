# The libFuzzer targets, shared by the two trees that build them:
#   - fuzz/CMakeLists.txt, a project of its own at -O1 for long runs (`make fuzz`);
#   - the sanitizer tree (KINDLY_FUZZ_TARGETS=ON in build-sanitize), for the short run of
#     `make test`: the objects `make test-sanitize` runs its suites on, instrumented for coverage
#     too, so CI compiles the code once for both instead of twice.
# Each tree compiles the code under test with -fsanitize=fuzzer-no-link; only the targets link
# libFuzzer.
set(KINDLY_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
set(KINDLY_FUZZ_TARGETS
  fuzz_admission_review fuzz_pod_types fuzz_policy_yaml fuzz_policy_json fuzz_quantity fuzz_image_ref
  fuzz_label_selector fuzz_kubeconfig fuzz_source_map)

# One executable per target, linked to `library` (which carries the code under test and its
# include directories); writes fuzz-targets.txt, the list scripts/fuzz.sh builds and runs.
function(kindly_add_fuzz_targets library)
  foreach(target ${KINDLY_FUZZ_TARGETS})
    add_executable(${target} ${KINDLY_FUZZ_DIR}/${target}.cpp)
    target_link_libraries(${target} PRIVATE ${library})
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer -Wall -Wextra)
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
  endforeach()
  string(REPLACE ";" "\n" lines "${KINDLY_FUZZ_TARGETS}")
  file(WRITE ${CMAKE_BINARY_DIR}/fuzz-targets.txt "${lines}\n")
endfunction()
