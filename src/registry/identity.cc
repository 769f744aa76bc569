#include "registry/identity.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/json_util.h"
#include "common/sha256.h"

namespace medcred {
namespace fs = std::filesystem;

nlohmann::json ModelIdentity::ToJson() const {
  nlohmann::json f = nlohmann::json::array();
  for (const ModelFile& m : files) f.push_back({{"path", m.path}, {"size", m.size}, {"sha256", m.sha256}});
  return {{"name", name},
          {"sha256", sha256},
          {"format", format},
          {"architecture", architecture.empty() ? nlohmann::json(nullptr) : nlohmann::json(architecture)},
          {"parameters", parameters ? nlohmann::json(*parameters) : nlohmann::json(nullptr)},
          {"files", f}};
}

Result<std::string> HashFile(const std::string& path, uint64_t* size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Usage(path + ": cannot open: " + std::strerror(errno));
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  constexpr size_t kChunk = 4 << 20;
  std::unique_ptr<char[]> buf(new char[kChunk]);
  Sha256 h;
  uint64_t total = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf.get(), kChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string err = std::strerror(errno);
      ::close(fd);
      return Status::External(path + ": read failed: " + err);
    }
    if (n == 0) break;
    h.Update(buf.get(), static_cast<size_t>(n));
    total += static_cast<uint64_t>(n);
  }
  ::close(fd);
  if (size != nullptr) *size = total;
  return h.HexDigest();
}

namespace {

// A bounded little-endian reader over a file, for GGUF headers.
class Reader {
 public:
  Reader(const std::string& path) : in_(path, std::ios::binary), path_(path) {}
  bool Read(void* p, size_t n) {
    in_.read(static_cast<char*>(p), static_cast<std::streamsize>(n));
    return static_cast<size_t>(in_.gcount()) == n;
  }
  template <typename T>
  bool Get(T* v) {
    return Read(v, sizeof(T));
  }  // GGUF is little-endian, as is every machine medcred builds for
  bool String(std::string* s) {
    uint64_t n = 0;
    if (!Get(&n) || n > (64u << 20)) return false;
    s->resize(n);
    return n == 0 || Read(s->data(), n);
  }
  bool Skip(uint64_t n) {
    in_.seekg(static_cast<std::streamoff>(n), std::ios::cur);
    return static_cast<bool>(in_);
  }

 private:
  std::ifstream in_;
  std::string path_;
};

size_t ScalarSize(uint32_t type) {
  switch (type) {
    case 0:
    case 1:
    case 7:
      return 1;
    case 2:
    case 3:
      return 2;
    case 4:
    case 5:
    case 6:
      return 4;
    case 10:
    case 11:
    case 12:
      return 8;
    default:
      return 0;
  }
}

bool SkipValue(Reader& r, uint32_t type, int depth = 0) {
  if (const size_t n = ScalarSize(type)) return r.Skip(n);
  if (type == 8) {
    std::string s;
    return r.String(&s);
  }
  if (type == 9 && depth < 4) {
    uint32_t et = 0;
    uint64_t count = 0;
    if (!r.Get(&et) || !r.Get(&count) || count > (1ull << 32)) return false;
    if (const size_t n = ScalarSize(et)) return r.Skip(n * count);
    for (uint64_t i = 0; i < count; ++i) {
      if (!SkipValue(r, et, depth + 1)) return false;
    }
    return true;
  }
  return false;
}

Result<HeaderFacts> ReadGguf(const std::string& path) {
  auto bad = [&](const std::string& what) { return Status::BadInput(path + ": damaged GGUF header (" + what + ")"); };
  Reader r(path);
  char magic[4];
  uint32_t version = 0;
  uint64_t tensors = 0, kvs = 0;
  if (!r.Read(magic, 4) || !r.Get(&version)) return bad("magic and version");
  HeaderFacts f;
  f.format = "gguf";
  if (version < 2) return f;  // v1 used 32-bit counts; identify the format only
  if (!r.Get(&tensors) || !r.Get(&kvs) || tensors > (1u << 24) || kvs > (1u << 24)) return bad("counts");
  for (uint64_t i = 0; i < kvs; ++i) {
    std::string key;
    uint32_t type = 0;
    if (!r.String(&key) || !r.Get(&type)) return bad("key " + std::to_string(i));
    if (key == "general.architecture" && type == 8) {
      if (!r.String(&f.architecture)) return bad(key);
    } else if (!SkipValue(r, type)) {
      return bad("value of " + key);
    }
  }
  uint64_t params = 0;
  for (uint64_t i = 0; i < tensors; ++i) {
    std::string name;
    uint32_t dims = 0, type = 0;
    uint64_t offset = 0, count = 1;
    if (!r.String(&name) || !r.Get(&dims) || dims > 8) return bad("tensor " + std::to_string(i));
    for (uint32_t d = 0; d < dims; ++d) {
      uint64_t n = 0;
      if (!r.Get(&n)) return bad("tensor " + name);
      count *= n;
    }
    if (!r.Get(&type) || !r.Get(&offset)) return bad("tensor " + name);
    params += count;
  }
  f.parameters = params;
  return f;
}

Result<HeaderFacts> ReadSafetensors(const std::string& path, uint64_t header_size) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(8);
  std::string header(header_size, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_size));
  if (static_cast<uint64_t>(in.gcount()) != header_size)
    return Status::BadInput(path + ": damaged safetensors header (short)");
  const nlohmann::json j = ParseJson(header, path).value_or(nlohmann::json());
  if (!j.is_object()) return Status::BadInput(path + ": damaged safetensors header (not a JSON object)");
  HeaderFacts f;
  f.format = "safetensors";
  uint64_t params = 0;
  for (const auto& [name, t] : j.items()) {
    if (name == "__metadata__") {
      if (t.is_object() && t.contains("architecture") && t["architecture"].is_string())
        f.architecture = t["architecture"];
      continue;
    }
    if (!t.is_object() || !t.contains("shape") || !t["shape"].is_array()) {
      return Status::BadInput(path + ": damaged safetensors header (tensor " + name + " has no shape)");
    }
    uint64_t count = 1;
    for (const auto& d : t["shape"]) {
      if (!d.is_number_unsigned())
        return Status::BadInput(path + ": damaged safetensors header (shape of " + name + ")");
      count *= d.get<uint64_t>();
    }
    params += count;
  }
  f.parameters = params;
  return f;
}

}  // namespace

