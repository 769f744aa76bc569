// baseline:ed-physician's answers from ED diagnoses (synthetic records, invented).
#include "models/ed_physician.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cases/case_builder.h"
#include "testing/testing.h"

namespace medcred {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

EdDiagnosisRecord Dx(int seq, std::string code, int version, std::string title) {
  return {5001, seq, std::move(code), version, std::move(title)};
}

TEST(EdPhysicianAnswerOf, FirstListedIsTheAnswerTheRestTheDifferential) {
  const auto a = EdPhysicianAnswerOf({Dx(1, "I214", 10, "NON-ST ELEVATION (NSTEMI) MYOCARDIAL INFARCTION"),
                                      Dx(2, "R079", 10, "CHEST PAIN, UNSPECIFIED"), Dx(3, "E119", 10, "")},
                                     nullptr);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->diagnosis, "NON-ST ELEVATION (NSTEMI) MYOCARDIAL INFARCTION");
  EXPECT_EQ(a->icd10, "I214");
  // A diagnosis without a title goes by its code.
  EXPECT_THAT(a->differential, ElementsAre("CHEST PAIN, UNSPECIFIED", "E119"));
}

TEST(EdPhysicianAnswerOf, NoDiagnosisNoAnswerAndTheDifferentialStopsAtTen) {
  EXPECT_FALSE(EdPhysicianAnswerOf({}, nullptr).has_value());
  std::vector<EdDiagnosisRecord> many;
  for (int i = 1; i <= 14; ++i)
    many.push_back(Dx(i, "R5" + std::to_string(i % 10), 10, "SYMPTOM " + std::to_string(i)));
  const auto a = EdPhysicianAnswerOf(many, nullptr);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->differential.size(), 10u);
  EXPECT_EQ(a->differential.front(), "SYMPTOM 2");
}

TEST(EdPhysicianAnswerOf, Icd9CodesGoThroughTheGemsOrAsTextOnly) {
  const EdDiagnosisRecord chest_pain = Dx(1, "78650", 9, "CHEST PAIN NOS");
  const auto text_only = EdPhysicianAnswerOf({chest_pain}, nullptr);
  ASSERT_TRUE(text_only.has_value());
  EXPECT_FALSE(text_only->icd10.has_value());
  EXPECT_EQ(text_only->diagnosis, "CHEST PAIN NOS");
  MEDCRED_REQUIRE_REFERENCE(ref_dir);
  auto ref = IcdReference::Load(ref_dir);
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  const auto mapped = EdPhysicianAnswerOf({chest_pain}, &*ref);
  ASSERT_TRUE(mapped.has_value());
  // 786.50 (chest pain, unspecified) maps to R07.9 in the CMS GEM.
  EXPECT_EQ(mapped->icd10, "R079");
}

}  // namespace
}  // namespace medcred
