// RunDir: the run directory's one owner. What it refuses to overwrite, how it
// reads episodes (streaming, by offset, a killed run's last line), and that
// rewrites are atomic.
#include "rundir/run_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "testing/testing.h"

namespace medcred {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

EpisodeRecord Episode(const std::string& id) {
  EpisodeRecord e;
  e.case_id = id;
  e.categories = {"cardiology"};
  e.split = "test";
  e.outcome = "no_diagnosis";
  e.grade = {"none", 0, "", "the answer names no diagnosis"};
  return e;
}

class RunDirTest : public ::testing::Test {
 protected:
  RunDir NewRun(const std::string& name) {
    RunDir dir(tmp_ / name);
    EXPECT_TRUE(dir.CreateForNewRun().ok());
    RunManifest m;
    m.fingerprint.model = "baseline:null";
    EXPECT_TRUE(dir.WriteManifest(m).ok());
    return dir;
  }
  test::TempDir tmp_;
};

TEST_F(RunDirTest, ANewRunIsCreatedOnlyWhereNothingWouldBeOverwritten) {
  const RunDir fresh(tmp_ / "fresh");
  EXPECT_EQ(fresh.Inspect(), RunDir::State::kAbsent);
  ASSERT_TRUE(fresh.CreateForNewRun().ok());
  struct stat st {};
  ASSERT_EQ(::stat(fresh.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  fs::create_directories(tmp_ / "empty");
  EXPECT_TRUE(RunDir(tmp_ / "empty").CreateForNewRun().ok());
  // A folder with other files (`--out .`), a file, a symlink to a folder: refused, untouched.
  test::WriteFile(tmp_ / "home/notes.txt", "mine");
  fs::permissions(tmp_ / "home", fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  const Status home = RunDir(tmp_ / "home").CreateForNewRun();
  EXPECT_EQ(home.exit_code(), 1);
  EXPECT_THAT(home.message(), HasSubstr("is not a medcred run directory"));
  EXPECT_EQ(test::ReadFile(tmp_ / "home/notes.txt"), "mine");
  EXPECT_EQ(fs::status(tmp_ / "home").permissions() & fs::perms::others_read, fs::perms::others_read);
  test::WriteFile(tmp_ / "file", "x");
  EXPECT_FALSE(RunDir(tmp_ / "file").CreateForNewRun().ok());
  fs::create_directory_symlink(tmp_ / "empty", tmp_ / "link");
  EXPECT_FALSE(RunDir(tmp_ / "link").CreateForNewRun().ok());
  const RunDir run = NewRun("run");
  EXPECT_THAT(run.CreateForNewRun().message(), HasSubstr("already holds a run"));
}

TEST_F(RunDirTest, EpisodesStreamWithTheirOffsetsAndAKilledRunsLastLineIsNotAnEpisode) {
  const RunDir run = NewRun("run");
  {
    auto w = run.OpenEpisodeWriter();
    ASSERT_TRUE(w.ok());
    for (const char* id : {"hadm-1", "hadm-2", "hadm-3"}) ASSERT_TRUE((*w)->Append(Episode(id)).ok());
  }
  // A kill in the middle of an append: a partial line without its newline.
  std::string text = test::ReadFile(run.episodes_path());
  test::WriteFile(run.episodes_path(), text + R"({"case_id": "hadm-4", "categ)");
  std::vector<RunDir::EpisodeLocation> where;
  std::vector<std::string> ids;
  ASSERT_TRUE(run.ForEachEpisode([&](EpisodeRecord& e, const RunDir::EpisodeLocation& w) {
                   ids.push_back(e.case_id);
                   where.push_back(w);
                   return Status::OK();
                 })
                  .ok());
  EXPECT_EQ(ids, (std::vector<std::string>{"hadm-1", "hadm-2", "hadm-3"}));
  ASSERT_EQ(where.size(), 3u);
  EXPECT_EQ(where[1].line, 2);
  auto second = run.ReadEpisodeAt(where[1]);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->case_id, "hadm-2");
  ASSERT_TRUE(run.CutPartialLastLine().ok());
  EXPECT_EQ(test::ReadFile(run.episodes_path()), text);
}

TEST_F(RunDirTest, ABadLineIsNamedAndAnErrorStopsTheScan) {
  const RunDir run = NewRun("run");
  test::WriteFile(run.episodes_path(), Episode("hadm-1").ToJson().dump() + "\n{\"no\": \"case\"}\n" +
                                           Episode("hadm-3").ToJson().dump() + "\n");
  const Status s = run.ForEachEpisode([](EpisodeRecord&, const RunDir::EpisodeLocation&) { return Status::OK(); });
  EXPECT_EQ(s.exit_code(), 2);
  EXPECT_THAT(s.message(), HasSubstr("episodes.jsonl:2: not an episode record"));
  // JSON nested 100,000 deep is refused before it is parsed, not a crash.
  test::WriteFile(run.episodes_path(), std::string(100000, '[') + std::string(100000, ']') + "\n");
  EXPECT_EQ(run.ForEachEpisode([](EpisodeRecord&, const RunDir::EpisodeLocation&) { return Status::OK(); }).exit_code(),
            2);
}

TEST_F(RunDirTest, ARewriteChangesOnlyWhatChangedAndLeavesNoTemporaryFile) {
  const RunDir run = NewRun("run");
  {
    auto w = run.OpenEpisodeWriter();
    for (const char* id : {"hadm-1", "hadm-2"}) ASSERT_TRUE((*w)->Append(Episode(id)).ok());
  }
  const std::string before = test::ReadFile(run.episodes_path());
  ASSERT_TRUE(
      run.RewriteEpisodes([](EpisodeRecord&, const RunDir::EpisodeLocation&) -> Result<bool> { return false; }).ok());
  EXPECT_EQ(test::ReadFile(run.episodes_path()), before);
  // A failing rewrite leaves the file as it was.
  EXPECT_FALSE(run.RewriteEpisodes([](EpisodeRecord& e, const RunDir::EpisodeLocation& w) -> Result<bool> {
                    if (w.line == 2) return Status::BadInput("stop");
                    e.outcome = "limit";
                    return true;
                  })
                   .ok());
  EXPECT_EQ(test::ReadFile(run.episodes_path()), before);
  ASSERT_TRUE(run.RewriteEpisodes([](EpisodeRecord& e, const RunDir::EpisodeLocation& w) -> Result<bool> {
                   if (w.line != 2) return false;
                   e.outcome = "limit";
                   return true;
                 })
                  .ok());
  const auto lines = test::ReadEpisodeLinesOf(run.episodes_path());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["outcome"], "no_diagnosis");
  EXPECT_EQ(lines[1]["outcome"], "limit");
  for (const auto& f : fs::directory_iterator(run.path())) {
    EXPECT_EQ(f.path().filename().string().find(".tmp"), std::string::npos) << f.path();
  }
}

TEST_F(RunDirTest, OnlyOneProcessWritesARunAtATime) {
  const RunDir run = NewRun("run");
  auto first = run.LockForWriting();
  ASSERT_TRUE(first.ok());
  // flock locks belong to open files: a second open in this process conflicts as another process would.
  auto second = run.LockForWriting();
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr("being written by another medcred process"));
}

}  // namespace
}  // namespace medcred
