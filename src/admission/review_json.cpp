#include "kindlyguard/admission/review_json.hpp"

#include <memory>
#include <string>

#include <simdjson.h>

namespace kindlyguard::admission {
namespace {

using nlohmann::json;
namespace dom = simdjson::dom;

// A parser keeps buffers sized for the largest document it has seen (about ten bytes per byte of
// JSON). Kept per thread for reviews of ordinary size; one grown by a multi-megabyte review is
// dropped after it, so a single large UPDATE does not stay resident on every I/O thread.
constexpr std::size_t kKeptParserCapacity = 1 << 20;

dom::parser& thread_parser() {
  thread_local std::unique_ptr<dom::parser> parser;
  if (!parser || parser->capacity() > kKeptParserCapacity) {
    parser = std::make_unique<dom::parser>();
    // Capacity 0: the first parse sizes it. The depth is fixed here and kept on growth.
    if (parser->allocate(0, kMaxReviewDepth) != simdjson::SUCCESS) parser.reset();
  }
  if (!parser) throw std::bad_alloc();
  return *parser;
}

// Where a value sits on the path root -> request -> object|oldObject -> metadata, the only place
// something is left out.
enum class Path { Root, Request, Object, Metadata, Off };

Path child_path(Path p, std::string_view key) {
  switch (p) {
    case Path::Root: return key == "request" ? Path::Request : Path::Off;
    case Path::Request: return key == "object" || key == "oldObject" ? Path::Object : Path::Off;
    case Path::Object: return key == "metadata" ? Path::Metadata : Path::Off;
    default: return Path::Off;
  }
}

json build(dom::element e, Path path) {
  using T = dom::element_type;
  switch (e.type()) {
    case T::OBJECT: {
      json o(json::value_t::object);
      auto& members = o.get_ref<json::object_t&>();
      for (auto [key, value] : dom::object(e)) {
        if (path == Path::Metadata && key == "managedFields") continue;
        members.insert_or_assign(std::string(key), build(value, child_path(path, key)));
      }
      return o;
    }
    case T::ARRAY: {
      json a(json::value_t::array);
      auto& items = a.get_ref<json::array_t&>();
      dom::array arr(e);
      items.reserve(arr.size());  // known from the tape: no regrowth
      for (auto value : arr) items.push_back(build(value, Path::Off));
      return a;
    }
    case T::STRING: return json(std::string(std::string_view(e)));
    case T::INT64: {
      const int64_t i = int64_t(e);
      return i >= 0 ? json(static_cast<uint64_t>(i)) : json(i);
    }
    case T::UINT64: return json(uint64_t(e));
    case T::DOUBLE: return json(double(e));
    case T::BOOL: return json(bool(e));
    case T::NULL_VALUE: return json(nullptr);
  }
  return json();
}

}  // namespace

Result<json> parse_review_json(std::string_view body) {
  dom::element root;
  // realloc_if_needed: simdjson reads up to SIMDJSON_PADDING bytes past the end, which a request
  // body does not promise; the copy costs about a microsecond for 20 KB.
  const simdjson::error_code err = thread_parser().parse(body.data(), body.size(), true).get(root);
  if (err == simdjson::DEPTH_ERROR)
    return Error{"request body nests objects and arrays deeper than " + std::to_string(kMaxReviewDepth) + " levels",
                 ""};
  if (err != simdjson::SUCCESS)
    return Error{std::string("request body is not valid JSON: ") + simdjson::error_message(err), ""};
  return build(root, Path::Root);
}

}  // namespace kindlyguard::admission
