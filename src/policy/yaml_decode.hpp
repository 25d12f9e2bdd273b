#pragma once
// Private to src/policy: the YAML/JSON stream decoder with document positions, so that
// parse_policies can name the document an error belongs to. The public face is
// decode_documents in kindlyguard/policy/parse.hpp.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/policy/parse.hpp"

namespace kindlyguard::policy::detail {

struct DecodedDocument {
  nlohmann::json value;
  int index = 0;  // 0-based position among the non-empty documents (= index in the result)
  int line = 0;   // 1-based line where the document starts
};

struct DecodeFailure {
  int document = 0;  // 0-based index (among non-empty documents) of the document being decoded
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown
  long long byte = -1;  // JSON input only: 0-based byte offset
  std::string message;  // without the position
  // "line 3, column 7: <message>" (or the JSON form with the byte offset).
  std::string with_position() const;
};

struct DecodeOutcome {
  std::vector<DecodedDocument> documents;  // every document decoded before any failure
  std::optional<DecodeFailure> failure;
};

DecodeOutcome decode_stream(std::string_view text, const DecodeLimits& limits);

}  // namespace kindlyguard::policy::detail
