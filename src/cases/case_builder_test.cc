#include "cases/case_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/sha256.h"
#include "ingest/ingest.h"
#include "testing/testing.h"

namespace medcred {
namespace {

namespace fs = std::filesystem;
using test::Exec;
using test::QueryColumn;
using test::QueryInt;
using test::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// The methodology inputs, loaded once (the ICD reference takes ~0.3 s).
struct Inputs {
  Taxonomy taxonomy;
  PresentationRules rules;
  IcdReference reference;
  Ccsr ccsr;
  CaseInputs in() const { return CaseInputs{&taxonomy, &rules, &reference, &ccsr}; }
};

const Inputs* LoadInputs() {
  static const Inputs* inputs = []() -> const Inputs* {
    const std::string dir = test::ReferenceDir();
    if (dir.empty()) return nullptr;
    auto tax = Taxonomy::Load();
    auto rules = PresentationRules::Load();
    auto ref = IcdReference::Load(dir);
    auto ccsr = Ccsr::Load(dir);
    if (!tax.ok() || !rules.ok() || !ref.ok() || !ccsr.ok()) {
      ADD_FAILURE() << "could not load the methodology inputs";
      return nullptr;
    }
    return new Inputs{std::move(*tax), std::move(*rules), std::move(*ref), std::move(*ccsr)};
  }();
  return inputs;
}

#define REQUIRE_INPUTS(inputs)                 \
  MEDCRED_REQUIRE_REFERENCE(inputs##_ref_dir); \
  const Inputs* inputs = LoadInputs();         \
  ASSERT_NE(inputs, nullptr)

std::string IngestStore(const std::string& source, const std::string& store) {
  IngestOptions o;
  o.sources = {source};
  o.store_path = store;
  auto s = Ingest(o);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return store;
}

Result<CaseSet> Build(const std::string& store_path, const Inputs& inputs) {
  MEDCRED_ASSIGN_OR_RETURN(auto store, OpenStore(store_path));
  return BuildCases(*store, inputs.in());
}

std::string Presentations(const std::string& store_path, const Inputs& inputs) {
  auto store = OpenStore(store_path);
  EXPECT_TRUE(store.ok()) << store.status().message();
  if (!store.ok()) return "";
  auto all = BuildAllPresentations(**store, inputs.in());
  EXPECT_TRUE(all.ok()) << all.status().message();
  std::string out;
  if (all.ok()) {
    for (const auto& [hadm, p] : *all) out += std::to_string(hadm) + " " + p.ToJson().dump() + "\n";
  }
  return out;
}

std::string JsonLines(const CaseSet& set, bool with_truth) {
  std::string out;
  for (const Case& c : set.cases) out += c.ToJson(with_truth).dump() + "\n";
  return out;
}

const Case* Find(const CaseSet& set, const std::string& id) {
  for (const Case& c : set.cases) {
    if (c.case_id == id) return &c;
  }
  return nullptr;
}

int64_t Excluded(const CaseSet& set, const std::string& rule) {
  for (const auto& [r, n] : set.stats.excluded) {
    if (r == rule) return n;
  }
  ADD_FAILURE() << "no rule " << rule;
  return -1;
}

// The store's tables that hold rows, to mutate only those a release has.
std::set<std::string> Tables(const std::string& db) {
  std::set<std::string> out;
  for (const auto& name : QueryColumn(db, "SELECT name FROM sqlite_master WHERE type = 'table'")) {
    if (QueryInt(db, "SELECT count(*) FROM \"" + name + "\"") > 0) out.insert(name);
  }
  return out;
}

// Each subject's last admission: no later admission of the subject follows it,
// so nothing it holds may appear in any presentation.
const char* kLast =
    "(SELECT hadm_id FROM admissions a WHERE NOT EXISTS (SELECT 1 FROM admissions b "
    "WHERE b.subject_id = a.subject_id AND b.admittime > a.admittime))";

// Rewrites everything a presentation must never show: the last admissions'
// diagnoses and discharge time; every admission's DRG, services, transfers,
// procedures, ICU stays, discharge location, death and outcome; lab results,
// prescriptions, microbiology, orders and the patients' date of death. Each
// statement must change rows, or the test proves nothing.
void MutateWhatMustNotShow(const std::string& db) {
  const std::set<std::string> have = Tables(db);
  const std::string last = kLast;
  const std::vector<std::pair<std::string, std::string>> edits = {
      {"d_icd_diagnoses",
       "INSERT OR IGNORE INTO d_icd_diagnoses VALUES ('C349', 10, 'Malignant neoplasm of unsp part of unsp bronchus "
       "or lung'), ('A419', 10, 'Sepsis, unspecified organism')"},
      {"diagnoses_icd",
       "UPDATE diagnoses_icd SET icd_code = CASE WHEN seq_num = 1 THEN 'C349' ELSE 'A419' END, "
       "icd_version = 10 WHERE hadm_id IN " +
           last},
      {"diagnoses_icd",
       "INSERT INTO diagnoses_icd SELECT subject_id, hadm_id, 99, 'A419', 10 FROM admissions "
       "WHERE hadm_id IN " +
           last},
      {"admissions", "UPDATE admissions SET dischtime = dischtime + 86400 WHERE hadm_id IN " + last},
      {"admissions",
       "UPDATE admissions SET discharge_location = 'DIED', deathtime = dischtime, "
       "hospital_expire_flag = 1 - coalesce(hospital_expire_flag, 0)"},
      {"drgcodes", "UPDATE drgcodes SET drg_code = '999', description = 'MUTATED DRG', drg_severity = 4"},
      {"diagnosis",
       "UPDATE diagnosis SET icd_code = 'C349', icd_version = 10, icd_title = 'Malignant neoplasm of unsp part of unsp "
       "bronchus or lung'"},
      {"services", "UPDATE services SET curr_service = 'MUTATED', prev_service = 'MUTATED'"},
      {"transfers", "UPDATE transfers SET careunit = 'MUTATED ICU', eventtype = 'transfer'"},
      {"procedures_icd", "UPDATE procedures_icd SET icd_code = '0000000'"},
      {"icustays", "DELETE FROM icustays"},
      {"labevents", "UPDATE labevents SET value = 'MUTATED', valuenum = coalesce(valuenum, 0) + 1, flag = 'abnormal'"},
      {"microbiologyevents", "UPDATE microbiologyevents SET org_name = 'MUTATED ORGANISM'"},
      {"prescriptions", "UPDATE prescriptions SET drug = 'MUTATED DRUG'"},
      {"poe", "UPDATE poe SET order_subtype = 'MUTATED'"},
      {"patients", "UPDATE patients SET dod = coalesce(dod, 0) + 86400"},
  };
  for (const auto& [table, sql] : edits) {
    if (!have.count(table)) continue;
    const int64_t changed = Exec(db, sql);
    // The titles may already be there; every other edit must change rows.
    if (table != "d_icd_diagnoses") {
      EXPECT_GT(changed, 0) << sql;
    }
  }
}

// For every admission: the titles of its diagnoses first coded there (not on an
// admission of the same patient discharged before its arrival), from SQL alone.
std::map<int64_t, std::set<std::string>> FirstCodedTitles(const std::string& db) {
  const std::string sql =
      "SELECT a.hadm_id, t.long_title FROM admissions a "
      "JOIN diagnoses_icd d ON d.hadm_id = a.hadm_id "
      "JOIN d_icd_diagnoses t ON t.icd_code = d.icd_code AND t.icd_version = d.icd_version "
      "WHERE t.long_title NOT IN ("
      "  SELECT t2.long_title FROM admissions p "
      "  JOIN diagnoses_icd d2 ON d2.hadm_id = p.hadm_id "
      "  JOIN d_icd_diagnoses t2 ON t2.icd_code = d2.icd_code AND t2.icd_version = d2.icd_version "
      "  WHERE p.subject_id = a.subject_id AND p.hadm_id <> a.hadm_id "
      "    AND p.dischtime <= coalesce(a.edregtime, a.admittime))";
  const auto ids = QueryColumn(db, sql, 0);
  const auto titles = QueryColumn(db, sql, 1);
  std::map<int64_t, std::set<std::string>> out;
  for (size_t i = 0; i < ids.size(); ++i) out[std::stoll(ids[i])].insert(titles[i]);
  return out;
}

// Checks that no first-coded title shows in a presentation: not as a past
// history entry, and not anywhere in the rest of it (HPI, complaint, ...).
// Returns the number of (admission, title) pairs checked.
size_t ScanForLeakedTitles(const std::string& db, const Inputs& inputs) {
  auto store = OpenStore(db);
  EXPECT_TRUE(store.ok());
  if (!store.ok()) return 0;
  auto all = BuildAllPresentations(**store, inputs.in());
  EXPECT_TRUE(all.ok());
  if (!all.ok()) return 0;
  const auto first_coded = FirstCodedTitles(db);
  size_t checked = 0;
  for (const auto& [hadm, p] : *all) {
    auto it = first_coded.find(hadm);
    if (it == first_coded.end()) continue;
    nlohmann::json rest = p.ToJson();
    rest.erase("past_history");
    const std::string text = rest.dump();
    for (const std::string& title : it->second) {
      ++checked;
      for (const auto& h : p.past_history) EXPECT_NE(h, title) << "admission " << hadm;
      EXPECT_THAT(text, Not(HasSubstr(title))) << "admission " << hadm;
    }
  }
  return checked;
}

// ---- the split and suite hashes -------------------------------------------

TEST(SplitOf, IsTheDigestModFive) {
  // 256 = 1 (mod 5), so a big-endian number is congruent to the sum of its
  // bytes mod 5: an independent way to compute the same split.
  int dev = 0;
  for (int64_t subject = 10000000; subject < 10002000; ++subject) {
    const std::string hex = Sha256::Hex("medcred-split-v1:" + std::to_string(subject));
    unsigned sum = 0;
    for (size_t i = 0; i < hex.size(); i += 2) sum += static_cast<unsigned>(std::stoi(hex.substr(i, 2), nullptr, 16));
    EXPECT_EQ(SplitOf(subject), sum % 5 == 0 ? "dev" : "test") << subject;
    dev += SplitOf(subject) == "dev";
  }
  EXPECT_GT(dev, 300);  // about a fifth of 2000
  EXPECT_LT(dev, 500);
}

TEST(SuiteHash, DependsOnTheSetOfCasesTheTaxonomyAndNothingElse) {
  const std::string tax(64, 'a');
  const std::string h = SuiteHash("cardiology", "test", {"hadm-2", "hadm-1"}, tax);
  EXPECT_EQ(h, SuiteHash("cardiology", "test", {"hadm-1", "hadm-2"}, tax));
  EXPECT_NE(h, SuiteHash("cardiology", "test", {"hadm-1", "hadm-3"}, tax));
  EXPECT_NE(h, SuiteHash("cardiology", "test", {"hadm-1"}, tax));
  EXPECT_NE(h, SuiteHash("cardiology", "test", {"hadm-1", "hadm-2"}, std::string(64, 'b')));
  EXPECT_NE(h, SuiteHash("neurology", "test", {"hadm-1", "hadm-2"}, tax));
  EXPECT_NE(h, SuiteHash("cardiology", "dev", {"hadm-1", "hadm-2"}, tax));
  EXPECT_EQ(h.size(), 64u);
}

// ---- the synthetic release (ED and Note modules) ----------------------------

class SyntheticCases : public ::testing::Test {
 protected:
  void SetUp() override {
    test::WriteSyntheticRelease(tmp_ / "src");
    db_ = IngestStore(tmp_ / "src", tmp_ / "s.db");
  }
  TempDir tmp_;
  std::string db_;
};

TEST_F(SyntheticCases, EachInclusionRuleExcludesItsAdmission) {
  REQUIRE_INPUTS(inputs);
  auto set = Build(db_, *inputs);
  ASSERT_TRUE(set.ok()) << set.status().message();
  std::vector<std::string> ids;
  for (const Case& c : set->cases) ids.push_back(c.case_id);
  EXPECT_THAT(ids, ElementsAre("hadm-100", "hadm-101", "hadm-301", "hadm-401"));
  EXPECT_EQ(set->stats.admissions, 8);
  EXPECT_EQ(Excluded(*set, "planned_admission_type"), 1);     // 201, elective
  EXPECT_EQ(Excluded(*set, "no_principal_diagnosis"), 1);     // 503
  EXPECT_EQ(Excluded(*set, "encounter_or_symptom_code"), 1);  // 501, R07.9
  EXPECT_EQ(Excluded(*set, "too_few_labs_in_window"), 1);     // 502, two labs
  EXPECT_EQ(Excluded(*set, "no_icd10_mapping"), 0);
  EXPECT_EQ(Excluded(*set, "no_diagnosis_category"), 0);
}

// The synthetic admissions whose visible texts name (or do not name) their
// principal diagnosis (src/cases/testdata/leakage_admissions.sql, SYNTHETIC).
std::string LeakageAdmissionsSql() {
  std::ifstream in(std::string(MEDCRED_SOURCE_DIR) + "/src/cases/testdata/leakage_admissions.sql");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_FALSE(ss.str().empty());
  return ss.str();
}

const AuditExclusion* FindExclusion(const CaseSet& set, const std::string& id) {
  for (const AuditExclusion& e : set.audit_exclusions) {
    if (e.case_id == id) return &e;
  }
  return nullptr;
}

TEST_F(SyntheticCases, TheAuditExcludesCasesWhoseVisibleTextNamesTheDiagnosis) {
  REQUIRE_INPUTS(inputs);
  // The shared release alone: 101's HPI states NSTEMI only in its ED course,
  // which the cut removes, so nothing is excluded.
  auto plain = Build(db_, *inputs);
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_EQ(Excluded(*plain, "presentation_names_diagnosis"), 0);
  EXPECT_EQ(plain->stats.audit_by_route.at("emergency department").audited, 2);
  EXPECT_EQ(plain->stats.audit_by_route.at("direct admission").audited, 2);

  EXPECT_GT(Exec(db_, LeakageAdmissionsSql()), 0);
  auto set = Build(db_, *inputs);
  ASSERT_TRUE(set.ok()) << set.status().message();
  std::vector<std::string> ids;
  for (const Case& c : set->cases) ids.push_back(c.case_id);
  EXPECT_THAT(ids, ElementsAre("hadm-100", "hadm-101", "hadm-301", "hadm-401", "hadm-801"));
  EXPECT_EQ(Excluded(*set, "presentation_names_diagnosis"), 4);
  const struct {
    const char* id;
    AuditField field;
    const char* matched;
  } want[] = {{"hadm-601", AuditField::kChiefComplaint, "PE"},
              {"hadm-701", AuditField::kHpi, "DKA"},
              {"hadm-901", AuditField::kHomeMedication, "UTI"},
              {"hadm-1001", AuditField::kExam, "cellulitis"}};
  for (const auto& w : want) {
    const AuditExclusion* e = FindExclusion(*set, w.id);
    ASSERT_NE(e, nullptr) << w.id;
    EXPECT_EQ(e->finding.field, w.field) << w.id;
    EXPECT_EQ(e->finding.matched, w.matched) << w.id;
    EXPECT_FALSE(e->finding.sentence.empty());
  }
  // 801's HPI keeps its arrival history and past MI, loses the referral diagnosis.
  const Case* c801 = Find(*set, "hadm-801");
  ASSERT_NE(c801, nullptr);
  ASSERT_TRUE(c801->presentation->hpi.has_value());
  EXPECT_THAT(*c801->presentation->hpi, HasSubstr("history of MI s/p PCI"));
  EXPECT_THAT(*c801->presentation->hpi, Not(HasSubstr("NSTEMI")));
  // Counted per category and per arrival route.
  EXPECT_EQ(set->stats.audit_by_category.at("cardiology").excluded, 1);  // 601 (I26 is in I00-I59)
  EXPECT_EQ(set->stats.audit_by_category.at("endocrinology").excluded, 1);
  EXPECT_EQ(set->stats.audit_by_category.at("nephrology").excluded, 1);
  EXPECT_EQ(set->stats.audit_by_category.at("dermatology").excluded, 1);
  EXPECT_EQ(set->stats.audit_by_category.at("infectious_disease").excluded, 0);
  const AuditCounts ed = set->stats.audit_by_route.at("emergency department");
  const AuditCounts direct = set->stats.audit_by_route.at("direct admission");
  EXPECT_EQ(ed.audited, 5);
  EXPECT_EQ(ed.excluded, 3);
  EXPECT_EQ(direct.audited, 4);
  EXPECT_EQ(direct.excluded, 1);
  const nlohmann::json j = set->stats.ToJson();
  EXPECT_EQ(j["audit"]["by_route"]["emergency department"]["excluded"], 3);
  EXPECT_EQ(j["audit"]["rule"], "presentation_names_diagnosis");
  std::printf("synthetic release: %lld of %lld audited excluded; with the leakage admissions: %lld of %lld\n",
              static_cast<long long>(Excluded(*plain, "presentation_names_diagnosis")),
              static_cast<long long>(plain->stats.included), static_cast<long long>(ed.excluded + direct.excluded),
              static_cast<long long>(ed.audited + direct.audited));
}

// The invariance, restated for the audit: rewriting the truth may change which
// admissions are cases, never what an included case shows (its presentation,
// home medications and admission exam are those of the unrewritten store).
TEST_F(SyntheticCases, RewritingTheDiagnosesChangesInclusionAtMost) {
  REQUIRE_INPUTS(inputs);
  EXPECT_GT(Exec(db_, LeakageAdmissionsSql()), 0);
  auto before = Build(db_, *inputs);
  ASSERT_TRUE(before.ok()) << before.status().message();
  auto store = OpenStore(db_);
  ASSERT_TRUE(store.ok());
  auto shown = BuildAllPresentations(**store, inputs->in());
  ASSERT_TRUE(shown.ok());
  const std::string mutated = tmp_ / "mutated.db";
  fs::copy_file(db_, mutated);
  MutateWhatMustNotShow(mutated);
  auto after = Build(mutated, *inputs);
  ASSERT_TRUE(after.ok()) << after.status().message();
  auto mstore = OpenStore(mutated);
  ASSERT_TRUE(mstore.ok());
  std::set<std::string> ids_before, ids_after;
  for (const Case& c : before->cases) ids_before.insert(c.case_id);
  for (const Case& c : after->cases) {
    ids_after.insert(c.case_id);
    SCOPED_TRACE(c.case_id);
    EXPECT_EQ(c.presentation->ToJson(), shown->at(c.hadm_id).ToJson());
    auto meds_before = (*store)->HomeMedsOf(c.hadm_id), meds_after = (*mstore)->HomeMedsOf(c.hadm_id);
    ASSERT_TRUE(meds_before.ok() && meds_after.ok());
    EXPECT_EQ(*meds_after, *meds_before);
    auto note_before = (*store)->DischargeNoteOf(c.hadm_id), note_after = (*mstore)->DischargeNoteOf(c.hadm_id);
    ASSERT_TRUE(note_before.ok() && note_after.ok());
    EXPECT_EQ(ExtractExam(note_after->value_or(""), inputs->rules),
              ExtractExam(note_before->value_or(""), inputs->rules));
  }
  // The rewrite did move inclusion (the test can fail): 601's "PE" names no lung cancer.
  EXPECT_NE(ids_after, ids_before);
  EXPECT_TRUE(ids_after.count("hadm-601"));
  EXPECT_EQ(Excluded(*after, "presentation_names_diagnosis"), 0);
}

TEST_F(SyntheticCases, TruthCategoriesAndPresentation) {
  REQUIRE_INPUTS(inputs);
  auto set = Build(db_, *inputs);
  ASSERT_TRUE(set.ok()) << set.status().message();

  const Case* c = Find(*set, "hadm-101");
  ASSERT_NE(c, nullptr);
  EXPECT_THAT(c->categories, ElementsAre("cardiology", "intensive_care", "emergency_medicine", "radiology"));
  EXPECT_THAT(c->truth.principal, ElementsAre("I214"));
  EXPECT_THAT(c->truth.secondary, ElementsAre("E119", "I10"));
  const nlohmann::json p = c->presentation->ToJson();
  EXPECT_EQ(p["age"], 60);
  EXPECT_EQ(p["sex"], "F");
  EXPECT_EQ(p["arrival"]["route"], "emergency department");
  EXPECT_EQ(p["arrival"]["transport"], "AMBULANCE");
  EXPECT_EQ(p["chief_complaint"], "Chest pain, diaphoresis");
  EXPECT_EQ(p["triage_vitals"]["heart_rate"], 104.0);
  EXPECT_EQ(p["triage_vitals"]["acuity"], 2.0);
  // Past history from the earlier admission 100 only, in coding order.
  EXPECT_EQ(p["past_history"], nlohmann::json::array({"Essential (primary) hypertension",
                                                      "Type 2 diabetes mellitus without complications"}));
  // The HPI stops before the ED course ("In the ED, troponin ...") and never
  // reaches the hospital course or discharge diagnosis.
  EXPECT_EQ(p["hpi"],
            "Invented woman with hypertension and diabetes who developed\nsubsternal chest pressure at rest this "
            "morning, radiating to the left\narm, with diaphoresis. No prior similar episodes.");
  EXPECT_THAT(p.dump(), Not(HasSubstr("NSTEMI")));
  EXPECT_THAT(p.dump(), Not(HasSubstr("troponin")));

  const Case* first = Find(*set, "hadm-100");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->presentation->ToJson()["age"], 59);
  EXPECT_TRUE(first->presentation->ToJson()["past_history"].empty());
  EXPECT_THAT(first->categories, ElementsAre("cardiology", "emergency_medicine"));
  EXPECT_FALSE(first->presentation->ToJson().contains("hpi"));  // no discharge note for 100

  const Case* transfer = Find(*set, "hadm-301");
  ASSERT_NE(transfer, nullptr);
  EXPECT_EQ(transfer->presentation->ToJson()["arrival"]["route"], "direct admission");
  EXPECT_EQ(transfer->presentation->ToJson()["hpi"],
            "Invented woman with three days of productive cough and fever\nat her care facility.");
  EXPECT_FALSE(transfer->presentation->ToJson().contains("chief_complaint"));
  EXPECT_THAT(transfer->categories, ElementsAre("pulmonology"));

  // An ICD-9 principal through the GEMs; its labs carry no hadm_id and count by time.
  const Case* icd9 = Find(*set, "hadm-401");
  ASSERT_NE(icd9, nullptr);
  EXPECT_EQ(icd9->truth.principal_code, "41071");
  EXPECT_EQ(icd9->truth.principal_version, 9);
  EXPECT_THAT(icd9->truth.principal, ElementsAre("I214"));
  EXPECT_THAT(icd9->truth.secondary, ::testing::Contains("I509"));
  EXPECT_THAT(icd9->presentation->ToJson().dump(), Not(HasSubstr("DIED")));

  for (const Case& k : set->cases) EXPECT_EQ(k.split, SplitOf(k.subject_id));
}

TEST_F(SyntheticCases, JsonCarriesTruthOnlyWhenAsked) {
  REQUIRE_INPUTS(inputs);
  auto set = Build(db_, *inputs);
  ASSERT_TRUE(set.ok());
  const nlohmann::json without = set->cases[0].ToJson(false);
  const nlohmann::json with = set->cases[0].ToJson(true);
  EXPECT_FALSE(without.contains("truth"));
  for (const char* k : {"case_id", "categories", "split", "presentation"}) EXPECT_TRUE(without.contains(k)) << k;
  EXPECT_EQ(with["truth"]["principal"], nlohmann::json::array({"I10"}));
  EXPECT_TRUE(with["truth"]["secondary"].is_array());
}

TEST_F(SyntheticCases, PresentationsIgnoreEverythingTheyMustNotShow) {
  REQUIRE_INPUTS(inputs);
  const std::string before = Presentations(db_, *inputs);
  ASSERT_THAT(before, HasSubstr("\"hpi\""));  // the Note and ED paths are exercised
  ASSERT_THAT(before, HasSubstr("\"chief_complaint\""));
  const std::string mutated = tmp_ / "mutated.db";
  fs::copy_file(db_, mutated);
  MutateWhatMustNotShow(mutated);
  EXPECT_EQ(Presentations(mutated, *inputs), before);
  EXPECT_GT(ScanForLeakedTitles(db_, *inputs), 0u);
}

// The ED physicians' diagnoses are truth side (the clinician baseline's answers): removing the
// table, or rewriting it, changes no presentation, no case, no truth.
TEST_F(SyntheticCases, EdDiagnosesChangeNoCase) {
  REQUIRE_INPUTS(inputs);
  ASSERT_GT(test::QueryInt(db_, "SELECT count(*) FROM diagnosis"), 0);
  const std::string before = Presentations(db_, *inputs);
  auto set = Build(db_, *inputs);
  ASSERT_TRUE(set.ok());
  const std::string cases = JsonLines(*set, /*with_truth=*/true);
  const std::string edited = tmp_ / "edited.db";
  fs::copy_file(db_, edited);
  EXPECT_GT(Exec(edited, "UPDATE diagnosis SET icd_code = 'A419', icd_title = 'SEPSIS, UNSPECIFIED ORGANISM'"), 0);
  EXPECT_GT(Exec(edited,
                 "INSERT INTO diagnosis SELECT subject_id, stay_id, seq_num + 10, 'J189', 10, 'PNEUMONIA' "
                 "FROM diagnosis"),
            0);
  EXPECT_EQ(Presentations(edited, *inputs), before);
  auto edited_set = Build(edited, *inputs);
  ASSERT_TRUE(edited_set.ok());
  EXPECT_EQ(JsonLines(*edited_set, true), cases);
  EXPECT_GT(Exec(edited, "DELETE FROM diagnosis"), 0);
  EXPECT_EQ(Presentations(edited, *inputs), before);
  auto removed_set = Build(edited, *inputs);
  ASSERT_TRUE(removed_set.ok());
  EXPECT_EQ(JsonLines(*removed_set, true), cases);
}

TEST_F(SyntheticCases, RegressionEarlierDiagnosesDoShow) {
  // The leakage comparison is sensitive: an earlier admission's diagnoses are
  // past history, so changing them must change a later presentation.
  REQUIRE_INPUTS(inputs);
  const std::string before = Presentations(db_, *inputs);
  EXPECT_GT(Exec(db_, "UPDATE diagnoses_icd SET icd_code = 'J189' WHERE hadm_id = 100 AND seq_num = 1"), 0);
  const std::string after = Presentations(db_, *inputs);
  EXPECT_NE(after, before);
  EXPECT_THAT(after, HasSubstr("Pneumonia, unspecified organism"));
}

// ---- the open demo -------------------------------------------------------------

class DemoCases : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string demo = test::DemoDir();
    if (demo.empty() || test::ReferenceDir().empty()) return;
    tmp_ = new TempDir;
    db_ = IngestStore(demo, *tmp_ / "demo.db");
  }
  static void TearDownTestSuite() {
    delete tmp_;
    tmp_ = nullptr;
  }
  static TempDir* tmp_;
  static std::string db_;
};
TempDir* DemoCases::tmp_ = nullptr;
std::string DemoCases::db_;

