#include "registry/registry.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/file_util.h"
#include "common/sha256.h"
#include "common/time.h"
#include "registry/canonical_json.h"

namespace medcred {
namespace fs = std::filesystem;
namespace {

std::string Numbered(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%010llu.json", static_cast<unsigned long long>(i));
  return buf;
}

Result<SignedFile> ReadSigned(const std::string& path) {
  MEDCRED_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path));
  MEDCRED_ASSIGN_OR_RETURN(nlohmann::json j, ParseCanonical(bytes, path, kMaxEntryBytes));
  if (!j.is_object()) return Status::BadInput(path + ": not a JSON object");
  return SignedFile{std::move(bytes), std::move(j)};
}

// The signature of a signed object, checked over its canonical bytes without
// `signature`, against `key`.
Status CheckSignature(const nlohmann::json& j, const std::string& key, const std::string& what) {
  if (!j.contains("signature") || !j["signature"].is_string()) return Status::BadInput(what + ": no signature");
  nlohmann::json body = j;
  body.erase("signature");
  MEDCRED_ASSIGN_OR_RETURN(std::string bytes, CanonicalJson(body));
  if (!VerifyHex(key, bytes, j["signature"])) return Status::BadInput(what + ": the signature does not verify");
  return Status::OK();
}

// Lists `dir`'s numbered files; anything else there is an error.
Result<uint64_t> CountNumbered(const std::string& dir, uint64_t first) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::BadInput(dir + ": missing");
  uint64_t n = 0;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    if (name != Numbered(first + n)) {
      return Status::BadInput(dir + "/" + name + ": unexpected (expected " + Numbered(first + n) +
                              "; a removed, renamed or foreign file)");
    }
    ++n;
  }
  return n;
}

class DirLock {
 public:
  Status Lock(const std::string& dir) {
    const std::string path = (fs::path(dir) / "registry.lock").string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::External(path + ": cannot open: " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) return Status::External(path + ": cannot lock: " + std::strerror(errno));
    }
    return Status::OK();
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }

 private:
  int fd_ = -1;
};

}  // namespace

Result<SignedFile> SignObject(nlohmann::json body, const SigningKey& key) {
  body.erase("signature");
  MEDCRED_ASSIGN_OR_RETURN(std::string unsigned_bytes, CanonicalJson(body));
  body["signature"] = SignHex(key, unsigned_bytes);
  MEDCRED_ASSIGN_OR_RETURN(std::string bytes, CanonicalJson(body));
  return SignedFile{std::move(bytes), std::move(body)};
}

Status VerifyEntrySignature(const nlohmann::json& entry, const std::string& registry_key, const std::string& what) {
  if (entry.value("issuer", "") != registry_key) {
    return Status::BadInput(what + ": signed by a foreign key " +
                            entry.value("issuer", std::string("(none)")).substr(0, 16) + "…, not the registry's");
  }
  return CheckSignature(entry, registry_key, what);
}

Status Registry::Init(const std::string& dir, const SigningKey& key) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) return Status::Usage(dir + " exists and is not empty");
  fs::create_directories(fs::path(dir) / "entries", ec);
  fs::create_directories(fs::path(dir) / "heads", ec);
  if (ec) return Status::External(dir + ": cannot create: " + ec.message());
  MEDCRED_ASSIGN_OR_RETURN(
      SignedFile reg,
      SignObject({{"format", "medcred-registry-v1"}, {"public_key", key.public_hex}, {"created", NowIso8601Utc()}},
                 key));
  MEDCRED_ASSIGN_OR_RETURN(
      SignedFile head,
      SignObject(
          {{"size", 0}, {"root", Hex(MerkleRoot({}))}, {"timestamp", NowIso8601Utc()}, {"public_key", key.public_hex}},
          key));
  MEDCRED_RETURN_IF_ERROR(WriteFileAtomically((fs::path(dir) / "heads" / Numbered(0)).string(), head.bytes));
  MEDCRED_RETURN_IF_ERROR(WriteFileAtomically((fs::path(dir) / "tree-head.json").string(), head.bytes));
  return WriteFileAtomically((fs::path(dir) / "registry.json").string(), reg.bytes);
}

