#include "grading/grader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "common/text.h"

#include "testing/testing.h"

namespace medcred {
namespace {

using ::testing::HasSubstr;

const IcdReference* Reference() {
  static const IcdReference* ref = [] {
    const std::string dir = test::ReferenceDir();
    if (dir.empty()) return static_cast<IcdReference*>(nullptr);
    auto r = IcdReference::Load(dir);
    return r.ok() ? new IcdReference(std::move(*r)) : nullptr;
  }();
  return ref;
}

std::shared_ptr<const Ccsr> CcsrData() {
  static const std::shared_ptr<const Ccsr> ccsr = [] {
    const std::string dir = test::ReferenceDir();
    if (dir.empty()) return std::shared_ptr<const Ccsr>();
    auto c = Ccsr::Load(dir);
    return c.ok() ? std::make_shared<const Ccsr>(std::move(*c)) : std::shared_ptr<const Ccsr>();
  }();
  return ccsr;
}

// Loading indexes every title (about a second): each pair of files is loaded once per test binary.
Result<Grader> LoadGrader(const std::string& lexicon = Grader::kDefaultLexicon,
                          const std::string& methodology = Methodology::kDefault) {
  static std::map<std::string, std::shared_ptr<const Grader>> cache;
  const std::string key = lexicon + "|" + methodology;
  if (auto it = cache.find(key); it != cache.end()) return *it->second;
  auto g = Grader::Load(Reference(), CcsrData(), lexicon, methodology);
  if (g.ok()) cache[key] = std::make_shared<const Grader>(*g);
  return g;
}

std::vector<std::string> Codes(const std::string& field) {
  std::vector<std::string> out;
  std::stringstream in(field);
  for (std::string c; std::getline(in, c, ',');) {
    if (!c.empty()) out.push_back(c);
  }
  return out;
}

struct TableRow {
  int line = 0;
  std::vector<std::string> truth, secondary;
  std::string answer;
  std::optional<std::string> code;
  std::string expected, note;  // a level, or "nocredit"
};

std::vector<TableRow> ReadTable() {
  std::vector<TableRow> rows;
  std::ifstream in(std::string(MEDCRED_SOURCE_DIR) + "/src/grading/testdata/grader_table.tsv");
  EXPECT_TRUE(in.good());
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream cells(line);
    for (std::string cell; std::getline(cells, cell, '\t');) f.push_back(cell);
    if (f.size() == 5) f.push_back("");
    EXPECT_EQ(f.size(), 6u) << "grader_table.tsv:" << line_no << ": " << line;
    if (f.size() != 6) continue;
    TableRow r;
    r.line = line_no;
    r.truth = Codes(f[0]);
    r.secondary = Codes(f[1]);
    r.answer = f[2];
    if (!f[3].empty()) r.code = f[3];
    r.expected = f[4];
    r.note = f[5];
    rows.push_back(std::move(r));
  }
  return rows;
}

// Whether the table's clinician gives the row full credit (under v2's credits).
bool ExpectedFull(const TableRow& r, const Methodology& v2) {
  return r.expected != "nocredit" && v2.credit.at(r.expected) >= v2.correct_at;
}

struct Agreement {
  int rows = 0, credit_agree = 0, level_rows = 0, level_agree = 0;
  std::map<std::string, std::pair<int, int>> per_level;  // expected level -> (agree, rows)
};

Agreement Measure(const Grader& grader, const Methodology& v2, const std::vector<TableRow>& rows, bool report) {
  Agreement a;
  for (const TableRow& r : rows) {
    const Grade g = grader.GradeAnswer(r.truth, r.secondary, r.answer, r.code);
    ++a.rows;
    const bool full = g.credit >= grader.methodology().correct_at;
    const bool credit_ok = full == ExpectedFull(r, v2);
    a.credit_agree += credit_ok;
    if (r.expected != "nocredit") {
      const bool ok = g.level == r.expected;
      ++a.level_rows;
      a.level_agree += ok;
      auto& pl = a.per_level[r.expected];
      pl.first += ok;
      ++pl.second;
      if (report && !ok) {
        std::printf("  grader_table.tsv:%d: truth %s answer \"%s\": table %s, grader %s%s (%s)\n", r.line,
                    r.truth[0].c_str(), r.answer.c_str(), r.expected.c_str(), g.level.c_str(),
                    credit_ok ? "" : " [credit differs]", g.explanation.c_str());
      }
    } else if (report && !credit_ok) {
      std::printf("  grader_table.tsv:%d: truth %s answer \"%s\": table no credit, grader %s\n", r.line,
                  r.truth[0].c_str(), r.answer.c_str(), g.level.c_str());
    }
  }
  return a;
}

void Print(const char* name, const Agreement& a) {
  std::printf("%s: credit/no-credit %d/%d (%.1f%%), level %d/%d (%.1f%%);", name, a.credit_agree, a.rows,
              100.0 * a.credit_agree / a.rows, a.level_agree, a.level_rows, 100.0 * a.level_agree / a.level_rows);
  for (const auto& [level, n] : a.per_level) std::printf(" %s %d/%d", level.c_str(), n.first, n.second);
  std::printf("\n");
}

// The hand-graded table (src/grading/testdata/grader_table.tsv), under grading v1 (lexicon and
// methodology v1: before issue 16) and v2. Agreement on credit is what certification turns on.
TEST(Grader, TheHandGradedTableAgrees) {
  MEDCRED_REQUIRE_REFERENCE(dir);
  ASSERT_NE(Reference(), nullptr);
  auto v2 = LoadGrader();
  ASSERT_TRUE(v2.ok()) << v2.status().message();
  auto v1 = LoadGrader("lexicon-v1.toml", "methodology-v1.toml");
  ASSERT_TRUE(v1.ok()) << v1.status().message();
  const std::vector<TableRow> rows = ReadTable();
  std::map<std::string, int> levels;
  for (const TableRow& r : rows) ++levels[r.expected];
  std::printf("grader table: %zu rows;", rows.size());
  for (const auto& [level, n] : levels) std::printf(" %s %d", level.c_str(), n);
  std::printf("\n");
  const Agreement before = Measure(*v1, v2->methodology(), rows, false);
  const Agreement after = Measure(*v2, v2->methodology(), rows, true);
  Print("before (v1)", before);
  Print("after (v2)", after);
  EXPECT_GE(rows.size(), 400u);
  for (const char* level : {"exact", "category", "ccsr", "block", "secondary", "chapter", "none"})
    EXPECT_GT(levels[level], 5) << level;
  EXPECT_GE(after.credit_agree, 0.95 * after.rows) << "credit/no-credit agreement under v2";
  EXPECT_GE(after.level_agree, 0.90 * after.level_rows) << "level agreement under v2";
}

// A correct specifier (organism, site and laterality, acuity) added to an answer that earns full
// credit never lowers its credit. The specifier is chosen to fit the row's truth: an organism the
// truth's title names (or any, when it names none), its side, "acute" when the truth is acute.
TEST(Grader, ASpecifierNeverLowersFullCredit) {
  MEDCRED_REQUIRE_REFERENCE(dir);
  auto grader = LoadGrader();
  ASSERT_TRUE(grader.ok()) << grader.status().message();
  struct Organism {
    const char* title_word;  // in the truth's ICD-10-CM title
    std::vector<std::string> forms;
  };
  const std::vector<Organism> organisms = {
      {"streptococcus pneumoniae", {"pneumococcal", "due to Streptococcus pneumoniae"}},
      {"methicillin resistant", {"MRSA", "due to MRSA"}},
      {"methicillin susceptible", {"MSSA", "due to MSSA"}},
      {"escherichia", {"E. coli", "due to E. coli"}},
      {"klebsiella", {"Klebsiella"}},
      {"pseudomonas", {"Pseudomonas", "due to Pseudomonas"}},
  };
  // Infections the organism may be added to (CCSR default category of the truth).
  const std::set<std::string> infections = {"RSP002", "INF002", "GEN004", "SKN001", "MUS002", "NVS001"};
  int checked = 0;
  for (const TableRow& r : ReadTable()) {
    if (r.code || r.expected == "nocredit") continue;
    const Grade base = grader->GradeAnswer(r.truth, r.secondary, r.answer, std::nullopt);
    if (base.credit < 1.0) continue;
    const Mapping m = grader->Map(r.answer, std::nullopt);
    if (m.readings.size() != 1) continue;  // compound answers: each part is a row of its own
    const std::string truth_title = NormalizeWords(Reference()->Title(r.truth[0]));
    const CcsrCategory* cat = grader->CcsrOf(r.truth[0]);
    std::vector<std::string> variants;
    if (cat != nullptr && infections.count(cat->id)) {
      bool named = false;
      for (const Organism& o : organisms) {
        if (truth_title.find(o.title_word) == std::string::npos) continue;
        named = true;
        variants.push_back(o.forms[0] + " " + r.answer);
        if (o.forms.size() > 1) variants.push_back(r.answer + " " + o.forms[1]);
      }
      if (!named && truth_title.find("unspecified organism") != std::string::npos) {
        for (const Organism& o : organisms) variants.push_back(o.forms[0] + " " + r.answer);
      }
    }
    for (const char* side : {"left", "right"}) {
      if (truth_title.find(std::string(side) + " ") != std::string::npos)
        variants.push_back(std::string(side) + " " + r.answer);
    }
    if (truth_title.rfind("acute ", 0) == 0 && NormalizeWords(r.answer).find("acute") == std::string::npos &&
        NormalizeWords(r.answer).find("chronic") == std::string::npos) {
      variants.push_back("acute " + r.answer);
    }
    for (const std::string& v : variants) {
      const Grade g = grader->GradeAnswer(r.truth, r.secondary, v, std::nullopt);
      ++checked;
      EXPECT_GE(g.credit, base.credit) << "grader_table.tsv:" << r.line << ": truth " << r.truth[0] << " \"" << r.answer
                                       << "\" earns " << base.credit << " but \"" << v << "\" earns " << g.credit
                                       << " (" << g.explanation << ")";
    }
  }
  std::printf("metamorphic: %d specified variants of full-credit rows checked\n", checked);
  EXPECT_GT(checked, 40);
}

TEST(Grader, CreditsComeFromTheMethodology) {
  MEDCRED_REQUIRE_REFERENCE(dir);
  auto grader = LoadGrader();
  ASSERT_TRUE(grader.ok()) << grader.status().message();
  EXPECT_EQ(grader->GradeAnswer({"I214"}, {}, "NSTEMI", std::nullopt).credit, 1.0);
  EXPECT_EQ(grader->GradeAnswer({"I214"}, {}, "STEMI", std::nullopt).credit, 1.0);
  EXPECT_EQ(grader->GradeAnswer({"I214"}, {}, "unstable angina", std::nullopt).credit, 0.5);
  EXPECT_EQ(grader->GradeAnswer({"I214"}, {"N179"}, "AKI", std::nullopt).credit, 0.5);
  EXPECT_EQ(grader->GradeAnswer({"I214"}, {}, "pulmonary embolism", std::nullopt).credit, 0.0);
  const Grade g = grader->GradeAnswer({"I214"}, {}, "heart attack", std::nullopt);
  const auto j = g.ToJson();
  for (const char* k : {"level", "credit", "mapped_code", "explanation"}) EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["mapped_code"], "I219");
  EXPECT_THAT(g.explanation, HasSubstr("heart attack"));
  EXPECT_TRUE(grader->GradeAnswer({"I214"}, {}, "", std::nullopt).ToJson()["mapped_code"].is_null());
}