#define REQUIRE_DEMO_INPUTS(inputs) \
  MEDCRED_REQUIRE_DEMO(demo_dir);   \
  REQUIRE_INPUTS(inputs);           \
  ASSERT_FALSE(db_.empty())

TEST_F(DemoCases, SameStoreSameBytes) {
  REQUIRE_DEMO_INPUTS(inputs);
  auto a = Build(db_, *inputs);
  auto b = Build(db_, *inputs);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(JsonLines(*a, true), JsonLines(*b, true));
  // A second ingest of the same release gives the same cases, byte for byte.
  const std::string again = IngestStore(demo_dir, *tmp_ / "again.db");
  auto c = Build(again, *inputs);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(JsonLines(*a, true), JsonLines(*c, true));
  EXPECT_EQ(a->stats.ToJson(), c->stats.ToJson());
}

// Issue 18: a run holds its cases light. A light set is the whole set less
// the presentations and secondary diagnoses, and its source gives both back.
TEST_F(DemoCases, ALightSetIsTheWholeSetLessWhatItsSourceGivesBack) {
  REQUIRE_DEMO_INPUTS(inputs);
  auto whole = Build(db_, *inputs);
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  auto store = OpenStore(db_);
  ASSERT_TRUE(store.ok());
  auto source = CaseSource::Open(**store, inputs->in());
  ASSERT_TRUE(source.ok()) << source.status().message();
  auto light = (*source)->Collect(**store, /*light=*/true);
  ASSERT_TRUE(light.ok()) << light.status().message();
  EXPECT_TRUE(light->light);
  EXPECT_FALSE(whole->light);
  EXPECT_EQ(light->stats.ToJson(), whole->stats.ToJson());
  ASSERT_EQ(light->cases.size(), whole->cases.size());
  size_t with_secondary = 0;
  for (size_t i = 0; i < whole->cases.size(); ++i) {
    const Case& w = whole->cases[i];
    const Case& l = light->cases[i];
    ASSERT_EQ(l.case_id, w.case_id);
    EXPECT_EQ(l.categories, w.categories);
    EXPECT_EQ(l.split, w.split);
    EXPECT_EQ(l.truth.principal, w.truth.principal);
    EXPECT_EQ(l.presentation_sha256, w.presentation_sha256);
    ASSERT_NE(w.presentation, nullptr);
    EXPECT_EQ(w.presentation_sha256, w.presentation->Sha256());
    EXPECT_EQ(l.presentation, nullptr) << l.case_id;
    EXPECT_TRUE(l.truth.secondary.empty()) << l.case_id;
    with_secondary += !w.truth.secondary.empty();
    auto truth = (*source)->TruthOf(**store, l);
    ASSERT_TRUE(truth.ok()) << truth.status().message();
    EXPECT_EQ(truth->principal, w.truth.principal);
    EXPECT_EQ(truth->secondary, w.truth.secondary) << l.case_id;
    EXPECT_EQ(truth->principal_code, w.truth.principal_code);
    auto rebuilt = (*source)->Build(**store, l);
    ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().message();
    EXPECT_EQ(rebuilt->ToJson(true), w.ToJson(true));
  }
  EXPECT_GT(with_secondary, whole->cases.size() / 2);  // the secondaries were there to drop
  // A light case whose principal is not the store's is refused, naming it.
  Case forged = light->cases.front();
  forged.truth.principal = {"Z000"};
  auto refused = (*source)->TruthOf(**store, forged);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr(forged.case_id));
}