Result<Registry> Registry::Open(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::path(dir) / "registry.json", ec)) {
    return Status::Usage(dir + " is not a registry (no registry.json; create one with medcred registry init)");
  }
  RegistryParts p;
  p.where = dir;
  MEDCRED_ASSIGN_OR_RETURN(p.registry, ReadSigned((fs::path(dir) / "registry.json").string()));
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name != "registry.json" && name != "tree-head.json" && name != "registry.lock" && name != "entries" &&
        name != "heads") {
      return Status::BadInput(dir + "/" + name + ": unexpected in a registry");
    }
  }
  MEDCRED_ASSIGN_OR_RETURN(uint64_t n_entries, CountNumbered((fs::path(dir) / "entries").string(), 0));
  MEDCRED_ASSIGN_OR_RETURN(uint64_t n_heads, CountNumbered((fs::path(dir) / "heads").string(), 0));
  for (uint64_t i = 0; i < n_entries; ++i) {
    MEDCRED_ASSIGN_OR_RETURN(SignedFile f, ReadSigned((fs::path(dir) / "entries" / Numbered(i)).string()));
    p.entries.push_back(std::move(f));
  }
  for (uint64_t i = 0; i < n_heads; ++i) {
    MEDCRED_ASSIGN_OR_RETURN(SignedFile f, ReadSigned((fs::path(dir) / "heads" / Numbered(i)).string()));
    p.heads.push_back(std::move(f));
  }
  MEDCRED_ASSIGN_OR_RETURN(p.tree_head, ReadSigned((fs::path(dir) / "tree-head.json").string()));
  if (p.heads.size() != p.entries.size() + 1) {
    return Status::BadInput(dir + ": " + std::to_string(p.entries.size()) + " entries but " +
                            std::to_string(p.heads.size()) + " tree heads (expected one per size 0.." +
                            std::to_string(p.entries.size()) + "; a truncated log or an interrupted add)");
  }
  return FromParts(std::move(p));
}

Result<Registry> Registry::FromParts(RegistryParts p) {
  Registry r;
  const std::string& w = p.where;
  const nlohmann::json& reg = p.registry.json;
  if (reg.value("format", "") != "medcred-registry-v1" || !reg.contains("public_key") ||
      !reg["public_key"].is_string()) {
    return Status::BadInput(w + "/registry.json: not a medcred registry (format, public_key)");
  }
  r.public_key_ = reg["public_key"];
  MEDCRED_RETURN_IF_ERROR(CheckSignature(reg, r.public_key_, w + "/registry.json"));
  std::string previous;
  for (size_t i = 0; i < p.entries.size(); ++i) {
    const std::string what = w + "/entries/" + Numbered(i);
    const nlohmann::json& e = p.entries[i].json;
    if (!e.contains("index") || !e["index"].is_number_unsigned() || e["index"].get<uint64_t>() != i) {
      return Status::BadInput(what + ": index is not " + std::to_string(i) + " (a removed or reordered entry)");
    }
    const nlohmann::json want_prev = i == 0 ? nlohmann::json(nullptr) : nlohmann::json(previous);
    if (e.value("previous", nlohmann::json()) != want_prev) {
      return Status::BadInput(what + ": previous is not the SHA-256 of entry " + std::to_string(i - 1) +
                              " (a removed, reordered or changed entry)");
    }
    MEDCRED_RETURN_IF_ERROR(VerifyEntrySignature(e, r.public_key_, what));
    previous = Sha256::Hex(p.entries[i].bytes);
    r.leaves_.push_back(LeafHash(p.entries[i].bytes));
  }
  // The root of every prefix of the log, in one pass (each head is checked against its own).
  const std::vector<Hash> roots = PrefixRoots(r.leaves_);
  auto check_head = [&](const SignedFile& h, const std::string& what) -> Status {
    MEDCRED_RETURN_IF_ERROR(CheckSignature(h.json, r.public_key_, what));
    if (h.json.value("public_key", "") != r.public_key_) return Status::BadInput(what + ": signed by a foreign key");
    if (!h.json.contains("size") || !h.json["size"].is_number_unsigned()) return Status::BadInput(what + ": no size");
    const uint64_t size = h.json["size"];
    if (size > r.leaves_.size()) {
      return Status::BadInput(what + ": covers " + std::to_string(size) + " entries but only " +
                              std::to_string(r.leaves_.size()) + " are there (a truncated log)");
    }
    if (h.json.value("root", "") != Hex(roots[size])) {
      return Status::BadInput(what + ": the Merkle root does not match the entries");
    }
    return Status::OK();
  };
  for (size_t i = 0; i < p.heads.size(); ++i) {
    const std::string what = w + "/heads/" + Numbered(i);
    MEDCRED_RETURN_IF_ERROR(check_head(p.heads[i], what));
    if (p.heads[i].json["size"].get<uint64_t>() != i)
      return Status::BadInput(what + ": size is not " + std::to_string(i));
    // Every head's root is the root of a prefix of these same entries, so
    // every pair of heads is consistent; a consistency proof matters to a
    // client holding only an old head (ConsistencyProofJson, /api/consistency).
  }
  MEDCRED_RETURN_IF_ERROR(check_head(p.tree_head, w + "/tree-head.json"));
  if (p.tree_head.json["size"].get<uint64_t>() != r.leaves_.size()) {
    return Status::BadInput(w + "/tree-head.json: covers " + p.tree_head.json["size"].dump() +
                            " entries, but there are " + std::to_string(r.leaves_.size()) +
                            " (an entry added without a head, or a truncated log)");
  }
  if (!p.heads.empty() && p.heads.back().bytes != p.tree_head.bytes) {
    return Status::BadInput(w + "/tree-head.json: not the last head of heads/");
  }
  r.parts_ = std::move(p);
  return r;
}

