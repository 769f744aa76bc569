// Run outputs end to end: a scripted model's run on the synthetic release,
// then summary.json, credentials.json and report.html built from its episodes.
#include "credentials/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "models/model.h"
#include "runner/runner_testing.h"
#include "testing/testing.h"

namespace medcred {
namespace {

namespace fs = std::filesystem;
using test::Calls;
using test::Scripted;
using test::TempDir;
using ::testing::HasSubstr;

class ReportTest : public test::SyntheticRunTest {
 protected:
  void SetUp() override {
    SyntheticRunTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    options_.out_dir = tmp_ / "run";
    Scripted doctor([](const EpisodeContext& ctx) -> Result<ModelReply> {
      if (ctx.turn == 1) return Calls({{"order_labs", R"({"tests": ["BMP", "troponin", "lipase"]})"}});
      return Calls({{"submit_diagnosis", R"({"diagnosis": "NSTEMI"})"}});
    });
    auto r = medcred::Run(options_, *inputs_, doctor);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  // The run's case ids. (The synthetic release's subject and hadm ids are
  // small numbers that any page of figures contains; the demo's 8-digit ids
  // are scanned for by the `medcred demo` test in cli/.)
  std::vector<std::string> Ids() const {
    std::vector<std::string> ids;
    for (const Case& c : inputs_->cases.cases) ids.push_back(c.case_id);
    return ids;
  }
};

TEST_F(ReportTest, OutputsFollowSpec11AndAgreeWithTheEpisodes) {
  auto out = BuildRunOutputs(options_.out_dir, test::Grading(*inputs_));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->regraded, 0);
  const auto summary = nlohmann::json::parse(test::ReadFile(options_.out_dir + "/summary.json"));
  for (const char* k : {"model", "dataset", "demo", "episodes", "categories", "outcomes", "hashes"}) {
    EXPECT_TRUE(summary.contains(k)) << k;
  }
  for (const char* k : {"protocol", "methodology", "taxonomy", "catalog", "lexicon", "cost_table"}) {
    EXPECT_EQ(summary["hashes"][k].get<std::string>().size(), 64u) << k;
  }
  EXPECT_EQ(summary["hashes"]["methodology"], inputs_->grader->methodology().sha256);
  EXPECT_EQ(summary["hashes"]["lexicon"], inputs_->grader->lexicon_sha256());
  EXPECT_EQ(summary["model"], "test:scripted");
  // Recount the test split from the episodes themselves.
  std::map<std::string, std::pair<int, double>> want;  // category -> (n, points)
  int episodes = 0;
  for (const auto& e : test::ReadEpisodeLines(options_.out_dir)) {
    ++episodes;
    if (e["split"] != "test") continue;
    for (const auto& c : e["categories"]) {
      want[c].first++;
      want[c].second += e["grade"]["credit"].get<double>();
    }
  }
  EXPECT_EQ(summary["episodes"], episodes);
  EXPECT_EQ(summary["outcomes"]["diagnosed"], episodes);
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(summary["categories"].size(), want.size());
  for (const auto& [name, np] : want) {
    const auto& c = summary["categories"][name];
    for (const char* k : {"n", "points", "correct", "accuracy", "ci_low", "ci_high", "tier", "mean_cost", "mean_turns",
                          "test_precision", "test_recall"}) {
      EXPECT_TRUE(c.contains(k)) << name << " " << k;
    }
    EXPECT_EQ(c["n"], np.first) << name;
    EXPECT_DOUBLE_EQ(c["points"].get<double>(), np.second) << name;
    EXPECT_DOUBLE_EQ(c["mean_turns"].get<double>(), 2.0);
    EXPECT_LE(c["ci_low"].get<double>(), c["accuracy"].get<double>());
    EXPECT_GE(c["ci_high"].get<double>(), c["accuracy"].get<double>());
    EXPECT_EQ(c["tier"], "unrecognized");  // the synthetic release is no known MIMIC-IV release
  }
  const auto cred = nlohmann::json::parse(test::ReadFile(options_.out_dir + "/credentials.json"));
  EXPECT_EQ(cred["categories"].size(), want.size());
  EXPECT_EQ(cred["categories"][0]["rank"], 1);
  EXPECT_EQ(cred["methodology"]["version"], "v2");
  EXPECT_FALSE(cred["settings"].contains("case_ids"));
  for (const auto& c : cred["categories"]) EXPECT_TRUE(c["complete_suite"].get<bool>() || c["name"] == "") << c;
  for (const char* f : {"summary.json", "credentials.json", "report.html"}) {
    struct stat st {};
    ASSERT_EQ(::stat((options_.out_dir + "/" + f).c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }
}

TEST_F(ReportTest, NothingPublishableHoldsACaseOrPatientId) {
  ASSERT_TRUE(BuildRunOutputs(options_.out_dir, test::Grading(*inputs_)).ok());
  const std::string episodes = test::ReadFile(options_.out_dir + "/episodes.jsonl");
  for (const char* f : {"summary.json", "credentials.json", "report.html"}) {
    const std::string text = test::ReadFile(options_.out_dir + "/" + f);
    for (const std::string& id : Ids()) {
      EXPECT_EQ(text.find(id), std::string::npos) << f << " holds " << id;
      EXPECT_NE(episodes.find(id), std::string::npos) << "the scan would not notice " << id;
    }
    EXPECT_EQ(text.find("hadm-"), std::string::npos) << f;
  }
}

TEST_F(ReportTest, ReportRegradesEveryEpisode) {
  // Tamper with the grades and an answer; the report recomputes them.
  const std::string path = options_.out_dir + "/episodes.jsonl";
  auto lines = test::ReadEpisodeLines(options_.out_dir);
  ASSERT_GE(lines.size(), 2u);
  const nlohmann::json good_grade = lines[0]["grade"];
  lines[0]["grade"] = {{"level", "exact"}, {"credit", 1.0}, {"mapped_code", "Z000"}};
  lines[1]["answer"]["diagnosis"] = "unknown";
  std::string text;
  for (const auto& l : lines) text += l.dump() + "\n";
  test::WriteFile(path, text);
  auto out = BuildRunOutputs(options_.out_dir, test::Grading(*inputs_));
  ASSERT_TRUE(out.ok()) << out.status().message();
  const auto again = test::ReadEpisodeLines(options_.out_dir);
  EXPECT_EQ(again[0]["grade"], good_grade);
  EXPECT_EQ(again[1]["grade"]["level"], "none");
  EXPECT_GE(out->regraded, 1);
  // A second report changes nothing.
  auto twice = BuildRunOutputs(options_.out_dir, test::Grading(*inputs_));
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->regraded, 0);
  EXPECT_EQ(test::ReadFile(path), [&] {
    std::string t;
    for (const auto& l : again) t += l.dump() + "\n";
    return t;
  }());
}

TEST_F(ReportTest, ABadEpisodeLineIsNamed) {
  const std::string path = options_.out_dir + "/episodes.jsonl";
  auto lines = test::ReadEpisodeLines(options_.out_dir);
  lines[1].erase("truth");
  std::string text;
  for (const auto& l : lines) text += l.dump() + "\n";
  test::WriteFile(path, text);
  auto out = BuildRunOutputs(options_.out_dir, test::Grading(*inputs_));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().exit_code(), 2);
  EXPECT_THAT(out.status().message(), HasSubstr("episodes.jsonl:2"));
  EXPECT_THAT(out.status().message(), HasSubstr("truth"));
  test::WriteFile(path, text.substr(0, 20) + "\n");
  out = BuildRunOutputs(options_.out_dir, test::Grading(*inputs_));
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("episodes.jsonl:1"));
  EXPECT_EQ(BuildRunOutputs(tmp_ / "nowhere", test::Grading(*inputs_)).status().exit_code(), 1);
}

// A judge that agrees whenever the answer names an infarction.
class FakeJudge : public Model {
 public:
  std::string spec() const override { return "test:judge"; }
  Result<ModelReply> Complete(const Conversation& messages, const nlohmann::json& tools,
                              const EpisodeContext&) override {
    ++calls;
    EXPECT_EQ(tools[0]["function"]["name"], "verdict");
    const std::string prompt = messages[1].content;
    EXPECT_THAT(prompt, HasSubstr("Principal discharge diagnosis: "));
    if (prompt.find("NSTEMI") != std::string::npos) return ModelReply{"CORRECT. Same disease.", {}};
    return ModelReply{"", {{"v1", "verdict", R"({"correct": false, "reason": "another disease"})"}}};
  }
  int calls = 0;
};

TEST_F(ReportTest, TheJudgeIsReportedBesideTheGradeWithItsAgreement) {
  FakeJudge model;
  auto judge = Judge::Load(&model, &*inputs_->reference);
  ASSERT_TRUE(judge.ok()) << judge.status().message();
  auto out = BuildRunOutputs(options_.out_dir, test::Grading(*inputs_, &*judge));
  ASSERT_TRUE(out.ok()) << out.status().message();
  const auto lines = test::ReadEpisodeLines(options_.out_dir);
  EXPECT_EQ(model.calls, static_cast<int>(lines.size()));
  int agree = 0, judged = 0;
  for (const auto& e : lines) {
    ASSERT_TRUE(e.contains("judge"));
    EXPECT_EQ(e["judge"]["correct"], true);  // every answer is "NSTEMI"
    EXPECT_EQ(e["judge"]["rubric"], judge->rubric_sha256());
    if (e["split"] == "test") {
      ++judged;
      agree += e["grade"]["credit"].get<double>() >= 1.0;
    }
  }
  ASSERT_GT(judged, 0);
  const auto summary = nlohmann::json::parse(test::ReadFile(options_.out_dir + "/summary.json"));
  EXPECT_EQ(summary["judge"]["judged"], judged);
  EXPECT_DOUBLE_EQ(summary["judge"]["agreement"].get<double>(), static_cast<double>(agree) / judged);
  // The grade is the grader's, whatever the judge said.
  for (const auto& e : lines) EXPECT_NE(e["grade"]["level"], "");
  EXPECT_THAT(test::ReadFile(options_.out_dir + "/report.html"), HasSubstr("LLM judge"));

  ModelReply bad{"maybe", {}};
  EXPECT_FALSE(Judge::ParseVerdict(bad).ok());
  bad = {"", {{"v", "verdict", R"({"correct": "yes"})"}}};
  EXPECT_FALSE(Judge::ParseVerdict(bad).ok());
  auto v = Judge::ParseVerdict({"incorrect: a different organ", {}});
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->correct);
}

