#pragma once
// The JSON text of an AdmissionReview into the document the decoder reads. simdjson validates the
// text (structure, UTF-8, nesting depth) at gigabytes per second; the nlohmann document is then
// built from its tape, without request.object/oldObject.metadata.managedFields: no check reads
// them, and on a real API server they are a third to a half of a review's bytes.

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::admission {

// Deeper than any object the API server sends (a CronJob's managedFields stay under 30 levels),
// far below what would strain a thread's stack in code that walks a document recursively.
inline constexpr std::size_t kMaxReviewDepth = 256;

// The same document nlohmann::json::parse would build (non-negative integers unsigned, the last of
// duplicate keys wins), minus the managedFields above. Fails with a message for a 400 response on
// text that is not JSON, not UTF-8, or nested deeper than kMaxReviewDepth. Thread-safe: each
// thread keeps its own parser and its buffers (released after an unusually large body).
Result<nlohmann::json> parse_review_json(std::string_view body);

}  // namespace kindlyguard::admission