Result<SignedFile> Registry::Append(const std::string& dir, nlohmann::json body, const SigningKey& key) {
  DirLock lock;
  MEDCRED_RETURN_IF_ERROR(lock.Lock(dir));
  // An add interrupted after writing its entry but before its head leaves one
  // entry the head does not cover: it was never published, so it goes.
  std::error_code ec;
  {
    auto head = ReadSigned((fs::path(dir) / "tree-head.json").string());
    if (head.ok() && head->json.contains("size") && head->json["size"].is_number_unsigned()) {
      const uint64_t size = head->json["size"];
      for (const fs::path& stray :
           {fs::path(dir) / "entries" / Numbered(size), fs::path(dir) / "heads" / Numbered(size + 1)}) {
        if (fs::exists(stray, ec)) {
          std::fprintf(stderr, "registry: removing %s, left by an interrupted add\n", stray.c_str());
          fs::remove(stray, ec);
        }
      }
    }
  }
  MEDCRED_ASSIGN_OR_RETURN(Registry r, Open(dir));
  if (key.public_hex != r.public_key_) {
    return Status::Usage("this key (" + key.public_hex.substr(0, 16) + "…) is not the registry's (" +
                         r.public_key_.substr(0, 16) + "…)");
  }
  const uint64_t index = r.entries().size();
  body["index"] = index;
  body["previous"] = index == 0 ? nlohmann::json(nullptr) : nlohmann::json(Sha256::Hex(r.entries().back().bytes));
  body["issuer"] = key.public_hex;
  body["issued_at"] = NowIso8601Utc();
  MEDCRED_ASSIGN_OR_RETURN(SignedFile entry, SignObject(std::move(body), key));
  if (entry.bytes.size() > kMaxEntryBytes) {
    return Status::BadInput("the entry is " + std::to_string(entry.bytes.size()) + " bytes, more than the " +
                            std::to_string(kMaxEntryBytes) + " an entry may have");
  }
  std::vector<Hash> leaves = r.leaves_;
  leaves.push_back(LeafHash(entry.bytes));
  MEDCRED_ASSIGN_OR_RETURN(SignedFile head, SignObject({{"size", leaves.size()},
                                                        {"root", Hex(MerkleRoot(leaves))},
                                                        {"timestamp", NowIso8601Utc()},
                                                        {"public_key", key.public_hex}},
                                                       key));
  MEDCRED_RETURN_IF_ERROR(WriteFileAtomically((fs::path(dir) / "entries" / Numbered(index)).string(), entry.bytes));
  MEDCRED_RETURN_IF_ERROR(
      WriteFileAtomically((fs::path(dir) / "heads" / Numbered(leaves.size())).string(), head.bytes));
  MEDCRED_RETURN_IF_ERROR(WriteFileAtomically((fs::path(dir) / "tree-head.json").string(), head.bytes));
  return entry;
}

Result<nlohmann::json> Registry::InclusionProofJson(uint64_t index) const {
  if (index >= leaves_.size())
    return Status::Usage("no entry " + std::to_string(index) + " (the log has " + std::to_string(leaves_.size()) + ")");
  nlohmann::json path = nlohmann::json::array();
  for (const Hash& h : InclusionProof(leaves_, index, leaves_.size())) path.push_back(Hex(h));
  return nlohmann::json{{"index", index},
                        {"size", leaves_.size()},
                        {"leaf_hash", Hex(leaves_[index])},
                        {"root", parts_.tree_head.json.value("root", "")},
                        {"path", path}};
}

Result<nlohmann::json> Registry::ConsistencyProofJson(uint64_t old_size) const {
  if (old_size == 0 || old_size > leaves_.size()) {
    return Status::Usage("no tree head of size " + std::to_string(old_size) + " to prove from (the log has " +
                         std::to_string(leaves_.size()) + ")");
  }
  nlohmann::json path = nlohmann::json::array();
  for (const Hash& h : ConsistencyProof(leaves_, old_size, leaves_.size())) path.push_back(Hex(h));
  return nlohmann::json{{"old_size", old_size},
                        {"size", leaves_.size()},
                        {"root", parts_.tree_head.json.value("root", "")},
                        {"path", path}};
}

std::string Registry::PrefixRootHex(uint64_t size) const {
  if (size > leaves_.size()) return "";
  return Hex(MerkleRoot(std::vector<Hash>(leaves_.begin(), leaves_.begin() + static_cast<std::ptrdiff_t>(size))));
}

bool Registry::CheckInclusion(uint64_t index) const {
  if (index >= leaves_.size()) return false;
  std::string root;
  if (!FromHex(parts_.tree_head.json.value("root", ""), &root)) return false;
  return VerifyInclusion(LeafHash(parts_.entries[index].bytes), index, leaves_.size(),
                         InclusionProof(leaves_, index, leaves_.size()), root);
}

}  // namespace medcred