TEST_F(ReportTest, TheReportRendersInHeadlessChromium) {
  MEDCRED_REQUIRE_BROWSER(browser);
  ASSERT_TRUE(BuildRunOutputs(options_.out_dir, test::Grading(*inputs_)).ok());
  const std::string html = test::ReadFile(options_.out_dir + "/report.html");
  // Self-contained: nothing is fetched.
  for (const char* remote : {"http://", "https://", "<script", "@import", "<link"}) {
    std::string h = html;
    // The SVG namespace is an identifier, not a fetch.
    for (size_t at; (at = h.find("http://www.w3.org/2000/svg")) != std::string::npos;) h.erase(at, 26);
    EXPECT_EQ(h.find(remote), std::string::npos) << remote;
  }
  const std::string png = tmp_ / "report.png";
  const auto page = test::RenderInChromium("file://" + options_.out_dir + "/report.html", png, tmp_);
  ASSERT_TRUE(page.ok) << page.error;
  EXPECT_THAT(page.dom, HasSubstr("id=\"credentials\""));
  EXPECT_THAT(page.dom, HasSubstr("<svg"));
  EXPECT_THAT(page.dom, HasSubstr("Accuracy and its interval"));
  EXPECT_EQ(page.png_width, 1200);
  EXPECT_EQ(page.png_height, 1600);
  // A blank 1200x1600 page compresses to a few kB; tables and charts do not.
  EXPECT_GT(page.png_bytes, 30000u);
  std::printf("report.html rendered by %s: %ju-byte screenshot\n", browser.c_str(), page.png_bytes);
  if (const char* keep = std::getenv("MEDCRED_KEEP_SCREENSHOTS"))
    fs::copy_file(png, std::string(keep) + "/report.png", fs::copy_options::overwrite_existing);
}

}  // namespace
}  // namespace medcred
