#include "environment/environment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include <set>

#include <sstream>

#include <fstream>

#include "common/time.h"
#include "ingest/ingest.h"
#include "testing/testing.h"

namespace medcred {
namespace {

using test::Exec;
using test::QueryColumn;
using test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

int64_t T(const char* ts) { return ParseTimestamp(ts).value(); }

// A store, its cases and an environment over it.
struct World {
  std::unique_ptr<Store> store;
  CaseSet cases;
  std::optional<Environment> env;
  std::optional<IcdReference> reference;
  std::optional<Ccsr> ccsr;

  const Case& Find(const std::string& id) const {
    for (const Case& c : cases.cases) {
      if (c.case_id == id) return c;
    }
    throw std::runtime_error("no case " + id);
  }
};

std::unique_ptr<World> Build(const std::string& db, const std::string& ref_dir) {
  auto w = std::make_unique<World>();
  auto store = OpenStore(db);
  EXPECT_TRUE(store.ok()) << store.status().message();
  if (!store.ok()) return nullptr;
  w->store = std::move(*store);
  auto tax = Taxonomy::Load();
  auto rules = PresentationRules::Load();
  auto ref = IcdReference::Load(ref_dir);
  auto ccsr = Ccsr::Load(ref_dir);
  EXPECT_TRUE(ccsr.ok()) << ccsr.status().message();
  if (!ccsr.ok()) return nullptr;
  w->ccsr = std::move(*ccsr);
  auto catalog = LabCatalog::Load();
  auto costs = CostTable::Load();
  EXPECT_TRUE(tax.ok() && rules.ok() && ref.ok() && catalog.ok() && costs.ok());
  if (!tax.ok() || !rules.ok() || !ref.ok() || !catalog.ok() || !costs.ok()) return nullptr;
  w->reference = std::move(*ref);
  auto cases = BuildCases(*w->store, CaseInputs{&*tax, &*rules, &*w->reference, &*w->ccsr});
  EXPECT_TRUE(cases.ok()) << cases.status().message();
  if (!cases.ok()) return nullptr;
  w->cases = std::move(*cases);
  auto env = Environment::Create(*w->store, std::move(*catalog), std::move(*costs), std::move(*rules), WindowHours{});
  EXPECT_TRUE(env.ok()) << env.status().message();
  if (!env.ok()) return nullptr;
  w->env = std::move(*env);
  return w;
}

// A tool's answer as both its renderings: the model's text and the transcript's record.
struct Rendered {
  std::string text;
  nlohmann::json record;
  double cost = 0;
  int invalid_orders = 0;
  bool submitted = false;
};

Rendered Call(Episode& e, const std::string& tool, const std::string& args) {
  auto call = ParseToolCall(tool, args);
  EXPECT_TRUE(call.ok()) << call.status().message();
  const ToolAnswer a = e.Call(*call);
  return {a.Text(), a.ToJson(), a.cost, a.invalid_orders, a.submitted()};
}

class SyntheticEnvironment : public ::testing::Test {
 protected:
  void SetUp() override {
    ref_ = test::ReferenceDir();
    if (ref_.empty()) GTEST_SKIP() << "no ICD reference";
    test::WriteSyntheticRelease(tmp_ / "src");
    IngestOptions o;
    o.sources = {tmp_ / "src"};
    o.store_path = db_ = tmp_ / "s.db";
    ASSERT_TRUE(Ingest(o).ok());
  }
  Episode Open(const std::string& case_id) {
    const Case& c = world_->Find(case_id);
    auto e = Episode::Open(*world_->store, *world_->env, c);
    EXPECT_TRUE(e.ok()) << e.status().message();
    return std::move(*e);
  }
  TempDir tmp_;
  std::string db_, ref_;
  std::unique_ptr<World> world_;
};

TEST_F(SyntheticEnvironment, LabsAreTheFirstResultInTheWindowMatchedByTime) {
  world_ = Build(db_, ref_);
  ASSERT_NE(world_, nullptr);
  Episode e = Open("hadm-101");
  Rendered r = Call(e, "order_labs", R"({"tests": ["potassium", "troponin", "lipase", "creatinin", "xyzzy"]})");
  // Potassium: charted without hadm_id, half an hour after arrival.
  EXPECT_THAT(r.text, HasSubstr("potassium [Potassium]: 4.1 mEq/L (ref 3.3-5.1), +0.5 h"));
  EXPECT_THAT(r.text, HasSubstr("troponin [Troponin T]: 0.35 ng/mL (ref 0-0.01) ABNORMAL, +0.5 h"));
  EXPECT_THAT(r.text, HasSubstr("lipase [lipase]: not performed"));
  EXPECT_THAT(r.text, HasSubstr("creatinin (read as \"creatinine\") [Creatinine]: 0.9 mg/dL"));
  EXPECT_THAT(r.text, HasSubstr("\"xyzzy\": unrecognized test"));
  EXPECT_EQ(r.invalid_orders, 1);
  const auto& orders = r.record["orders"];
  ASSERT_EQ(orders.size(), 5u);
  EXPECT_EQ(orders[0]["result"]["itemid"], 50971);
  EXPECT_DOUBLE_EQ(orders[0]["result"]["hours"].get<double>(), 0.5);
  EXPECT_EQ(orders[2]["result"]["performed"], false);
  EXPECT_EQ(orders[4]["status"], "unrecognized");
  // Lab comments are never shown (labevent 2 has one in the source file).
  EXPECT_THAT(r.text, Not(HasSubstr("Comment")));
}

// A light case (a run's index entry, no presentation) never opens an episode:
// the model would be shown nothing. It must be built whole first.
TEST_F(SyntheticEnvironment, ALightCaseOpensNoEpisode) {
  world_ = Build(db_, ref_);
  ASSERT_NE(world_, nullptr);
  Case light = world_->Find("hadm-101");
  light.presentation.reset();
  auto e = Episode::Open(*world_->store, *world_->env, light);
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().message(), HasSubstr("hadm-101"));
  EXPECT_THAT(e.status().message(), HasSubstr("light case"));
}

TEST_F(SyntheticEnvironment, PanelsAnswerEachTestAndResultsBeforeArrivalCount) {
  world_ = Build(db_, ref_);
  ASSERT_NE(world_, nullptr);
  Episode e = Open("hadm-101");
  Rendered r = Call(e, "order_labs", R"({"tests": ["CBC"]})");
  EXPECT_THAT(r.text, HasSubstr("CBC [Complete blood count]:\n"));
  // The white count was drawn 22 hours before arrival, inside [t0 - 24 h, t0 + 48 h].
  EXPECT_THAT(r.text, HasSubstr("  White Blood Cells: 7.2 K/uL (ref 4-11), -22.0 h\n"));
  EXPECT_THAT(r.text, HasSubstr("  hemoglobin: not performed\n"));
  EXPECT_EQ(r.record["orders"][0]["results"].size(), 10u);  // v2: with the RDW-SD
  EXPECT_GT(r.cost, 0);
  // Ordered again: the same answer, not charged twice.
  Rendered again = Call(e, "order_labs", R"({"tests": ["complete blood count"]})");
  EXPECT_EQ(again.cost, 0);
  EXPECT_DOUBLE_EQ(e.cost(), r.cost);
  EXPECT_TRUE(e.ordered_lab_concepts().count("wbc"));
  EXPECT_TRUE(e.performed_lab_concepts().count("potassium"));
  EXPECT_FALSE(e.performed_lab_concepts().count("lipase"));
}

TEST_F(SyntheticEnvironment, WindowEdgesAreInclusive) {
  // SYNTHETIC rows at the exact edges of 101's window (t0 = 2150-03-01 08:00).
  const int64_t t0 = T("2150-03-01 08:00:00");
  const int64_t lo = t0 - 24 * 3600, hi = t0 + 48 * 3600;
  Exec(db_,
       "INSERT INTO d_labitems VALUES (50956, 'Lipase', 'Blood', 'Chemistry'), "
       "(50861, 'Alanine Aminotransferase (ALT)', 'Blood', 'Chemistry')");
  auto lab = [&](int id, int itemid, int64_t t, const char* v) {
    Exec(db_,
         "INSERT INTO labevents (labevent_id, subject_id, hadm_id, itemid, charttime, value, valuenum, valueuom) "
         "VALUES (" +
             std::to_string(id) + ", 1, NULL, " + std::to_string(itemid) + ", " + std::to_string(t) + ", '" + v +
             "', " + v + ", 'u')");
  };
  lab(901, 51222, lo - 1, "9.0");  // hemoglobin one second too early
  lab(902, 51222, lo, "10.0");     // ... and exactly at the lower edge
  lab(903, 50956, hi, "30");       // lipase exactly at the upper edge
  lab(904, 50956, hi + 1, "31");
  lab(905, 50861, hi + 1, "40");  // ALT only after the window
  world_ = Build(db_, ref_);
  ASSERT_NE(world_, nullptr);
  Episode e = Open("hadm-101");
  Rendered r = Call(e, "order_labs", R"({"tests": ["hemoglobin", "lipase", "ALT"]})");
  EXPECT_THAT(r.text, HasSubstr("[Hemoglobin]: 10.0 u, -24.0 h"));
  EXPECT_THAT(r.text, HasSubstr("[Lipase]: 30 u, +48.0 h"));
  EXPECT_THAT(r.text, HasSubstr("ALT [alt]: not performed"));
}

TEST_F(SyntheticEnvironment, MicrobiologyShowsOrganismsSusceptibilitiesAndNoGrowth) {
  world_ = Build(db_, ref_);
  ASSERT_NE(world_, nullptr);
  Episode e = Open("hadm-301");
  Rendered r =
      Call(e, "order_microbiology", R"({"tests": ["blood cultures", "urine culture", "MRSA screen", "tea leaves"]})");
  EXPECT_THAT(r.text, HasSubstr("blood cultures [Blood culture]: specimen BLOOD CULTURE, +1.0 h"));
  EXPECT_THAT(
      r.text,
      HasSubstr("  Blood Culture, Routine:\n    STREPTOCOCCUS PNEUMONIAE; susceptibilities: CEFTRIAXONE S (0.25), "
                "PENICILLIN G S (<=0.06)\n"));
  EXPECT_THAT(r.text, Not(HasSubstr("ESCHERICHIA COLI")));  // a later specimen, outside the window
  EXPECT_THAT(r.text, HasSubstr("URINE CULTURE: NO GROWTH."));
  EXPECT_THAT(r.text, HasSubstr("MRSA screen [MRSA screen]: not performed"));
  EXPECT_THAT(r.text, HasSubstr("\"tea leaves\": unrecognized microbiology order"));
  EXPECT_EQ(r.invalid_orders, 1);
  EXPECT_EQ(e.invalid_orders(), 1);
}

TEST_F(SyntheticEnvironment, ImagingWithReportsAndWithOrdersOnly) {
  world_ = Build(db_, ref_);
  ASSERT_NE(world_, nullptr);
  Episode e = Open("hadm-101");
  Rendered r = Call(e, "order_imaging", R"({"modality": "x-ray", "region": "chest"})");
  EXPECT_THAT(r.text,
              HasSubstr("Imaging (xray chest): CHEST (PA AND LAT), +1.0 h\nFindings: Invented, no consolidation."));
  EXPECT_EQ(r.record["performed"], true);
  r = Call(e, "order_imaging", R"({"modality": "CXR", "region": ""})");
  EXPECT_THAT(r.text, HasSubstr("Findings: Invented"));
  r = Call(e, "order_imaging", R"({"modality": "CT", "region": "head"})");
  EXPECT_THAT(r.text, HasSubstr("Imaging (ct head): not performed"));
  r = Call(e, "order_imaging", R"({"modality": "phrenology", "region": "head"})");
  EXPECT_EQ(r.invalid_orders, 1);
  EXPECT_THAT(r.text, HasSubstr("unrecognized imaging modality"));

  Episode k = Open("hadm-401");
  r = Call(k, "order_imaging", R"({"modality": "CT", "region": "abdomen"})");
  EXPECT_THAT(r.text, HasSubstr("a CT Scan study was ordered at +1.5 h; performed, no report text in this dataset"));
  r = Call(k, "order_ecg", "");
  EXPECT_THAT(r.text, HasSubstr("ECG: ordered at +0.3 h; no ECG report is loaded"));
  r = Call(e, "order_ecg", "");
  EXPECT_EQ(r.text, "ECG: not performed\n");
}

TEST_F(SyntheticEnvironment, HistoryAndExamShowOnlyWhatArrivalAllows) {
  world_ = Build(db_, ref_);
  ASSERT_NE(world_, nullptr);
  Episode e = Open("hadm-101");
  Rendered h = Call(e, "get_history", "");
  EXPECT_THAT(h.text, HasSubstr("Chief complaint: Chest pain, diaphoresis\n"));
  EXPECT_THAT(h.text, HasSubstr("History of present illness: Invented woman"));
  EXPECT_THAT(h.text, HasSubstr("- Essential (primary) hypertension\n"));
  EXPECT_THAT(h.text, HasSubstr("Home medications: metformin\n"));
  EXPECT_THAT(h.text, Not(HasSubstr("NSTEMI")));
  Rendered x = Call(e, "physical_exam", "");
  EXPECT_THAT(x.text, HasSubstr("General: invented, diaphoretic, uncomfortable"));
  EXPECT_THAT(x.text, Not(HasSubstr("comfortable\n\n")));
  EXPECT_THAT(x.text, Not(HasSubstr("General: invented, comfortable")));  // the discharge exam
  EXPECT_THAT(x.text, Not(HasSubstr("Invented results")));
  EXPECT_THAT(x.text, HasSubstr("- ED triage: "));
  EXPECT_THAT(x.text, HasSubstr("- Heart rate: 88 bpm, +4.1 h"));
  EXPECT_THAT(x.text, HasSubstr("- Blood Pressure: 142/88 (outpatient record"));
  EXPECT_THAT(x.text, HasSubstr("- Weight (Lbs): 180 "));
  EXPECT_THAT(x.text, Not(HasSubstr("175")));  // an outpatient weight a year earlier
  Rendered s = Call(e, "submit_diagnosis", R"({"diagnosis": "NSTEMI"})");
  EXPECT_TRUE(s.submitted);
  EXPECT_EQ(s.record["diagnosis"], "NSTEMI");
}

// The invariance, restated for the leakage audit: rewriting the diagnoses may
// change which admissions are cases (presentation_names_diagnosis), never
// what any tool shows an included case. Synthetic release plus the SYNTHETIC
// leakage admissions (src/cases/testdata/leakage_admissions.sql).
TEST_F(SyntheticEnvironment, RewritingTheDiagnosesChangesNoToolText) {
  std::ifstream in(std::string(MEDCRED_SOURCE_DIR) + "/src/cases/testdata/leakage_admissions.sql");
  std::stringstream sql;
  sql << in.rdbuf();
  ASSERT_GT(test::Exec(db_, sql.str()), 0);
  const std::string rewritten = tmp_ / "rewritten.db";
  std::filesystem::copy_file(db_, rewritten);
  // Each patient's last admission (an earlier one's diagnoses are past history, shown by design):
  // its principal becomes lung cancer, every other diagnosis sepsis.
  ASSERT_GT(test::Exec(rewritten,
                       "UPDATE diagnoses_icd SET icd_code = CASE WHEN seq_num = 1 THEN 'C349' ELSE 'A419' END, "
                       "icd_version = 10 WHERE hadm_id IN (SELECT hadm_id FROM admissions a WHERE NOT EXISTS "
                       "(SELECT 1 FROM admissions b WHERE b.subject_id = a.subject_id AND b.admittime > a.admittime))"),
            0);
  world_ = Build(db_, ref_);
  auto other = Build(rewritten, ref_);
  ASSERT_NE(world_, nullptr);
  ASSERT_NE(other, nullptr);
  const char* calls[][2] = {{"get_history", ""},
                            {"physical_exam", ""},
                            {"order_labs", R"({"tests": ["sodium", "potassium", "creatinine", "cbc"]})"},
                            {"order_microbiology", R"({"tests": ["blood cultures", "urine culture"]})"},
                            {"order_imaging", R"({"modality": "x-ray", "region": "chest"})"},
                            {"order_ecg", ""}};
  size_t compared = 0;
  std::set<std::string> ids_before, ids_after;
  for (const Case& c : world_->cases.cases) ids_before.insert(c.case_id);
  for (const Case& c : other->cases.cases) {
    ids_after.insert(c.case_id);
    if (!ids_before.count(c.case_id)) continue;  // each world's own case: its presentation is its own
    auto a = Episode::Open(*other->store, *other->env, c);
    ASSERT_TRUE(a.ok()) << a.status().message();
    auto b = Episode::Open(*world_->store, *world_->env, world_->Find(c.case_id));
    ASSERT_TRUE(b.ok()) << b.status().message();
    for (const auto& [tool, args] : calls) {
      SCOPED_TRACE(c.case_id + " " + tool);
      EXPECT_EQ(Call(*a, tool, args).text, Call(*b, tool, args).text);
      ++compared;
    }
  }
  EXPECT_NE(ids_after, ids_before);  // the rewrite moved inclusion: 601's "PE" names no lung cancer
  EXPECT_TRUE(ids_after.count("hadm-601"));
  EXPECT_FALSE(ids_before.count("hadm-601"));
  EXPECT_GE(compared, 6u * 4);
}

TEST_F(SyntheticEnvironment, ResolveReportsConceptItemidsAndSuggestions) {
  world_ = Build(db_, ref_);
  ASSERT_NE(world_, nullptr);
  nlohmann::json j = world_->env->Resolve("lab", "K").ToJson();
  EXPECT_EQ(j["status"], "resolved");
  EXPECT_EQ(j["concept"], "potassium");
  EXPECT_EQ(j["itemids"], nlohmann::json::array({50971}));
  for (const char* k : {"query", "kind", "status", "concept", "itemids", "labels", "suggestions"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  j = world_->env->Resolve("lab", "BMP").ToJson();
  EXPECT_EQ(j["concept"], "bmp");
  EXPECT_TRUE(j["components"].is_array());
  j = world_->env->Resolve("lab", "liverr enzymes").ToJson();
  EXPECT_EQ(j["status"], "resolved");
  EXPECT_EQ(j["interpreted_as"], "liver enzymes");
  j = world_->env->Resolve("micro", "C diff").ToJson();
  EXPECT_EQ(j["concept"], "c_diff");
  j = world_->env->Resolve("imaging", "MRI brain").ToJson();
  EXPECT_EQ(j["modality"], "mri");
  EXPECT_EQ(j["region"], "head");
  j = world_->env->Resolve("lab", "unobtainium").ToJson();
  EXPECT_EQ(j["status"], "unrecognized");
  EXPECT_TRUE(j["concept"].is_null());
}

TEST_F(SyntheticEnvironment, AmbiguousNamesAndRowsThatAreNotTestsAreNotCarriedOut) {
  world_ = Build(db_, ref_);
  ASSERT_NE(world_, nullptr);
  Episode e = Open("hadm-101");
  Rendered r = Call(e, "order_labs", R"j({"tests": ["ndirect bilirubin", "Green Top Hold (plasma)", "potassium"]})j");
  EXPECT_THAT(r.text, HasSubstr("\"ndirect bilirubin\": ambiguous test name; it could be: "));
  EXPECT_THAT(r.text, HasSubstr("bilirubin direct"));
  EXPECT_THAT(r.text, HasSubstr("bilirubin indirect"));
  EXPECT_THAT(r.text, HasSubstr("\"Green Top Hold (plasma)\": a specimen-handling entry, not a test (a specimen tube "
                                "held in the lab)"));
  EXPECT_EQ(r.invalid_orders, 2);
  EXPECT_EQ(r.record["orders"][0]["status"], "ambiguous");
  EXPECT_GE(r.record["orders"][0]["candidates"].size(), 2u);
  EXPECT_EQ(r.record["orders"][1]["status"], "not_a_test");
  EXPECT_EQ(r.record["orders"][2]["status"], "resolved");
  EXPECT_DOUBLE_EQ(r.cost, r.record["orders"][2]["cost"].get<double>());  // nothing charged for the other two
  // A lab test ordered as microbiology is pointed to the other tool.
  Rendered m = Call(e, "order_microbiology", R"({"tests": ["potassium"]})");
  EXPECT_THAT(m.text, HasSubstr("\"potassium\": unrecognized microbiology order (a lab test: use order_labs)"));
}

TEST_F(SyntheticEnvironment, ResolveShowsTheRuleRowsAndCandidates) {
  world_ = Build(db_, ref_);
  ASSERT_NE(world_, nullptr);
  nlohmann::json j = world_->env->Resolve("lab", "Potassium").ToJson();
  EXPECT_EQ(j["rule"], "name");
  ASSERT_EQ(j["rows"].size(), j["itemids"].size());
  // The synthetic labevents hold potassium (50971) results; the ingest counted them.
  EXPECT_GT(j["rows"][0].get<int64_t>(), 0);
  j = world_->env->Resolve("lab", "K").ToJson();
  EXPECT_EQ(j["rule"], "alias");
  j = world_->env->Resolve("lab", "Troponin T").ToJson();
  EXPECT_EQ(j["rule"], "name");
  j = world_->env->Resolve("lab", "potasium").ToJson();
  EXPECT_EQ(j["spelling"], true);
  EXPECT_EQ(j["interpreted_as"], "potassium");
  j = world_->env->Resolve("lab", "ndirect bilirubin").ToJson();
  EXPECT_EQ(j["status"], "ambiguous");
  EXPECT_GE(j["candidates"].size(), 2u);
  EXPECT_TRUE(j["concept"].is_null());
  j = world_->env->Resolve("lab", "Green Top Hold (plasma)").ToJson();
  EXPECT_EQ(j["status"], "not_a_test");
  EXPECT_EQ(j["itemids"], nlohmann::json::array({50933}));
  j = world_->env->Resolve("micro", "URINE CULTURE").ToJson();
  EXPECT_EQ(j["status"], "resolved");
  EXPECT_EQ(j["test_names"], nlohmann::json::array({"URINE CULTURE"}));
}

// The ECG module (synthetic, in MIMIC-IV-ECG's layout: its files at the top of its folder).
TEST_F(SyntheticEnvironment, EcgReportsComeFromTheEcgModuleWhenLoaded) {
  test::WriteSyntheticEcgRelease(tmp_ / "ecg");
  IngestOptions o;
  o.sources = {tmp_ / "src", tmp_ / "ecg"};
  o.store_path = tmp_ / "with_ecg.db";
  auto ingested = Ingest(o);
  ASSERT_TRUE(ingested.ok()) << ingested.status().message();
  EXPECT_THAT(ingested->modules, ::testing::Contains("ecg"));
  EXPECT_TRUE(ingested->tables.at("machine_measurements").verified);
  EXPECT_EQ(ingested->tables.at("machine_measurements").rows, 4u);
  EXPECT_EQ(ingested->tables.at("record_list").source_file, "record_list.csv");
  world_ = Build(tmp_ / "with_ecg.db", ref_);
  ASSERT_NE(world_, nullptr);
  ASSERT_TRUE(world_->env->has_ecg_module());

  // The first ECG in 101's window (08:20; one a week before is outside it, one at noon is later).
  Episode e = Open("hadm-101");
  Rendered r = Call(e, "order_ecg", "");
  EXPECT_THAT(r.text,
              HasSubstr("ECG, +0.3 h, machine report:\n  Sinus tachycardia\n  ST depression in V4-V6, invented\n"
                        "  Abnormal ECG\n"));
  // Rate from RR 600 ms; PR = QRS onset - P onset; QRS; QT = T end - QRS onset; QTc by Bazett.
  EXPECT_THAT(r.text, HasSubstr("Measurements: rate 100 bpm, PR 160 ms, QRS 90 ms, QT 360 ms, QTc 465 ms (Bazett), "
                                "P axis 45, QRS axis 30, T axis 60\n"));
  EXPECT_THAT(r.text, Not(HasSubstr("Normal ECG")));
  EXPECT_EQ(r.record["report"], true);
  EXPECT_DOUBLE_EQ(r.record["rate"].get<double>(), 100.0);
  EXPECT_GT(r.cost, 0);

  // Values the cart did not measure (29999) are left out, never shown as numbers.
  Episode a = Open("hadm-301");
  r = Call(a, "order_ecg", "");
  EXPECT_THAT(r.text, HasSubstr("Atrial fibrillation with rapid ventricular response, invented"));
  EXPECT_THAT(r.text, HasSubstr("Measurements: rate 120 bpm, QRS 100 ms, QRS axis -30\n"));
  EXPECT_THAT(r.text, Not(HasSubstr("29999")));
  EXPECT_FALSE(r.record.contains("pr"));

  // An ECG ordered (POE) of which the module holds no tracing.
  Episode k = Open("hadm-401");
  r = Call(k, "order_ecg", "");
  EXPECT_THAT(r.text, HasSubstr("ECG: ordered at +0.3 h; MIMIC-IV-ECG holds no tracing of it."));
  EXPECT_EQ(r.record["report"], false);
}

// ---- the open demo: every answer checked against SQL ----------------------------

// Every tool's answer for every case, in one string: what the model can learn from the environment.
std::string EveryToolAnswer(World& w) {
  const std::vector<std::pair<std::string, std::string>> calls = {
      {"get_history", ""},
      {"physical_exam", ""},
      {"order_labs", R"({"tests": ["basic metabolic panel", "cbc", "troponin", "lipase", "lactate"]})"},
      {"order_microbiology", R"({"tests": ["blood cultures", "urine culture"]})"},
      {"order_imaging", R"({"modality": "x-ray", "region": "chest"})"},
      {"order_imaging", R"({"modality": "CT", "region": "head"})"},
      {"order_ecg", ""},
      {"submit_diagnosis", R"({"diagnosis": "NSTEMI", "icd10": "I214"})"},
  };
  std::string out;
  for (const Case& c : w.cases.cases) {
    auto e = Episode::Open(*w.store, *w.env, c);
    EXPECT_TRUE(e.ok()) << e.status().message();
    if (!e.ok()) continue;
    for (const auto& [tool, args] : calls) {
      const Rendered r = Call(*e, tool, args);
      out += c.case_id + " " + tool + " " + r.text + "\n" + r.record.dump() + "\n";
    }
    out += "performed " + std::to_string(e->performed_cost()) + "\n";
  }
  return out;
}

// The ED physicians' diagnoses (ed/diagnosis) are truth side: changing or removing them changes
// no tool's answer (nor the cost of what the clinicians ran).
TEST_F(SyntheticEnvironment, EdDiagnosesChangeNoToolAnswer) {
  world_ = Build(db_, ref_);
  ASSERT_NE(world_, nullptr);
  ASSERT_GT(test::QueryInt(db_, "SELECT count(*) FROM diagnosis"), 0);
  const std::string before = EveryToolAnswer(*world_);
  ASSERT_THAT(before, HasSubstr("hadm-101 order_labs"));
  world_.reset();
  EXPECT_GT(Exec(db_, "UPDATE diagnosis SET icd_code = 'C349', icd_version = 10, icd_title = 'MUTATED LUNG CANCER'"),
            0);
  world_ = Build(db_, ref_);
  ASSERT_NE(world_, nullptr);
  EXPECT_EQ(EveryToolAnswer(*world_), before);
  world_.reset();
  EXPECT_GT(Exec(db_, "DELETE FROM diagnosis"), 0);
  world_ = Build(db_, ref_);
  ASSERT_NE(world_, nullptr);
  EXPECT_EQ(EveryToolAnswer(*world_), before);
}

// The clinicians' cost: the tests the record shows in the window, priced as if ordered once each.
TEST_F(SyntheticEnvironment, PerformedCostPricesWhatTheCliniciansRanOnce) {
  world_ = Build(db_, ref_);
  ASSERT_NE(world_, nullptr);
  Episode e = Open("hadm-101");
  const double performed = e.performed_cost();
  EXPECT_GT(performed, 0);
  // Ordering changes what the model is charged, never what the clinicians ran.
  Call(e, "order_labs", R"({"tests": ["troponin", "lipase"]})");
  EXPECT_GT(e.cost(), 0);
  EXPECT_EQ(e.performed_cost(), performed);
  // With the window's lab results no test, only what else was run (imaging, ECG, cultures) is left.
  world_.reset();
  EXPECT_GT(Exec(db_, "UPDATE labevents SET itemid = 99999999"), 0);  // still counted, but no test
  world_ = Build(db_, ref_);
  ASSERT_NE(world_, nullptr);
  EXPECT_LT(Open("hadm-101").performed_cost(), performed);
}

TEST(DemoEnvironment, EveryFirstResultMatchesAnIndependentQuery) {
  MEDCRED_REQUIRE_DEMO(demo);
  MEDCRED_REQUIRE_REFERENCE(ref);
  TempDir tmp;
  IngestOptions o;
  o.sources = {demo};
  o.store_path = tmp / "demo.db";
  ASSERT_TRUE(Ingest(o).ok());
  auto world = Build(tmp / "demo.db", ref);
  ASSERT_NE(world, nullptr);
  int checked = 0, performed = 0, without_hadm = 0, not_performed = 0;
  for (const Case& c : world->cases.cases) {
    auto e = Episode::Open(*world->store, *world->env, c);
    ASSERT_TRUE(e.ok());
    Rendered r = Call(*e, "order_labs", R"({"tests": ["BMP", "CBC", "troponin", "lactate", "lipase", "ammonia"]})");
    for (const auto& order : r.record["orders"]) {
      const nlohmann::json results =
          order.contains("results") ? order["results"] : nlohmann::json::array({order["result"]});
      for (size_t i = 0; i < results.size(); ++i) {
        const auto& res = results[i];
        const std::string concept_name =
            order.contains("results") ? res["concept"].get<std::string>() : order["concept"].get<std::string>();
        const LabConcept* k = world->env->catalog().FindTest(concept_name);
        ASSERT_NE(k, nullptr);
        std::string ids;
        for (int64_t id : k->itemids) ids += (ids.empty() ? "" : ",") + std::to_string(id);
        const std::string sql =
            "SELECT itemid, coalesce(value, ''), charttime, coalesce(hadm_id, -1) FROM labevents WHERE subject_id = " +
            std::to_string(c.subject_id) + " AND itemid IN (" + ids + ") AND charttime BETWEEN " +
            std::to_string(c.t0 - 24 * 3600) + " AND " + std::to_string(c.t0 + 48 * 3600) +
            " ORDER BY charttime, itemid, labevent_id LIMIT 1";
        const auto want_item = QueryColumn(tmp / "demo.db", sql, 0);
        ++checked;
        if (want_item.empty()) {
          EXPECT_EQ(res["performed"], false) << c.case_id << " " << concept_name;
          ++not_performed;
          continue;
        }
        ASSERT_EQ(res["performed"], true) << c.case_id << " " << concept_name;
        ++performed;
        EXPECT_EQ(res["value"], QueryColumn(tmp / "demo.db", sql, 1)[0]) << c.case_id << " " << concept_name;
        const int64_t when = std::stoll(QueryColumn(tmp / "demo.db", sql, 2)[0]);
        EXPECT_DOUBLE_EQ(res["hours"].get<double>(), static_cast<double>(when - c.t0) / 3600.0);
        without_hadm += QueryColumn(tmp / "demo.db", sql, 3)[0] == "-1";
      }
    }
  }
  // A result counts for every concept that holds its item: the serum bicarbonate is also "bicarbonate".
  int both = 0;
  for (const Case& c : world->cases.cases) {
    auto e = Episode::Open(*world->store, *world->env, c);
    ASSERT_TRUE(e.ok());
    const auto ran = e->performed_lab_concepts();
    if (!ran.count("bicarbonate_serum")) continue;
    EXPECT_TRUE(ran.count("bicarbonate")) << c.case_id;
    ++both;
  }
  EXPECT_GT(both, 0);
  std::printf("checked %d answers: %d performed (%d of them ED labs without hadm_id), %d not performed\n", checked,
              performed, without_hadm, not_performed);
  EXPECT_GT(performed, 1000);
  EXPECT_GT(without_hadm, 0);  // matched by subject and time, not by hadm_id
  EXPECT_GT(not_performed, 0);
}

}  // namespace
}  // namespace medcred
