// The viewer's index, JSON API and HTTP server: synthetic run directories
// written by the test (invented cases, no MIMIC data) for the exact cases,
// and two demo runs checked against counts read independently from their
// episodes.jsonl.
#include "viewer/viewer.h"

#include <httplib.h>

#include <fstream>
#include <future>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/json_util.h"
#include "rundir/run_dir.h"
#include "testing/testing.h"
#include "viewer/server.h"
#include "viewer/web_files.h"

namespace medcred::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ModelToolCall Call(const std::string& id, const std::string& name, const std::string& args) { return {id, name, args}; }

// One synthetic episode: categories, outcome, grade level and credit, answer.
EpisodeRecord Episode(const std::string& case_id, std::vector<std::string> categories, const std::string& level,
                      double credit, std::optional<std::string> answer, std::string truth = "I214") {
  EpisodeRecord e;
  e.case_id = case_id;
  e.categories = std::move(categories);
  e.split = "test";
  e.outcome = answer ? "diagnosed" : "limit";
  if (!answer) e.error = "turn limit (2) reached";
  e.turns = 2;
  e.tool_calls = answer ? 1 : 0;
  e.cost = 10 * credit + 1;
  e.messages = {ChatMessage::System("SYNTHETIC system prompt"),
                ChatMessage::User("SYNTHETIC: a 60-year-old arrives (" + case_id + ")")};
  if (answer) {
    e.messages.push_back(ChatMessage::Assistant({"", {Call("s", "submit_diagnosis", "{}")}}));
    e.messages.push_back(ChatMessage::Tool("s", "Diagnosis submitted."));
    e.orders = nlohmann::json::array({{{"tool", "submit_diagnosis"}, {"cost", 0}}});
    e.answer = AnswerRecord{*answer, std::nullopt, {}, std::nullopt};
  }
  e.truth_principal = {truth};
  e.grade = Grade{level, credit, answer ? truth : "", "SYNTHETIC explanation of " + case_id};
  return e;
}

// The detailed episode: a lab order with an abnormal result, a call the
// runner could not parse (protocol error), a reminder, and a submission that
// reuses the first call's id.
EpisodeRecord DetailedEpisode() {
  EpisodeRecord e = Episode("case-a", {"cardiology"}, "exact", 1.0, "Acute MI");
  e.answer->icd10 = "I214";
  e.answer->differential = {"unstable angina", "<b>pericarditis</b>"};
  e.answer->confidence = 0.7;
  e.tool_calls = 3;
  e.protocol_errors = 1;
  e.turns = 4;
  e.messages.resize(2);
  e.messages.push_back(
      ChatMessage::Assistant({"Chest pain: troponin first.", {Call("c1", "order_labs", R"({"tests":["troponin"]})")}}));
  e.messages.push_back(ChatMessage::Tool("c1", "troponin [Troponin T]: 2.1 ng/mL ABNORMAL, +0.5 h\n"));
  e.messages.push_back(ChatMessage::Assistant({"", {Call("c2", "order_lab", "{")}}));
  e.messages.push_back(ChatMessage::Tool("c2", "Error: unknown tool order_lab"));
  e.messages.push_back(ChatMessage::Assistant({"thinking", {}}));
  e.messages.push_back(ChatMessage::User("Please answer with a tool call."));
  e.messages.push_back(
      ChatMessage::Assistant({"", {Call("c1", "submit_diagnosis", R"({"diagnosis":"Acute MI","icd10":"I214"})")}}));
  e.messages.push_back(ChatMessage::Tool("c1", "Diagnosis submitted."));
  e.orders = nlohmann::json::array(
      {{{"tool", "order_labs"},
        {"cost", 10},
        {"orders",
         {{{"query", "troponin"},
           {"status", "resolved"},
           {"concept", "troponin_t"},
           {"cost", 10},
           {"result", {{"performed", true}, {"value", "2.1"}, {"unit", "ng/mL"}, {"flag", "abnormal"}}}}}}},
       {{"tool", "submit_diagnosis"}, {"cost", 0}, {"diagnosis", "Acute MI"}}});
  e.tests_ordered = {"troponin_t"};
  e.tests_performed = {"troponin_t", "sodium", "potassium", "troponin_t"};
  return e;
}

