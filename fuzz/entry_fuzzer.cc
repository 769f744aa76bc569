// libFuzzer target: the registry's entry parser (registry/canonical_json.h and
// Registry::FromParts), fed arbitrary bytes as an entry of a one-entry log. It
// must accept or return BadInput, never crash; whatever it accepts as
// canonical must re-serialise to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "registry/canonical_json.h"
#include "registry/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto j = medcred::ParseCanonical(bytes, "entry", 1 << 16);
  if (!j.ok()) {
    if (j.status().kind() != medcred::Status::Kind::kBadInput) std::abort();
    return 0;
  }
  auto again = medcred::CanonicalJson(*j);
  if (!again.ok() || *again != bytes) std::abort();
  if (!j->is_object()) return 0;
  // As the one entry of a log: signatures and the chain reject it, cleanly.
  medcred::RegistryParts p;
  p.where = "fuzz";
  p.registry = {"{}", nlohmann::json::object({{"format", "medcred-registry-v1"},
                                              {"public_key", std::string(64, '0')},
                                              {"signature", std::string(128, '0')}})};
  p.entries.push_back({bytes, *j});
  p.tree_head = {"{}", *j};
  auto r = medcred::Registry::FromParts(p);
  if (r.ok() || r.status().kind() != medcred::Status::Kind::kBadInput) std::abort();
  return 0;
}
