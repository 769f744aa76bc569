// Small file helpers shared by the run directory and, later, the registry.
//
// Thread safety: plain functions; callers serialize writes to one path.
#pragma once

#include <string>

#include "common/status.h"

namespace medcred {

// Writes `content` to `path` atomically: a temporary file in the same folder,
// fsync, rename over `path`, fsync of the folder. `mode` is the new file's mode.
Status WriteFileAtomically(const std::string& path, const std::string& content, unsigned mode = 0644);

// Reads a whole file; a missing file is a usage error naming the path.
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace medcred