TEST_F(DemoCases, EveryCasePassesEveryRuleCheckedBySql) {
  REQUIRE_DEMO_INPUTS(inputs);
  auto set = Build(db_, *inputs);
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(set->stats.admissions, QueryInt(db_, "SELECT count(*) FROM admissions"));
  int64_t excluded = 0;
  for (const auto& [rule, n] : set->stats.excluded) excluded += n;
  EXPECT_EQ(set->stats.included + excluded, set->stats.admissions);
  EXPECT_EQ(set->stats.included, static_cast<int64_t>(set->cases.size()));
  // Planned admissions are the first rule, so it counts all of them.
  EXPECT_EQ(Excluded(*set, "planned_admission_type"),
            QueryInt(db_,
                     "SELECT count(*) FROM admissions WHERE admission_type IN ('ELECTIVE', "
                     "'SURGICAL SAME DAY ADMISSION')"));
  EXPECT_GT(set->cases.size(), 150u);

  for (const Case& c : set->cases) {
    const std::string h = std::to_string(c.hadm_id);
    SCOPED_TRACE(c.case_id);
    EXPECT_EQ(c.case_id, "hadm-" + h);
    // At least 5 labs in [t0 - 24 h, t0 + 48 h], by subject and time.
    EXPECT_GE(QueryInt(db_,
                       "SELECT count(*) FROM labevents l JOIN admissions a ON a.subject_id = l.subject_id "
                       "WHERE a.hadm_id = " +
                           h +
                           " AND l.charttime BETWEEN coalesce(a.edregtime, a.admittime) "
                           "- 86400 AND coalesce(a.edregtime, a.admittime) + 172800"),
              5);
    EXPECT_EQ(QueryInt(db_, "SELECT count(*) FROM diagnoses_icd WHERE seq_num = 1 AND hadm_id = " + h +
                                " AND icd_code = '" + c.truth.principal_code + "'"),
              1);
    EXPECT_FALSE(c.truth.principal.empty());
    // Codes are kept as MIMIC coded them; a few were retired before the 2021
    // order file (T81.4XXA), but their 3-character category is always there.
    for (const auto& code : c.truth.principal) EXPECT_TRUE(inputs->reference.IsIcd10(code.substr(0, 3))) << code;
    // Context categories agree with the tables they come from.
    const bool icu = QueryInt(db_, "SELECT count(*) FROM icustays WHERE hadm_id = " + h) > 0;
    const bool ed = QueryInt(db_, "SELECT edregtime IS NOT NULL FROM admissions WHERE hadm_id = " + h) == 1;
    auto has = [&](const char* k) {
      return std::find(c.categories.begin(), c.categories.end(), k) != c.categories.end();
    };
    EXPECT_EQ(has("intensive_care"), icu);
    EXPECT_EQ(has("emergency_medicine"), ed);
    EXPECT_FALSE(has("radiology"));  // no Note module in the demo
    EXPECT_EQ(c.presentation->arrival.route, ed ? "emergency department" : "direct admission");
  }
}

