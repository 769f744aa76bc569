// Client-side trust in a registry (`registry verify`, `verify`): which key may
// sign it, and the last tree head seen of it, so that a registry re-signed
// with another key, or rolled back to an earlier (or rewritten) log, does not
// verify.
//
// The key is the operator's published public key (`--trusted-key FILE`: one
// hex key per line, `#` comments; a KEYFILE.pub is such a file). Without it,
// the user's own trust file is used, trust on first use: the first key seen
// for a registry's location is written there, with a message saying so; a
// later key for the same location is refused. The state lives in
// $MEDCRED_STATE_DIR, else $XDG_STATE_HOME/medcred, else ~/.local/state/medcred:
//   trusted-keys     "<key hex> <location>" per line
//   tree-heads.json  {"<key hex>": {"size", "root", "seen"}}: the largest head seen
//
// Thread safety: one process at a time per state directory (files are
// replaced atomically; concurrent verifiers may lose one record, never corrupt it).
#pragma once

#include <string>

#include "common/status.h"
#include "registry/registry.h"

namespace medcred {

struct TrustOptions {
  std::string trusted_key_file;  // empty: the user's trust file, trust on first use
  std::string state_dir;         // empty: found as above
};

std::string DefaultStateDir();

// Checks that `registry` (read from `where`) is signed by a trusted key and
// has not rolled back from the head last seen; records the new head. `note`
// receives a sentence to show the user (a key trusted on first use), or "".
Status CheckTrust(const Registry& registry, const std::string& where, const TrustOptions& options, std::string* note);

}  // namespace medcred
