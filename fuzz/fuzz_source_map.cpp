// Manifests as `kindlyguard check` reads them: decoded with the lines their documents start on,
// then each document mapped alone (source_map.hpp) and asked for positions of fields, as check
// does for an object with findings. Invariants: nothing throws or crashes, every position lies
// inside the text, and a document's positions are never before the line it starts on.

#include <algorithm>

#include "fuzz_support.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/policy/source_map.hpp"

using namespace kindlyguard::policy;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = kindlyguard::fuzz::as_text(data, size);
  const int lines = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  auto docs = decode_documents_with_lines(text, "fuzz");
  // The whole-text map is best effort and must never throw, whatever the decoder said.
  (void)map_sources(text);
  if (!docs.ok()) return 0;
  SourceText source(text);
  for (std::size_t i = 0; i < docs->size(); ++i) {
    const int line = (*docs)[i].line;
    FUZZ_CHECK(line >= 1 && line <= lines);
    const int next = i + 1 < docs->size() ? (*docs)[i + 1].line : 0;
    SourceMap map = source.map_document(line, next);
    for (const char* field : {"", "metadata.name", "spec.containers[0].securityContext.privileged",
                              "metadata.annotations[a/b~c]", "items[0].spec", "[", "a..b[]"}) {
      SourcePos p = map.at_field("", field);
      if (!p.known()) continue;
      FUZZ_CHECK(p.line >= line && p.line <= lines);
      FUZZ_CHECK(p.column >= 1);
    }
  }
  return 0;
}