Result<HeaderFacts> ReadHeader(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[8] = {};
  in.read(head, 8);
  const auto got = in.gcount();
  in.close();
  if (got >= 4 && std::memcmp(head, "GGUF", 4) == 0) return ReadGguf(path);
  std::error_code ec;
  const uint64_t size = fs::file_size(path, ec);
  if (got == 8 && path.size() > 12 && path.compare(path.size() - 12, 12, ".safetensors") == 0) {
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(head[i]);
    if (n == 0 || n > (100u << 20) || n + 8 > size)
      return Status::BadInput(path + ": damaged safetensors header (size)");
    return ReadSafetensors(path, n);
  }
  return HeaderFacts{};
}

Result<ModelIdentity> HashModel(const std::string& path) {
  std::error_code ec;
  ModelIdentity id;
  fs::path p = fs::path(path).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  id.name = p.filename().string();
  if (fs::is_regular_file(p, ec)) {
    ModelFile f;
    f.path = id.name;
    MEDCRED_ASSIGN_OR_RETURN(f.sha256, HashFile(p.string(), &f.size));
    MEDCRED_ASSIGN_OR_RETURN(HeaderFacts h, ReadHeader(p.string()));
    id.sha256 = f.sha256;
    id.format = h.format;
    id.architecture = h.architecture;
    id.parameters = h.parameters;
    id.files.push_back(f);
    return id;
  }
  if (!fs::is_directory(p, ec)) return Status::Usage(path + ": no such file or directory");
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(p, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Status::External(path + ": cannot list: " + ec.message());
    const std::string name = it->path().filename().string();
    if (it->is_directory() && (name == ".git" || name == ".cache")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    // A link is hashed as the file it names only while that file is inside the
    // directory: a manifest never names, nor hashes, a file outside the model.
    if (it->is_symlink()) {
      const fs::path target = fs::weakly_canonical(it->path(), ec);
      const fs::path root = fs::weakly_canonical(p, ec);
      const auto [end, rest] = std::mismatch(root.begin(), root.end(), target.begin(), target.end());
      if (end != root.end()) {
        return Status::BadInput(it->path().string() + " links to " + target.string() +
                                ", outside the model directory: copy the model with its links resolved (cp -rL) "
                                "and hash the copy");
      }
    }
    files.push_back(it->path());
  }
  if (files.empty()) return Status::Usage(path + ": the directory holds no files");
  std::vector<std::pair<std::string, fs::path>> sorted;
  for (const auto& f : files) sorted.emplace_back(f.lexically_relative(p).generic_string(), f);
  std::sort(sorted.begin(), sorted.end());
  std::string manifest;
  uint64_t params = 0;
  bool any_params = false;
  id.format = "other";
  for (const auto& [rel, full] : sorted) {
    ModelFile f;
    f.path = rel;
    MEDCRED_ASSIGN_OR_RETURN(f.sha256, HashFile(full.string(), &f.size));
    manifest += f.sha256 + " " + std::to_string(f.size) + " " + rel + "\n";
    MEDCRED_ASSIGN_OR_RETURN(HeaderFacts h, ReadHeader(full.string()));
    if (h.format != "other") {
      if (id.format == "other") id.format = h.format;
      if (id.architecture.empty()) id.architecture = h.architecture;
      if (h.parameters && h.format == id.format) {
        params += *h.parameters;
        any_params = true;
      }
    }
    if (rel == "config.json") {  // Hugging Face: {"architectures": ["LlamaForCausalLM"], "model_type": "llama"}
      std::stringstream text;
      text << std::ifstream(full).rdbuf();
      const nlohmann::json c = ParseJson(text.str(), full).value_or(nlohmann::json());
      if (c.is_object() && c.contains("architectures") && c["architectures"].is_array() &&
          !c["architectures"].empty() && c["architectures"][0].is_string()) {
        id.architecture = c["architectures"][0];
      }
    }
    id.files.push_back(f);
  }
  if (any_params) id.parameters = params;
  id.sha256 = Sha256::Hex(manifest);
  return id;
}

}  // namespace medcred