// Every phrase of lexicon v2 names its code's title as the reference files give it (the order file's,
// or CCSR's FY2023 description for newer codes), so a reviewer reading the lexicon reads the truth.
TEST(Lexicon, TitlesAgreeWithTheReferenceFiles) {
  MEDCRED_REQUIRE_REFERENCE(dir);
  ASSERT_NE(CcsrData(), nullptr);
  auto f = LoadDataFile("lexicon-v2.toml");
  ASSERT_TRUE(f.ok());
  auto root = ParseToml(*f);
  ASSERT_TRUE(root.ok());
  const toml::table* phrases = (*root)["phrases"].as_table();
  ASSERT_NE(phrases, nullptr);
  size_t n = 0;
  for (const auto& [phrase, value] : *phrases) {
    const std::string code = NormalizeIcd((*value.as_table())["code"].value_or(std::string()));
    const std::string title = (*value.as_table())["title"].value_or(std::string());
    const std::string& want = Reference()->IsIcd10(code) ? Reference()->Title(code) : CcsrData()->Description(code);
    EXPECT_EQ(title, want) << "lexicon-v2.toml: phrases.\"" << phrase.str() << "\" (" << code << ")";
    ++n;
  }
  EXPECT_GE(n, 600u);
}

TEST(Grader, V2NeedsCcsrAndRefusesUnknownBroadCategories) {
  MEDCRED_REQUIRE_REFERENCE(dir);
  auto g = Grader::Load(Reference(), nullptr);
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(g.status().message(), HasSubstr("dxccsr_v2023_1.csv.gz"));
  EXPECT_TRUE(Grader::Load(Reference(), nullptr, "lexicon-v1.toml", "methodology-v1.toml").ok());
}