void WriteRun(const std::string& dir, const std::string& model, const std::vector<EpisodeRecord>& episodes) {
  RunDir run(dir);
  ASSERT_TRUE(run.CreateForNewRun().ok());
  RunManifest m;
  m.fingerprint.model = model;
  m.fingerprint.split = "test";
  m.fingerprint.dataset = {"SYNTHETIC", "0", "", "", "unrecognized"};
  m.protocol_version = "v1";
  m.selected_cases = static_cast<int64_t>(episodes.size());
  ASSERT_TRUE(run.WriteManifest(m).ok());
  auto writer = run.OpenEpisodeWriter();
  ASSERT_TRUE(writer.ok());
  for (const auto& e : episodes) ASSERT_TRUE((*writer)->Append(e).ok());
}

std::vector<std::string> CaseIds(const ApiReply& reply) {
  std::vector<std::string> ids;
  for (const auto& row : reply.body["rows"]) ids.push_back(row["case_id"]);
  return ids;
}

class ViewerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteRun(tmp_ / "one", "SYNTHETIC:one",
             {DetailedEpisode(), Episode("case-b", {"cardiology", "emergency_medicine"}, "none", 0, "chest pain"),
              Episode("case-c", {"pulmonology"}, "none", 0, std::nullopt, "J189"),
              Episode("case-d", {"pulmonology"}, "block", 0.5, "pneumonia", "J189")});
    WriteRun(tmp_ / "two", "SYNTHETIC:two",
             {Episode("case-a", {"cardiology"}, "exact", 1.0, "Acute MI"),
              Episode("case-b", {"cardiology", "emergency_medicine"}, "category", 1.0, "NSTEMI"),
              Episode("case-c", {"pulmonology"}, "none", 0, std::nullopt, "J189"),
              Episode("case-e", {"pulmonology"}, "exact", 1.0, "pneumonia", "J189")});
    auto v = Viewer::Open({tmp_ / "one", tmp_ / "two"}, "");
    ASSERT_TRUE(v.ok()) << v.status().message();
    viewer_ = std::make_unique<Viewer>(std::move(*v));
  }
  ApiReply Get(const std::string& path, std::multimap<std::string, std::string> params = {}) {
    return viewer_->Get(path, params);
  }

  TempDir tmp_;
  std::unique_ptr<Viewer> viewer_;
};

