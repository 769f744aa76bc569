// The registry's public site (`registry publish`, `medcred serve`; docs/registry.md):
// index.html (a leaderboard per category), models/SHA256.html (one page per
// model), entries.json, tree-head.json, registry.json, proofs/INDEX.json
// (inclusion proofs against the latest head), and the same data under api/
// for `serve`. Static files only, so any static host serves it; no script, no
// external resource. It holds only what the entries hold: no MIMIC value.
//
// Thread safety: pure functions over a verified Registry.
#pragma once

#include <map>
#include <string>

#include "common/status.h"
#include "registry/registry.h"

namespace medcred {

struct SiteFile {
  std::string content;
  std::string content_type;
};

// Path (relative, '/'-separated) -> file.
std::map<std::string, SiteFile> BuildSite(const Registry& registry);

// Writes the site into `out_dir`, each file atomically.
Status WriteSite(const Registry& registry, const std::string& out_dir);

}  // namespace medcred
