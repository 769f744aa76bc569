#include "grading/grader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

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

std::vector<std::string> Codes(const std::string& field) {
  std::vector<std::string> out;
  std::stringstream in(field);
  for (std::string c; std::getline(in, c, ',');) {
    if (!c.empty()) out.push_back(c);
  }
  return out;
}

TEST(Grader, TheHandGradedTablePasses) {
  MEDCRED_REQUIRE_REFERENCE(dir);
  ASSERT_NE(Reference(), nullptr);
  auto grader = Grader::Load(Reference());
  ASSERT_TRUE(grader.ok()) << grader.status().message();
  std::ifstream in(std::string(MEDCRED_SOURCE_DIR) + "/src/grading/testdata/grader_table.tsv");
  ASSERT_TRUE(in.good());
  int rows = 0, passed = 0;
  std::map<std::string, int> levels;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream cells(line);
    for (std::string cell; std::getline(cells, cell, '\t');) f.push_back(cell);
    ASSERT_EQ(f.size(), 5u) << "grader_table.tsv: " << line;
    std::optional<std::string> code;
    if (!f[3].empty()) code = f[3];
    const Grade g = grader->GradeAnswer(Codes(f[0]), Codes(f[1]), f[2], code);
    ++rows;
    ++levels[f[4]];
    if (g.level == f[4]) {
      ++passed;
    } else {
      ADD_FAILURE() << "truth " << f[0] << " answer \"" << f[2] << "\"" << (code ? " code " + *code : "")
                    << ": expected " << f[4] << ", got " << g.level << " (" << g.explanation << ")";
    }
  }
  std::printf("grader table: %d/%d rows pass (%.1f%%);", passed, rows, 100.0 * passed / rows);
  for (const auto& [level, n] : levels) std::printf(" %s %d", level.c_str(), n);
  std::printf("\n");
  EXPECT_GE(rows, 150);
  for (const char* level : {"exact", "category", "block", "secondary", "chapter", "none"})
    EXPECT_GT(levels[level], 5) << level;
}

TEST(Grader, CreditsComeFromTheMethodology) {
  MEDCRED_REQUIRE_REFERENCE(dir);
  auto grader = Grader::Load(Reference());
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

TEST(Grader, AnInvalidCodeFallsBackToTheText) {
  MEDCRED_REQUIRE_REFERENCE(dir);
  auto grader = Grader::Load(Reference());
  ASSERT_TRUE(grader.ok());
  Mapping m = grader->Map("NSTEMI", std::string("I21.99"));  // not a code of the order file
  EXPECT_EQ(m.code, "I214");
  EXPECT_EQ(m.how, "lexicon");
  m = grader->Map("whatever", std::string("i21.4"));
  EXPECT_EQ(m.code, "I214");
  EXPECT_EQ(m.how, "code");
}

TEST(Methodology, TiersComeFromTheFileBestFirst) {
  auto m = Methodology::Load();
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