TEST_F(ViewerTest, TheIndexHoldsTheTableFieldsAndReadsRecordsByOffset) {
  const RunIndex& r = viewer_->runs()[0];
  ASSERT_EQ(r.rows().size(), 4u);
  const EpisodeRow* b = r.Find("case-b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(r.levels()[b->level], "none");
  EXPECT_EQ(r.outcomes()[b->outcome], "diagnosed");
  EXPECT_FALSE(b->correct);
  EXPECT_EQ(b->answer, "chest pain");
  EXPECT_THAT(b->truth, ElementsAre("I214"));
  ASSERT_EQ(b->categories.size(), 2u);
  EXPECT_EQ(r.categories()[b->categories[1]], "emergency_medicine");
  EXPECT_TRUE(r.Find("case-c")->has_error);
  EXPECT_EQ(r.Find("case-zz"), nullptr);
  // The full record comes back from its offset.
  auto record = r.Read(*r.Find("case-a"));
  ASSERT_TRUE(record.ok()) << record.status().message();
  EXPECT_EQ(record->case_id, "case-a");
  EXPECT_EQ(record->messages.size(), DetailedEpisode().messages.size());
  EXPECT_GT(r.MemoryBytes(), 4 * sizeof(EpisodeRow));
  EXPECT_FALSE(r.Changed());
}

TEST_F(ViewerTest, EpisodesAreFilteredSortedAndPaged) {
  EXPECT_THAT(CaseIds(Get("/api/runs/0/episodes")), ElementsAre("case-a", "case-b", "case-c", "case-d"));
  EXPECT_THAT(CaseIds(Get("/api/runs/0/episodes", {{"wrong", "1"}})), ElementsAre("case-b", "case-c", "case-d"));
  EXPECT_THAT(CaseIds(Get("/api/runs/0/episodes", {{"category", "cardiology"}})), ElementsAre("case-a", "case-b"));
  EXPECT_THAT(CaseIds(Get("/api/runs/0/episodes", {{"category", "emergency_medicine"}, {"wrong", "1"}})),
              ElementsAre("case-b"));
  EXPECT_THAT(CaseIds(Get("/api/runs/0/episodes", {{"level", "none"}})), ElementsAre("case-b", "case-c"));
  EXPECT_THAT(CaseIds(Get("/api/runs/0/episodes", {{"outcome", "limit"}})), ElementsAre("case-c"));
  EXPECT_THAT(CaseIds(Get("/api/runs/0/episodes", {{"q", "j18"}})), ElementsAre("case-c", "case-d"));
  EXPECT_THAT(CaseIds(Get("/api/runs/0/episodes", {{"q", "CHEST"}})), ElementsAre("case-b"));
  EXPECT_TRUE(CaseIds(Get("/api/runs/0/episodes", {{"category", "no_such_category"}})).empty());
  // Sorting: by the field, ties by case id; levels in the methodology's order.
  EXPECT_THAT(CaseIds(Get("/api/runs/0/episodes", {{"sort", "credit"}, {"order", "desc"}})),
              ElementsAre("case-a", "case-d", "case-c", "case-b"));
  EXPECT_THAT(CaseIds(Get("/api/runs/0/episodes", {{"sort", "level"}})),
              ElementsAre("case-a", "case-d", "case-b", "case-c"));
  EXPECT_THAT(CaseIds(Get("/api/runs/0/episodes", {{"sort", "cost"}})),
              ElementsAre("case-b", "case-c", "case-d", "case-a"));
  // Paging.
  ApiReply page = Get("/api/runs/0/episodes", {{"offset", "1"}, {"limit", "2"}});
  EXPECT_THAT(CaseIds(page), ElementsAre("case-b", "case-c"));
  EXPECT_EQ(page.body["total"], 4);
  EXPECT_TRUE(CaseIds(Get("/api/runs/0/episodes", {{"offset", "9"}})).empty());
  // A row's cells: truth codes (titles need the reference: empty here), answer, grade.
  const nlohmann::json row = Get("/api/runs/0/episodes", {{"q", "case-a"}}).body["rows"][0];
  EXPECT_EQ(row["truth"][0]["code"], "I214");
  EXPECT_EQ(row["level"], "exact");
  EXPECT_EQ(row["correct"], true);
  EXPECT_EQ(row["protocol_errors"], 1);
  EXPECT_EQ(row["answer"], "Acute MI");
}

TEST_F(ViewerTest, TwoRunsSideBySideAndWhatDiffers) {
  ApiReply both = Get("/api/runs/0/episodes", {{"with", "1"}});
  ASSERT_EQ(both.status, 200);
  const auto& rows = both.body["rows"];
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1]["others"][0]["run"], 1);
  EXPECT_EQ(rows[1]["others"][0]["level"], "category");
  EXPECT_EQ(rows[1]["others"][0]["answer"], "NSTEMI");
  EXPECT_EQ(rows[3]["others"][0]["present"], false);  // case-d is not in run 1
  // Differs: another grade (case-b), or missing from a run (case-d).
  EXPECT_THAT(CaseIds(Get("/api/runs/0/episodes", {{"with", "1"}, {"differs", "1"}})), ElementsAre("case-b", "case-d"));
  EXPECT_THAT(CaseIds(Get("/api/runs/1/episodes", {{"with", "0"}, {"differs", "1"}})), ElementsAre("case-b", "case-e"));
  EXPECT_THAT(CaseIds(Get("/api/runs/0/episodes", {{"with", "1"}, {"differs", "1"}, {"wrong", "1"}})),
              ElementsAre("case-b", "case-d"));
  // The runs: models, outcomes, levels counted from the episodes.
  ApiReply runs = Get("/api/runs");
  ASSERT_EQ(runs.body["runs"].size(), 2u);
  EXPECT_EQ(runs.body["runs"][1]["model"], "SYNTHETIC:two");
  EXPECT_EQ(runs.body["runs"][0]["outcomes"]["limit"], 1);
  EXPECT_EQ(runs.body["runs"][0]["levels"]["none"], 2);
  EXPECT_EQ(runs.body["runs"][0]["correct"], 1);
  EXPECT_TRUE(runs.body["runs"][0]["credentials"].is_null());  // no report written yet
  EXPECT_THAT(runs.body["runs"][0]["notes"][0].get<std::string>(), HasSubstr("medcred report"));
}