// Issue 16, the complaints: a specific answer scored below a vague one; plain titles were missed;
// block credit split pneumonia from bacterial pneumonia but joined unstable angina with NSTEMI.
TEST(Grader, ASpecificAnswerNeverScoresBelowAVagueOne) {
  MEDCRED_REQUIRE_REFERENCE(dir);
  auto grader = LoadGrader();
  ASSERT_TRUE(grader.ok()) << grader.status().message();
  struct Case {
    std::string truth, vague, specific;
  };
  for (const Case& c : std::vector<Case>{{"J13", "pneumonia", "pneumococcal pneumonia"},
                                         {"E1010", "diabetes", "DKA"},
                                         {"J15212", "pneumonia", "MRSA pneumonia"},
                                         {"A4151", "sepsis", "E. coli sepsis"},
                                         {"L03116", "cellulitis", "left leg cellulitis"},
                                         {"I5023", "heart failure", "acute on chronic systolic CHF"},
                                         {"I63512", "stroke", "left MCA stroke"}}) {
    const Grade vague = grader->GradeAnswer({c.truth}, {}, c.vague, std::nullopt);
    const Grade specific = grader->GradeAnswer({c.truth}, {}, c.specific, std::nullopt);
    EXPECT_GE(specific.credit, vague.credit) << c.truth << ": \"" << c.specific << "\" " << specific.explanation;
    EXPECT_EQ(specific.credit, 1.0) << c.truth << ": \"" << c.specific << "\" " << specific.explanation;
  }
  EXPECT_EQ(grader->GradeAnswer({"J13"}, {}, "pneumococcal pneumonia", std::nullopt).level, "exact");
  EXPECT_EQ(grader->GradeAnswer({"I313"}, {}, "Pericardial effusion", std::nullopt).level, "exact");
  EXPECT_EQ(grader->GradeAnswer({"J189"}, {}, "bacterial pneumonia", std::nullopt).level, "ccsr");
  EXPECT_EQ(grader->GradeAnswer({"I214"}, {}, "unstable angina", std::nullopt).credit, 0.5);
  EXPECT_EQ(grader->GradeAnswer({"J690"}, {}, "pneumonia", std::nullopt).level, "chapter");  // RSP010 vs RSP002
}

