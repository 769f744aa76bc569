// What an entry claims, recomputed: a verifier trusts a signature only for who
// wrote the entry, never for what it says. For each category the accuracy,
// interval and tier are computed again from the entry's own counts under the
// methodology it names (data/methodology-<version>.toml, whose SHA-256 must be
// the one recorded), and the dataset's status from its release digest under
// the known datasets (store/datasets.h): a demo or unrecognized dataset earns
// no tier. An entry that claims more than its counts give is refused.
//
// Thread safety: a ClaimChecker caches methodologies; one per thread.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "grading/grader.h"
#include "store/datasets.h"

namespace medcred {

class ClaimChecker {
 public:
  explicit ClaimChecker(const KnownDatasets& known) : known_(known) {}
  // OK when every claim of `entry` is what its counts give; BadInput naming
  // `what` (e.g. "entry #3") and the claim otherwise.
  Status Check(const nlohmann::json& entry, const std::string& what);

 private:
  Result<const Methodology*> MethodologyOf(const std::string& version, const std::string& sha256,
                                           const std::string& what);
  const KnownDatasets& known_;
  std::map<std::string, Methodology> methodologies_;
};

}  // namespace medcred