TEST_F(ViewerTest, BadRequestsSayWhatIsWrong) {
  const std::vector<std::pair<std::multimap<std::string, std::string>, std::string>> bad = {
      {{{"colour", "red"}}, "unknown query parameter"},
      {{{"limit", "0"}}, "limit"},
      {{{"limit", "5000"}}, "limit"},
      {{{"offset", "-1"}}, "offset"},
      {{{"sort", "secret"}}, "sort"},
      {{{"order", "up"}}, "order"},
      {{{"with", "7"}}, "with"},
      {{{"with", "0"}}, "with"},
      {{{"differs", "1"}}, "differs"},
      {{{"wrong", "maybe"}}, "wrong"},
  };
  for (const auto& [params, says] : bad) {
    ApiReply r = Get("/api/runs/0/episodes", params);
    EXPECT_EQ(r.status, 400) << says;
    EXPECT_THAT(r.body["error"].get<std::string>(), HasSubstr(says));
  }
  EXPECT_EQ(Get("/api/runs/7/episodes").status, 404);
  EXPECT_EQ(Get("/api/runs/x/episodes").status, 404);
  EXPECT_EQ(Get("/api/runs/0/episodes/case-zz").status, 404);
  EXPECT_EQ(Get("/api/runs/0/episodes/case-a/more").status, 404);
  EXPECT_EQ(Get("/api/secrets").status, 404);
  EXPECT_EQ(Get("/api/runs", {{"x", "1"}}).status, 400);
}

TEST_F(ViewerTest, AnEpisodeIsItsConversationTurnByTurnWithItsGrade) {
  ApiReply r = Get("/api/runs/0/episodes/case-a");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  const auto& e = r.body;
  EXPECT_EQ(e["transcript"]["presentation"], "SYNTHETIC: a 60-year-old arrives (case-a)");
  EXPECT_EQ(e["transcript"]["system"], "SYNTHETIC system prompt");
  const auto& steps = e["transcript"]["steps"];
  ASSERT_EQ(steps.size(), 5u);
  // Turn 1: the model's text, the lab call, its answer and structured record.
  EXPECT_EQ(steps[0]["kind"], "assistant");
  EXPECT_EQ(steps[0]["turn"], 1);
  EXPECT_EQ(steps[0]["text"], "Chest pain: troponin first.");
  const auto& labs = steps[0]["calls"][0];
  EXPECT_EQ(labs["name"], "order_labs");
  EXPECT_EQ(labs["arguments"], R"({"tests":["troponin"]})");
  EXPECT_THAT(labs["answer"].get<std::string>(), HasSubstr("ABNORMAL"));
  EXPECT_EQ(labs["record"]["orders"][0]["result"]["flag"], "abnormal");
  // Turn 2: a call the runner could not parse has no order record.
  const auto& broken = steps[1]["calls"][0];
  EXPECT_EQ(broken["protocol_error"], true);
  EXPECT_TRUE(broken["record"].is_null());
  // Turn 3: text only, then medcred's reminder.
  EXPECT_TRUE(steps[2]["calls"].empty());
  EXPECT_EQ(steps[3]["kind"], "user");
  // Turn 4: the submission (its id repeats turn 1's) gets the next order record.
  EXPECT_EQ(steps[4]["turn"], 4);
  EXPECT_EQ(steps[4]["calls"][0]["record"]["tool"], "submit_diagnosis");
  EXPECT_EQ(steps[4]["calls"][0]["answer"], "Diagnosis submitted.");
  // The answer, grade and tests not ordered.
  EXPECT_EQ(e["answer"]["diagnosis"], "Acute MI");
  EXPECT_EQ(e["answer"]["differential"][1], "<b>pericarditis</b>");
  EXPECT_EQ(e["answer"]["confidence"], 0.7);
  EXPECT_EQ(e["grade"]["level"], "exact");
  EXPECT_EQ(e["grade"]["explanation"], "SYNTHETIC explanation of case-a");
  EXPECT_EQ(e["grade"]["correct"], true);
  EXPECT_THAT(e["tests_not_ordered"].get<std::vector<std::string>>(), ElementsAre("potassium", "sodium"));
  EXPECT_EQ(e["others"][0]["run"], 1);
  EXPECT_EQ(e["others"][0]["present"], true);
  // An episode that ended at a limit: no answer, the error says why.
  ApiReply c = Get("/api/runs/0/episodes/case-c");
  EXPECT_TRUE(c.body["answer"].is_null());
  EXPECT_THAT(c.body["error"].get<std::string>(), HasSubstr("turn limit"));
}

