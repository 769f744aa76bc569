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
    const std::string dir = testing::ReferenceDir();
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
      ADD_FAILURE() << "truth " << f[0] << " answer \"" << f[2] << "\"" << (code ? " code " + *code : "") << ": expected "
                    << f[4] << ", got " << g.level << " (" << g.explanation << ")";
    }
  }
  std::printf("grader table: %d/%d rows pass (%.1f%%);", passed, rows, 100.0 * passed / rows);
  for (const auto& [level, n] : levels) std::printf(" %s %d", level.c_str(), n);
  std::printf("\n");
  EXPECT_GE(rows, 150);
  for (const char* level : {"exact", "category", "block", "secondary", "chapter", "none"}) EXPECT_GT(levels[level], 5) << level;
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

}  // namespace
}  // namespace medcred
