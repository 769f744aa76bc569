#include "registry/trust.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/text.h"
#include "common/time.h"

namespace medcred {
namespace fs = std::filesystem;
namespace {

// "<key> [location]" lines, `#` comments; keys lower-case hex.
std::vector<std::pair<std::string, std::string>> ReadKeyLines(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    line = Trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    const size_t sp = line.find_first_of(" \t");
    out.emplace_back(Lower(line.substr(0, sp)), sp == std::string::npos ? "" : Trim(line.substr(sp)));
  }
  return out;
}

bool IsKeyHex(const std::string& k) {
  return k.size() == 64 && k.find_first_not_of("0123456789abcdef") == std::string::npos;
}

Status CheckNamedKey(const std::string& key, const std::string& where, const std::string& file) {
  MEDCRED_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(file));
  const auto keys = ReadKeyLines(text);
  if (keys.empty()) return Status::Usage(file + ": no key in it (one hex public key per line)");
  for (const auto& [k, loc] : keys) {
    if (!IsKeyHex(k)) return Status::Usage(file + ": '" + k + "' is not an Ed25519 public key in hex");
    if (k == key) return Status::OK();
  }
  return Status::BadInput(where + " is signed by key " + key + ", which " + file +
                          " does not trust: it is not the operator's registry, or it was re-signed");
}

// Trust on first use, per location.
Status CheckUserTrust(const std::string& key, const std::string& where, const std::string& state, std::string* note) {
  const std::string path = state + "/trusted-keys";
  std::string text;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    MEDCRED_ASSIGN_OR_RETURN(text, ReadWholeFile(path));
  }
  bool location_known = false;
  for (const auto& [k, loc] : ReadKeyLines(text)) {
    if (k == key) return Status::OK();
    location_known = location_known || loc == where;
  }
  if (location_known) {
    return Status::BadInput(where + " is now signed by key " + key + ", not the key trusted for it in " + path +
                            ": the registry was re-signed. If its operator really changed keys, check the new key "
                            "with them and pass --trusted-key");
  }
  fs::create_directories(state, ec);
  if (ec) return Status::External(state + ": cannot create: " + ec.message());
  if (text.empty()) text = "# Registry keys trusted by this user (medcred verify): <public key> <registry>\n";
  text += key + " " + where + "  # first seen " + NowIso8601Utc() + "\n";
  MEDCRED_RETURN_IF_ERROR(WriteFileAtomically(path, text, 0600));
  *note = "trusting key " + key + " for " + where + " on first use (recorded in " + path +
          "); compare it with the key its operator publishes, or pass --trusted-key";
  return Status::OK();
}

// The head must not be smaller than the largest seen, and the log must still
// begin with the log that head signed.
Status CheckRollback(const Registry& r, const std::string& key, const std::string& where, const std::string& state) {
  const std::string path = state + "/tree-heads.json";
  nlohmann::json heads = nlohmann::json::object();
  std::error_code ec;
  if (fs::exists(path, ec)) {
    MEDCRED_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
    MEDCRED_ASSIGN_OR_RETURN(heads, ParseJson(text, path));
    if (!heads.is_object()) return Status::BadInput(path + ": not a JSON object");
  }
  const uint64_t size = r.entries().size();
  if (heads.contains(key)) {
    JsonFields f(heads[key], path + ": " + key.substr(0, 16));
    const auto seen = static_cast<uint64_t>(f.Int("size"));
    const std::string root = f.Str("root"), when = f.StrOr("seen", "earlier");
    MEDCRED_RETURN_IF_ERROR(f.status());
    if (size < seen) {
      return Status::BadInput(where + " holds " + std::to_string(size) + " entries, but a tree head of " +
                              std::to_string(seen) + " entries signed by the same key was seen " + when +
                              ": the registry was rolled back");
    }
    if (r.PrefixRootHex(seen) != root) {
      return Status::BadInput(where + ": its first " + std::to_string(seen) +
                              " entries are not the log whose tree head was seen " + when + ": the log was rewritten");
    }
    if (size == seen) return Status::OK();
  }
  heads[key] = {{"size", size}, {"root", r.PrefixRootHex(size)}, {"seen", NowIso8601Utc()}};
  fs::create_directories(state, ec);
  return WriteFileAtomically(path, SafeDump(heads, 2) + "\n", 0600);
}

}  // namespace

std::string DefaultStateDir() {
  if (const char* s = std::getenv("MEDCRED_STATE_DIR"); s != nullptr && *s != '\0') return s;
  if (const char* x = std::getenv("XDG_STATE_HOME"); x != nullptr && *x != '\0') return std::string(x) + "/medcred";
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') return std::string(h) + "/.local/state/medcred";
  return ".medcred-state";
}

Status CheckTrust(const Registry& r, const std::string& where, const TrustOptions& o, std::string* note) {
  note->clear();
  const std::string key = Lower(r.public_key());
  const std::string state = o.state_dir.empty() ? DefaultStateDir() : o.state_dir;
  // A directory is named by its absolute path, so that `./reg` and `reg` are one registry.
  std::string location = where;
  if (where.rfind("http://", 0) != 0 && where.rfind("https://", 0) != 0) {
    std::error_code ec;
    location = fs::weakly_canonical(fs::absolute(where), ec).string();
  }
  if (!o.trusted_key_file.empty()) {
    MEDCRED_RETURN_IF_ERROR(CheckNamedKey(key, where, o.trusted_key_file));
  } else {
    MEDCRED_RETURN_IF_ERROR(CheckUserTrust(key, location, state, note));
  }
  return CheckRollback(r, key, where, state);
}

}  // namespace medcred
