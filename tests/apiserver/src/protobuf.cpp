#include "protobuf.hpp"

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "kindly_test_apiserver/status.hpp"
#include "util.hpp"

namespace kindly::testapi {

using nlohmann::json;

namespace {

struct Field {
  int wire = 0;
  std::uint64_t num = 0;
  std::string bytes;
};
using Message = std::multimap<int, Field>;

[[noreturn]] void broken() { throw errors::bad_request("the protobuf body could not be decoded"); }

std::uint64_t varint(std::string_view in, std::size_t& pos) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= in.size()) broken();
    const auto b = static_cast<unsigned char>(in[pos++]);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  broken();
}

Message parse(std::string_view in) {
  Message m;
  std::size_t pos = 0;
  while (pos < in.size()) {
    const std::uint64_t key = varint(in, pos);
    Field f;
    f.wire = static_cast<int>(key & 7);
    const int number = static_cast<int>(key >> 3);
    switch (f.wire) {
      case 0: f.num = varint(in, pos); break;
      case 1:
        if (pos + 8 > in.size()) broken();
        pos += 8;
        break;
      case 2: {
        const std::uint64_t len = varint(in, pos);
        if (len > in.size() - pos) broken();
        f.bytes = std::string(in.substr(pos, len));
        pos += len;
        break;
      }
      case 5:
        if (pos + 4 > in.size()) broken();
        pos += 4;
        break;
      default: broken();
    }
    m.emplace(number, std::move(f));
  }
  return m;
}

std::string str(const Message& m, int n) {
  auto it = m.find(n);
  return it == m.end() ? "" : it->second.bytes;
}

std::vector<std::string> strings(const Message& m, int n) {
  std::vector<std::string> out;
  auto [b, e] = m.equal_range(n);
  for (auto it = b; it != e; ++it) out.push_back(it->second.bytes);
  return out;
}

// map<string, string|bytes>: repeated entries {1: key, 2: value}.
json string_map(const Message& m, int n, bool base64_values) {
  json out = json::object();
  auto [b, e] = m.equal_range(n);
  for (auto it = b; it != e; ++it) {
    const Message entry = parse(it->second.bytes);
    const std::string v = str(entry, 2);
    out[str(entry, 1)] = base64_values ? util::base64_encode(v) : v;
  }
  return out;
}

json object_meta(const std::string& bytes) {
  const Message m = parse(bytes);
  json meta = json::object();
  auto set = [&](const char* k, int n) {
    const std::string v = str(m, n);
    if (!v.empty()) meta[k] = v;
  };
  set("name", 1);
  set("generateName", 2);
  set("namespace", 3);
  if (json l = string_map(m, 11, false); !l.empty()) meta["labels"] = l;
  if (json a = string_map(m, 12, false); !a.empty()) meta["annotations"] = a;
  if (auto f = strings(m, 14); !f.empty()) meta["finalizers"] = f;
  return meta;
}

bool flag(const Message& m, int n, bool& out) {
  auto it = m.find(n);
  if (it == m.end()) return false;
  out = it->second.num != 0;
  return true;
}

}  // namespace

json decode_k8s_protobuf(const std::string& body, const ResourceInfo& r) {
  static const std::string magic("k8s\0", 4);
  if (body.compare(0, 4, magic) != 0) broken();
  const Message unknown = parse(std::string_view(body).substr(4));
  const Message type_meta = parse(str(unknown, 1));
  const std::string kind = str(type_meta, 2);
  const Message obj = parse(str(unknown, 2));
  json out = {{"apiVersion", str(type_meta, 1)}, {"kind", kind}, {"metadata", object_meta(str(obj, 1))}};
  bool b = false;
  if (r.group.empty() && kind == "Namespace") {
    const auto fin = strings(parse(str(obj, 2)), 1);
    if (!fin.empty()) out["spec"] = {{"finalizers", fin}};
  } else if (r.group.empty() && kind == "ConfigMap") {
    if (json d = string_map(obj, 2, false); !d.empty()) out["data"] = d;
    if (json d = string_map(obj, 3, true); !d.empty()) out["binaryData"] = d;
    if (flag(obj, 4, b)) out["immutable"] = b;
  } else if (r.group.empty() && kind == "Secret") {
    if (json d = string_map(obj, 2, true); !d.empty()) out["data"] = d;
    if (const std::string t = str(obj, 3); !t.empty()) out["type"] = t;
    if (json d = string_map(obj, 4, false); !d.empty()) out["stringData"] = d;
    if (flag(obj, 5, b)) out["immutable"] = b;
  } else if (r.group.empty() && kind == "ServiceAccount") {
    json pulls = json::array();
    for (const auto& s : strings(obj, 3)) pulls.push_back({{"name", str(parse(s), 1)}});
    if (!pulls.empty()) out["imagePullSecrets"] = pulls;
    if (flag(obj, 4, b)) out["automountServiceAccountToken"] = b;
  } else {
    throw errors::unsupported_media_type("application/vnd.kubernetes.protobuf",
                                         "application/json (protobuf is read for Namespace, ConfigMap, Secret and "
                                         "ServiceAccount only)");
  }
  return out;
}

}  // namespace kindly::testapi