TEST_F(ViewerTest, ACallLeftUnansweredAtTheToolCallLimitShowsSo) {
  EpisodeRecord e = Episode("case-x", {"cardiology"}, "none", 0, std::nullopt);
  e.messages.push_back(ChatMessage::Assistant(
      {"", {Call("a", "get_history", "{}"), Call("b", "physical_exam", "{}")}}));  // two calls, one answered
  e.messages.push_back(ChatMessage::Tool("a", "Chief complaint: SYNTHETIC"));
  e.orders = nlohmann::json::array({{{"tool", "get_history"}, {"cost", 0}}});
  nlohmann::json t = TranscriptJson(e);
  ASSERT_EQ(t["steps"][0]["calls"].size(), 2u);
  EXPECT_EQ(t["steps"][0]["calls"][0]["record"]["tool"], "get_history");
  EXPECT_TRUE(t["steps"][0]["calls"][1]["answer"].is_null());
}

TEST_F(ViewerTest, AFileChangedAfterOpeningIsNoticedNotMisread) {
  const RunIndex& r = viewer_->runs()[0];
  // `medcred report` rewrites episodes.jsonl: the offsets now point elsewhere.
  const std::string path = tmp_ / "one/episodes.jsonl";
  std::string text = ReadFile(path);
  const std::string first = text.substr(0, text.find('\n') + 1);
  {
    std::ofstream out(path + ".new", std::ios::binary);
    out << text.substr(first.size()) << first;
  }
  std::filesystem::rename(path + ".new", path);
  EXPECT_TRUE(r.Changed());
  ApiReply reply = Get("/api/runs/0/episodes/case-a");
  EXPECT_EQ(reply.status, 409);
  EXPECT_THAT(reply.body["error"].get<std::string>(), HasSubstr("changed since the viewer opened it"));
  EXPECT_EQ(Get("/api/runs").body["runs"][0]["changed"], true);
}

TEST_F(ViewerTest, BadLinesAreRefusedNamingThemAndAPartialLastLineIsSkipped) {
  WriteRun(tmp_ / "three", "SYNTHETIC:three", {Episode("case-a", {"cardiology"}, "exact", 1.0, "MI")});
  const std::string path = tmp_ / "three/episodes.jsonl";
  {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << R"({"case_id": "case-killed", "categories": [)";  // a killed run's last line
  }
  auto v = Viewer::Open({tmp_ / "three"});
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->runs()[0].rows().size(), 1u);

  const std::string good = ReadFile(path).substr(0, ReadFile(path).find('\n') + 1);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {good + good, ":2: a second episode of case-a"},
      {good + "not json\n", ":2: not an episode record"},
      {"{\"case_id\": \"x\"}\n", ":1: field `split`"},
      {std::string(good).replace(good.find("\"grade\""), 7, "\"grXde\""), ":1: field `grade`"},
      {std::string(good).replace(good.find("medcred-episode-v2"), 18, "medcred-episode-v9"), "format"},
  };
  for (const auto& [content, says] : bad) {
    WriteFile(path, content);
    auto opened = Viewer::Open({tmp_ / "three"});
    ASSERT_FALSE(opened.ok()) << says;
    EXPECT_EQ(opened.status().exit_code(), 2);
    EXPECT_THAT(opened.status().message(), HasSubstr("episodes.jsonl"));
    EXPECT_THAT(opened.status().message(), HasSubstr(says));
  }
  EXPECT_EQ(Viewer::Open({tmp_ / "nothing"}).status().exit_code(), 1);
  EXPECT_EQ(Viewer::Open({}).status().exit_code(), 1);
}

// --- the HTTP server ------------------------------------------------------------

