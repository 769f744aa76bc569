// Comparing two runs case by case (`medcred compare RUN_A RUN_B`, docs/cli.md#compare):
// per category of the methodology's credential split, each run's accuracy over its own
// episodes, and on the cases both ran the paired table, the difference A - B with
// Newcombe's hybrid score interval and the exact McNemar test (credentials/paired.h),
// and the case ids where they disagree.
//
// Two runs are compared only when the comparison means something: the same dataset
// (checksum digest), the same methodology (version, methodology, lexicon and taxonomy
// hashes, as their summary.json records them after `medcred report`), the same exam
// (summary.json's `exam`, when either has one) and the same credential split. Anything
// else is refused, naming what differs.
//
// Case ids are local: ToJson(true) holds them and is for the terminal only; nothing
// here is ever written into a published file.
//
// Thread safety: pure function over two run directories (read only).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "credentials/paired.h"

namespace medcred {

struct RunComparison {
  struct Side {
    std::string dir, model;
    int64_t episodes = 0;  // of the credential split
  };
  struct Category {
    std::string name;
    int64_t n_a = 0, correct_a = 0, n_b = 0, correct_b = 0;  // each run's own episodes
    PairedComparison paired;                                 // the cases both ran
    std::vector<std::string> only_a, only_b;                 // case ids: A right and B wrong, and the reverse
  };
  Side a, b;
  std::string split, methodology_version, dataset;
  double confidence = 0.95;
  std::vector<std::string> notes;    // differences that do not prevent the comparison (protocol, catalog, ...)
  std::vector<Category> categories;  // by name

  nlohmann::json ToJson() const;  // local output: holds the disagreeing case ids
  std::string Text() const;       // the same, as a table and lists for a terminal
};

Result<RunComparison> CompareRuns(const std::string& run_a, const std::string& run_b);

}  // namespace medcred
