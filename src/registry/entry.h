// A registry entry's content (docs/registry.md), built from a run's credentials.json and
// the model's identity. Nothing in it comes from the data: hashes, versions,
// settings, counts and rates only (the run's case ids are in no field; the
// settings carry their count, not the ids).
//
// Thread safety: pure functions.
#pragma once

#include "rundir/records.h"

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "registry/identity.h"

namespace medcred {

// The unsigned body: {"format", "model", "evaluation", "results", "demo"}. A
// demo run is refused unless `allow_demo`, and is then marked `"demo": true`.
Result<nlohmann::json> EntryBody(const CredentialsFile& credentials, const ModelIdentity& model, bool allow_demo);

// The tier of an entry's category result for people: "demo" when the entry is a demo.
bool EntryCertifies(const nlohmann::json& entry);

}  // namespace medcred