class ServerTest : public ViewerTest {
 protected:
  void SetUp() override {
    ViewerTest::SetUp();
    server_ = std::make_unique<ViewerServer>(*viewer_);
    std::promise<int> ready;
    thread_ = std::thread([&] {
      bool told = false;
      Status st = server_->Serve("127.0.0.1", 0, [&](int p) {
        told = true;
        ready.set_value(p);
      });
      EXPECT_TRUE(st.ok()) << st.message();
      if (!told) ready.set_value(-1);  // never bound: fail, do not wait forever
    });
    port_ = ready.get_future().get();
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    server_->Stop();
    thread_.join();
  }
  std::unique_ptr<ViewerServer> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(ServerTest, ServesThePageAndTheApiWithSecurityHeaders) {
  httplib::Client c("127.0.0.1", port_);
  auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->get_header_value("Content-Type"), HasSubstr("text/html"));
  EXPECT_THAT(page->body, HasSubstr("<script src=\"app.js\""));
  for (const char* path : {"/", "/app.js", "/api/runs", "/nothing", "/api/nothing"}) {
    auto res = c.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->get_header_value("Content-Security-Policy"), kViewerContentSecurityPolicy);
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
    EXPECT_EQ(res->get_header_value("X-Frame-Options"), "DENY");
  }
  auto js = c.Get("/app.js");
  EXPECT_THAT(js->get_header_value("Content-Type"), HasSubstr("text/javascript"));
  EXPECT_THAT(c.Get("/style.css")->get_header_value("Content-Type"), HasSubstr("text/css"));
  auto api = c.Get("/api/runs/0/episodes?wrong=1&category=cardiology");
  ASSERT_EQ(api->status, 200);
  EXPECT_THAT(api->get_header_value("Content-Type"), HasSubstr("application/json"));
  EXPECT_EQ(nlohmann::json::parse(api->body)["rows"][0]["case_id"], "case-b");
  EXPECT_EQ(c.Get("/api/runs/0/episodes?limit=zero")->status, 400);
  EXPECT_EQ(c.Get("/api/runs/0/episodes/case-a")->status, 200);
  EXPECT_EQ(c.Get("/api/runs/0/episodes/case-zz")->status, 404);
  auto head = c.Head("/");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
}

TEST_F(ServerTest, OtherMethodsAre405) {
  httplib::Client c("127.0.0.1", port_);
  std::vector<httplib::Result> replies;
  replies.push_back(c.Post("/api/runs", "x", "text/plain"));
  replies.push_back(c.Put("/api/runs", "x", "text/plain"));
  replies.push_back(c.Delete("/api/runs/0/episodes/case-a"));
  replies.push_back(c.Patch("/", "x", "text/plain"));
  replies.push_back(c.Options("/"));
  for (const auto& res : replies) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 405);
    EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
  }
}

TEST_F(ServerTest, NoPathReachesTheFileSystem) {
  test::WriteFile(tmp_ / "secret.txt", "outside the viewer");
  httplib::Client c("127.0.0.1", port_);
  for (const char* path : {"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "//etc/passwd", "/run.json",
                           "/episodes.jsonl", "/web/app.js", "/api/../secret.txt", "/api/runs/0/../../secret.txt"}) {
    auto res = c.Get(path);
    if (!res) continue;
    EXPECT_NE(res->status, 200) << path;
    EXPECT_EQ(res->body.find("outside the viewer"), std::string::npos) << path;
    EXPECT_EQ(res->body.find("root:"), std::string::npos) << path;
  }
}

TEST_F(ServerTest, ARequestForAnotherHostIsRefused) {
  // A page elsewhere that rebinds its own name to 127.0.0.1 sends its own Host.
  httplib::Client c("127.0.0.1", port_);
  auto res = c.Get("/api/runs", {{"Host", "attacker.example:" + std::to_string(port_)}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(res->body.find("SYNTHETIC"), std::string::npos);
  EXPECT_EQ(c.Get("/api/runs", {{"Host", "localhost:" + std::to_string(port_)}})->status, 200);
}

TEST_F(ViewerTest, TheServerListensOnLoopbackOnly) {
  for (const char* host : {"0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.org", ""}) {
    ViewerServer s(*viewer_);
    Status st = s.Serve(host, 0, [](int) { ADD_FAILURE() << "bound"; });
    EXPECT_EQ(st.exit_code(), 1) << host;
    EXPECT_THAT(st.message(), HasSubstr("loopback only")) << host;
  }
  auto run = RunMedcred("view " + tmp_ / "one" + " --host 0.0.0.0 --port 0", tmp_);
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("loopback only"));
  EXPECT_EQ(RunMedcred("view " + tmp_ / "nothing" + " --port 0", tmp_).code, 1);
}

TEST(ViewerPageTest, ThePageBuildsItsDomFromTextOnly) {
  // Every value shown is untrusted text: the page must never parse it as HTML.
  std::set<std::string> names;
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    names.insert(std::string(f.name));
    const std::string text(f.bytes);
    EXPECT_EQ(text, ReadFile(std::string(MEDCRED_SOURCE_DIR) + "/src/viewer/web/" + std::string(f.name)));
    for (const char* sink :
         {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "javascript:"}) {
      EXPECT_EQ(text.find(sink), std::string::npos) << f.name << " uses " << sink;
    }
    if (f.name == "index.html") {
      // No inline script or style: the CSP allows only the page's own files.
      EXPECT_EQ(text.find("<script>"), std::string::npos);
      EXPECT_EQ(text.find("style="), std::string::npos);
    }
  }
  EXPECT_TRUE(names.count("index.html") && names.count("app.js") && names.count("style.css"));
}

