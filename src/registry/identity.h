// Model identity (`medcred hash`, docs/registry.md): what a registry entry is keyed by.
//
// A single file (GGUF, safetensors, anything) is identified by the SHA-256 of
// its bytes, the value `sha256sum` prints and model hubs list, so anyone can
// check it with standard tools. A model directory is identified by the SHA-256
// of its manifest: one line "<sha256> <size> <relative path>\n" per regular
// file, sorted by path (`.git/` and `.cache/` left out: they duplicate the
// weights or change without them). GGUF and safetensors headers are read for
// the format, the architecture and the parameter count where present.
//
// Files are hashed at disk speed: OpenSSL SHA-256 over 4 MiB reads with
// sequential read-ahead advice.
//
// Thread safety: pure functions over the file system.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace medcred {

struct ModelFile {
  std::string path;  // relative to the model directory; the file name for a single file
  uint64_t size = 0;
  std::string sha256;
};

struct ModelIdentity {
  std::string name;                    // the file or directory name
  std::string sha256;                  // the file's, or the manifest's for a directory
  std::string format;                  // gguf, safetensors or other
  std::string architecture;            // "" when the headers do not say
  std::optional<uint64_t> parameters;  // from the tensor shapes, when readable
  std::vector<ModelFile> files;
  nlohmann::json ToJson() const;
};

Result<ModelIdentity> HashModel(const std::string& path);

// SHA-256 of a file's bytes (hex), and its size.
Result<std::string> HashFile(const std::string& path, uint64_t* size = nullptr);

// Header facts of one file: format, architecture, parameters.
struct HeaderFacts {
  std::string format = "other";
  std::string architecture;
  std::optional<uint64_t> parameters;
};
// Reads a GGUF (v2, v3) or safetensors header; "other" for anything else, and
// BadInput naming the file for a damaged header of a known format.
Result<HeaderFacts> ReadHeader(const std::string& path);

}  // namespace medcred