TEST(Grader, CompoundHedgedNegatedAndDifferentialAnswers) {
  MEDCRED_REQUIRE_REFERENCE(dir);
  auto grader = LoadGrader();
  ASSERT_TRUE(grader.ok()) << grader.status().message();
  Grade g = grader->GradeAnswer({"J189"}, {}, "sepsis secondary to pneumonia", std::nullopt);
  EXPECT_EQ(g.level, "exact");
  EXPECT_THAT(g.explanation, HasSubstr("two diagnoses"));
  EXPECT_THAT(g.explanation, HasSubstr("the second matched"));
  g = grader->GradeAnswer({"A419"}, {}, "sepsis secondary to pneumonia", std::nullopt);
  EXPECT_THAT(g.explanation, HasSubstr("the first matched"));
  for (const char* text : {"rule out MI", "r/o MI", "no evidence of MI", "MI unlikely", "MI ruled out"}) {
    g = grader->GradeAnswer({"I214"}, {}, text, std::nullopt);
    EXPECT_EQ(g.level, "none") << text;
    EXPECT_THAT(g.explanation, HasSubstr("does not assert")) << text;
  }
  g = grader->GradeAnswer({"J189"}, {}, "pneumonia vs CHF", std::nullopt);
  EXPECT_EQ(g.level, "none");
  EXPECT_THAT(g.explanation, HasSubstr("differential"));
  EXPECT_EQ(grader->GradeAnswer({"J189"}, {}, "probable pneumonia", std::nullopt).level, "exact");
  EXPECT_EQ(grader->GradeAnswer({"K219"}, {}, "chest pain, MI ruled out, likely GERD", std::nullopt).level, "exact");
  const Mapping m = grader->Map("PE unlikely, pneumonia", std::nullopt);
  EXPECT_EQ(m.code, "J189");
  ASSERT_EQ(m.negated.size(), 1u);
  EXPECT_THAT(m.negated[0], HasSubstr("I2699"));
}