// --- the demo ---------------------------------------------------------------------

TEST(ViewerDemoTest, TwoDemoRunsMatchTheirEpisodeFiles) {
  MEDCRED_REQUIRE_DEMO(demo);
  MEDCRED_REQUIRE_REFERENCE(reference);
  TempDir tmp;
  auto d = RunMedcred("demo --out " + tmp / "demo" + " --source " + demo, tmp);
  ASSERT_EQ(d.code, 0) << d.err;
  const std::string bayes = tmp / "demo/run-baseline-labs-bayes", prior = tmp / "prior";
  auto p = RunMedcred("run --store " + tmp / "demo/demo.db" + " --model baseline:prior --out " + prior, tmp);
  ASSERT_EQ(p.code, 0) << p.err;
  auto v = Viewer::Open({bayes, prior}, reference);
  ASSERT_TRUE(v.ok()) << v.status().message();
  ASSERT_TRUE(v->has_titles());

  // Counted independently from the files.
  std::map<std::string, nlohmann::json> lines[2];
  int wrong = 0;
  for (int i = 0; i < 2; ++i) {
    for (const auto& j : ReadEpisodeLinesOf((i ? prior : bayes) + "/episodes.jsonl")) lines[i][j["case_id"]] = j;
  }
  for (const auto& [id, j] : lines[0]) wrong += j["grade"]["credit"].get<double>() < 1.0 ? 1 : 0;
  int differs = 0;
  for (const auto& [id, j] : lines[0]) {
    auto it = lines[1].find(id);
    differs += it == lines[1].end() || it->second["grade"]["level"] != j["grade"]["level"] ? 1 : 0;
  }
  ApiReply runs = v->Runs();
  EXPECT_EQ(runs.body["runs"][0]["episodes"], lines[0].size());
  EXPECT_EQ(runs.body["runs"][1]["model"], "baseline:prior");
  EXPECT_FALSE(runs.body["runs"][0]["credentials"].empty());
  EXPECT_EQ(v->Get("/api/runs/0/episodes", {{"wrong", "1"}}).body["total"], wrong);
  EXPECT_EQ(v->Get("/api/runs/0/episodes", {{"with", "1"}, {"differs", "1"}}).body["total"], differs);

  // Every truth code of the demo has its title from the order file.
  ApiReply all = v->Get("/api/runs/0/episodes", {{"limit", "1000"}});
  ASSERT_EQ(all.body["rows"].size(), lines[0].size());
  for (const auto& row : all.body["rows"]) {
    for (const auto& t : row["truth"]) EXPECT_FALSE(t["title"].get<std::string>().empty()) << t["code"];
  }
  // One episode against its line: every tool call in order, tests not ordered.
  const auto& [id, line] = *lines[0].begin();
  ApiReply e = v->Episode(0, id);
  ASSERT_EQ(e.status, 200);
  std::vector<std::string> calls, shown;
  for (const auto& m : line["messages"]) {
    for (const auto& tc : m.value("tool_calls", nlohmann::json::array())) calls.push_back(tc["function"]["name"]);
  }
  for (const auto& s : e.body["transcript"]["steps"]) {
    for (const auto& c : s.value("calls", nlohmann::json::array())) shown.push_back(c["name"]);
  }
  EXPECT_EQ(shown, calls);
  EXPECT_EQ(e.body["transcript"]["presentation"], line["messages"][1]["content"]);
  std::set<std::string> missed;
  for (const auto& t : line["tests_performed"]) missed.insert(t);
  for (const auto& t : line["tests_ordered"]) missed.erase(t);
  EXPECT_EQ(e.body["tests_not_ordered"].get<std::vector<std::string>>(),
            std::vector<std::string>(missed.begin(), missed.end()));
  EXPECT_EQ(e.body["grade"]["explanation"], line["grade"]["explanation"]);
}

}  // namespace
}  // namespace medcred::test