TEST_F(DemoCases, SplitIsPatientLevelAndSuitesAreReproducible) {
  REQUIRE_DEMO_INPUTS(inputs);
  auto set = Build(db_, *inputs);
  ASSERT_TRUE(set.ok());
  std::map<int64_t, std::set<std::string>> splits;
  for (const Case& c : set->cases) splits[c.subject_id].insert(c.split);
  int dev_subjects = 0;
  for (const auto& [subject, s] : splits) {
    EXPECT_EQ(s.size(), 1u) << "subject " << subject << " is in both splits";
    dev_subjects += s.count("dev") > 0;
  }
  EXPECT_GT(dev_subjects, 0);
  EXPECT_LT(dev_subjects, static_cast<int>(splits.size()) / 2);

  for (const Category& cat : inputs->taxonomy.categories()) {
    for (const char* split : {"dev", "test"}) {
      std::vector<std::string> ids;
      for (const Case& c : set->cases) {
        if (c.split == split && std::find(c.categories.begin(), c.categories.end(), cat.name) != c.categories.end()) {
          ids.push_back(c.case_id);
        }
      }
      EXPECT_EQ(set->stats.cases.at(cat.name).at(split), static_cast<int64_t>(ids.size()));
      EXPECT_EQ(set->stats.suites.at(cat.name).at(split), SuiteHash(cat.name, split, ids, inputs->taxonomy.sha256()));
    }
  }
  // Another taxonomy file (here: one more comment) gives other suite hashes for the same cases.
  auto file = LoadDataFile("taxonomy-v1.toml");
  ASSERT_TRUE(file.ok());
  file->text += "# edited\n";
  file->sha256 = Sha256::Hex(file->text);
  auto edited = Taxonomy::Parse(*file);
  ASSERT_TRUE(edited.ok());
  auto store = OpenStore(db_);
  ASSERT_TRUE(store.ok());
  auto other = BuildCases(**store, CaseInputs{&*edited, &inputs->rules, &inputs->reference, &inputs->ccsr});
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->stats.cases, set->stats.cases);
  EXPECT_NE(other->stats.suites.at("cardiology").at("test"), set->stats.suites.at("cardiology").at("test"));
}

TEST_F(DemoCases, PresentationsIgnoreEverythingTheyMustNotShow) {
  REQUIRE_DEMO_INPUTS(inputs);
  const std::string before = Presentations(db_, *inputs);
  ASSERT_THAT(before, HasSubstr("past_history"));
  const std::string mutated = *tmp_ / "mutated.db";
  fs::copy_file(db_, mutated, fs::copy_options::overwrite_existing);
  MutateWhatMustNotShow(mutated);
  const std::string after = Presentations(mutated, *inputs);
  EXPECT_EQ(after.size(), before.size());
  EXPECT_TRUE(after == before) << "a presentation changed when only hidden fields did";
}

TEST_F(DemoCases, NoTitleFirstCodedInAnAdmissionShowsInItsPresentation) {
  REQUIRE_DEMO_INPUTS(inputs);
  // Thousands of (admission, title) pairs are checked on the demo.
  const size_t pairs = ScanForLeakedTitles(db_, *inputs);
  std::printf("checked %zu (admission, first-coded title) pairs\n", pairs);
  EXPECT_GT(pairs, 1000u);
}

}  // namespace
}  // namespace medcred