TEST(Grader, TopThreeReadsTheFirstTwoDifferentialEntries) {
  MEDCRED_REQUIRE_REFERENCE(dir);
  auto grader = LoadGrader();
  ASSERT_TRUE(grader.ok());
  Grade g = grader->GradeWithDifferential({"I2699"}, {}, "pneumonia", std::nullopt, {"CHF", "PE"});
  EXPECT_EQ(g.level, "none");
  EXPECT_EQ(g.top3, true);
  g = grader->GradeWithDifferential({"I2699"}, {}, "pneumonia", std::nullopt, {"CHF", "COPD", "PE"});
  EXPECT_EQ(g.top3, false);  // the third entry is beyond the top three
  g = grader->GradeWithDifferential({"I2699"}, {}, "PE", std::nullopt, {});
  EXPECT_EQ(g.top3, true);
  EXPECT_EQ(g.ToJson()["top3"], true);
  EXPECT_FALSE(grader->GradeAnswer({"I2699"}, {}, "PE", std::nullopt).top3.has_value());
}

TEST(Grader, AnInvalidCodeFallsBackToTheText) {
  MEDCRED_REQUIRE_REFERENCE(dir);
  auto grader = LoadGrader();
  ASSERT_TRUE(grader.ok());
  Mapping m = grader->Map("NSTEMI", std::string("I21.99"));  // not a code of the order file
  EXPECT_EQ(m.code, "I214");
  EXPECT_EQ(m.how, "lexicon");
  m = grader->Map("whatever", std::string("i21.4"));
  EXPECT_EQ(m.code, "I214");
  EXPECT_EQ(m.how, "code");
}

TEST(Methodology, TiersComeFromTheFileBestFirst) {
  auto m = Methodology::Load();  // v2, the default since issue 18 (v1 stays loadable: exam_test)
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->version, "v2");  // the default for new runs; v1 stays loadable
  auto v1 = Methodology::Load("methodology-v1.toml");
  ASSERT_TRUE(v1.ok()) << v1.status().message();
  EXPECT_EQ(v1->version, "v1");
  EXPECT_NE(v1->sha256, m->sha256);
  EXPECT_EQ(m->split, "test");
  EXPECT_DOUBLE_EQ(m->confidence, 0.95);
  ASSERT_EQ(m->tiers.size(), 2u);
  EXPECT_EQ(m->tiers[0].name, "certified");
  EXPECT_EQ(m->tiers[0].min_cases, 100);
  EXPECT_DOUBLE_EQ(m->tiers[0].min_lower_bound, 0.70);
  EXPECT_EQ(m->tiers[1].name, "provisional");
  EXPECT_EQ(m->tiers[1].min_cases, 30);
  EXPECT_EQ(m->not_certified, "not certified");
  EXPECT_EQ(m->sha256.size(), 64u);
}

