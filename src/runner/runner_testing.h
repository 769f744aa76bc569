// Test-only helpers for the runner's tests: a synthetic store with its run
// inputs, and reading a run directory's episodes.
//
// Thread safety: test-only.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "credentials/report.h"
#include "ingest/ingest.h"
#include "runner/runner.h"
#include "testing/testing.h"

namespace medcred::test {

// A scripted model: each reply is a function of the turn.
class Scripted : public Model {
 public:
  using Fn = std::function<Result<ModelReply>(const EpisodeContext&)>;
  explicit Scripted(Fn fn) : fn_(std::move(fn)) {}
  std::string spec() const override { return "test:scripted"; }
  Result<ModelReply> Complete(const Conversation&, const nlohmann::json&, const EpisodeContext& ctx) override {
    return fn_(ctx);
  }

 private:
  Fn fn_;
};

// A reply of tool calls, each (name, JSON arguments).
inline ModelReply Calls(std::vector<std::pair<std::string, std::string>> calls) {
  ModelReply r;
  int i = 0;
  for (auto& [name, args] : calls) r.tool_calls.push_back({"c" + std::to_string(i++), name, args});
  return r;
}

// Ingests the synthetic release into tmp/s.db and loads the run inputs for it
// (split "all"); null, with a test failure, when that fails.
inline std::unique_ptr<RunInputs> SyntheticRunInputs(const TempDir& tmp) {
  WriteSyntheticRelease(tmp / "src");
  IngestOptions io;
  io.sources = {tmp / "src"};
  io.store_path = tmp / "s.db";
  auto summary = Ingest(io);
  EXPECT_TRUE(summary.ok()) << summary.status().message();
  if (!summary.ok()) return nullptr;
  RunOptions o;
  o.store = tmp / "s.db";
  o.split = "all";
  auto in = LoadRunInputs(o);
  EXPECT_TRUE(in.ok()) << in.status().message();
  return in.ok() ? std::move(*in) : nullptr;
}

// A fixture over the synthetic store: run inputs loaded once per test, and
// options for a scripted model over every split.
class SyntheticRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (ReferenceDir().empty()) GTEST_SKIP() << "no ICD reference";
    inputs_ = SyntheticRunInputs(tmp_);
    ASSERT_NE(inputs_, nullptr);
    options_.store = tmp_ / "s.db";
    options_.split = "all";
    options_.model = "test:scripted";
  }
  RunOptions Options(const std::string& out) const {
    RunOptions o = options_;
    o.out_dir = tmp_ / out;
    return o;
  }
  TempDir tmp_;
  RunOptions options_;
  std::unique_ptr<RunInputs> inputs_;
};

// What re-grading a run of these inputs reads: their grader, taxonomy, known
// datasets and the store's cases (light: with their source and store).
inline GradingInputs Grading(const RunInputs& in, Judge* judge = nullptr) {
  GradingInputs g{&*in.grader, &in.taxonomy, &in.known_datasets, &in.cases, in.store_summary.ChecksumDigest(), judge};
  g.case_source = in.case_source.get();
  g.store = in.store.get();
  return g;
}

// The episodes of a run directory, in file order.
inline std::vector<nlohmann::json> ReadEpisodeLines(const std::string& dir) {
  return ReadEpisodeLinesOf(dir + "/episodes.jsonl");
}

}  // namespace medcred::test