// Issue 16: v2 places ccsr right after category; v1 stays loadable (old registry entries re-check) without it.
TEST(Methodology, V2AddsTheCcsrLevelAndV1StaysLoadable) {
  auto v2 = Methodology::Load("methodology-v2.toml");
  ASSERT_TRUE(v2.ok()) << v2.status().message();
  EXPECT_EQ(v2->levels,
            (std::vector<std::string>{"exact", "category", "ccsr", "block", "secondary", "chapter", "none"}));
  EXPECT_DOUBLE_EQ(v2->credit.at("ccsr"), 1.0);
  EXPECT_TRUE(v2->ccsr_level);
  EXPECT_TRUE(v2->ccsr_broad.count("DIG025"));  // "Other specified and unspecified gastrointestinal disorders"
  EXPECT_EQ(v2->top_k, 3);
  EXPECT_EQ(v2->reliability_bins, 10);
  auto v1 = Methodology::Load("methodology-v1.toml");
  ASSERT_TRUE(v1.ok()) << v1.status().message();
  EXPECT_EQ(v1->version, "v1");
  EXPECT_FALSE(v1->ccsr_level);
  EXPECT_EQ(std::count(v1->levels.begin(), v1->levels.end(), "ccsr"), 0);
  EXPECT_NE(v1->sha256, v2->sha256);
  // Every credit from one level to the next is non-increasing: a specific answer never scores below a vaguer one.
  for (size_t i = 1; i < v2->levels.size(); ++i)
    EXPECT_LE(v2->credit.at(v2->levels[i]), v2->credit.at(v2->levels[i - 1])) << v2->levels[i];
}

TEST(Methodology, BadCcsrSectionsNameTheField) {
  auto base = LoadDataFile("methodology-v2.toml");
  ASSERT_TRUE(base.ok());
  struct Case {
    std::string from, to, field;
  };
  const std::vector<Case> bad = {
      {"after = \"category\"", "after = \"none\"", "ccsr.after"},
      {"after = \"category\"", "after = \"gold\"", "ccsr.after"},
      {"[ccsr]\ncredit = 1.0", "[ccsr]\ncredit = 2.0", "ccsr.credit"},
      {"after = \"category\"", "after = \"chapter\"", "ccsr.credit"},  // 1.0 after chapter's 0 pays more
      {"\"BLD006\",", "\"BLD6\",", "ccsr.broad"},
      {"top_k = 3", "top_k = 0", "beyond_accuracy.top_k"},
      {"reliability_bins = 10", "reliability_bins = 1", "beyond_accuracy.reliability_bins"},
  };
  for (const Case& c : bad) {
    DataFile f = *base;
    const size_t at = f.text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    f.text.replace(at, c.from.size(), c.to);
    auto m = Methodology::Parse(f);
    ASSERT_FALSE(m.ok()) << c.to;
    EXPECT_THAT(m.status().message(), HasSubstr(c.field)) << c.to;
    EXPECT_THAT(m.status().message(), HasSubstr("methodology-v2.toml")) << c.to;
  }
}

TEST(Methodology, BadFilesNameTheField) {
  auto base = LoadDataFile("methodology-v1.toml");
  ASSERT_TRUE(base.ok());
  struct Case {
    std::string from, to, field;
  };
  const std::vector<Case> bad = {
      {"confidence = 0.95", "confidence = 1.5", "credentials.confidence"},
      {"split = \"test\"", "split = \"train\"", "credentials.split"},
      {"min_cases = 30", "min_cases = 0", "credentials.tiers[1].min_cases"},
      {"min_lower_bound = 0.50", "min_lower_bound = 0.90", "credentials.tiers[1]"},
      {"exact = 1.0", "exact = 2.0", "credit.exact"},
      {"correct_at = 1.0", "correct_at = \"one\"", "correct_at"},
  };
  for (const Case& c : bad) {
    DataFile f = *base;
    const size_t at = f.text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    f.text.replace(at, c.from.size(), c.to);
    auto m = Methodology::Parse(f);
    ASSERT_FALSE(m.ok()) << c.to;
    EXPECT_EQ(m.status().exit_code(), 2);
    EXPECT_THAT(m.status().message(), HasSubstr(c.field)) << c.to;
    EXPECT_THAT(m.status().message(), HasSubstr("methodology-v1.toml")) << c.to;
  }
}

}  // namespace
}  // namespace medcred
