#include "cases/ccsr.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "testing/testing.h"

namespace medcred {
namespace {

using ::testing::HasSubstr;

// Loaded once: the file has 86,288 rows.
const Ccsr* Loaded() {
  static const Ccsr* ccsr = [] {
    const std::string dir = test::ReferenceDir();
    if (dir.empty()) return static_cast<Ccsr*>(nullptr);
    auto r = Ccsr::Load(dir);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? new Ccsr(std::move(*r)) : nullptr;
  }();
  return ccsr;
}

#define REQUIRE_CCSR(c)               \
  MEDCRED_REQUIRE_REFERENCE(c##_dir); \
  const Ccsr* c = Loaded();           \
  ASSERT_NE(c, nullptr)

std::string DefaultOf(const Ccsr& c, const std::string& code) {
  const CcsrCategory* cat = c.DefaultInpatient(code);
  return cat == nullptr ? "" : cat->id;
}

// The figures AHRQ publishes for v2023.1: 74,549 codes in 543 categories.
TEST(Ccsr, HoldsEveryCodeAndCategoryOfV2023) {
  REQUIRE_CCSR(c);
  EXPECT_EQ(c->size(), 74549u);
  EXPECT_EQ(c->category_count(), 543u);
  EXPECT_EQ(c->digest().size(), 64u);
}

// Written from the CCSR reference guide's examples and the clinical meaning of
// the codes, not read off the loader.
TEST(Ccsr, GroupsCodesTheWayCliniciansDo) {
  REQUIRE_CCSR(c);
  struct Row {
    const char* code;
    const char* default_ip;
  } rows[] = {
      {"J13", "RSP002"},   {"J150", "RSP002"}, {"J15212", "RSP002"}, {"J189", "RSP002"},  // pneumonias
      {"J690", "RSP010"},                                                                 // aspiration pneumonitis
      {"I214", "CIR009"},  {"I219", "CIR009"},                                            // NSTEMI, AMI
      {"I200", "CIR011"},                                                                 // unstable angina: not AMI
      {"E1010", "END003"},                                                                // DKA, type 1
  };
  for (const Row& r : rows) EXPECT_EQ(DefaultOf(*c, r.code), r.default_ip) << r.code;
  ASSERT_NE(c->Category("RSP002"), nullptr);
  EXPECT_THAT(c->Category("RSP002")->description, HasSubstr("Pneumonia"));
  EXPECT_THAT(c->Description("J13"), HasSubstr("Streptococcus pneumoniae"));
  const auto& pneumonias = c->CodesIn("RSP002");
  EXPECT_NE(std::find(pneumonias.begin(), pneumonias.end(), "J189"), pneumonias.end());
  EXPECT_EQ(std::find(pneumonias.begin(), pneumonias.end(), "J690"), pneumonias.end());
}

TEST(Ccsr, ACodeInSeveralCategoriesListsItsDefaultFirst) {
  REQUIRE_CCSR(c);
  // Cholera is an intestinal infection (default) and a bacterial infection.
  const auto cats = c->Categories("A000");
  ASSERT_EQ(cats.size(), 2u);
  EXPECT_EQ(cats[0]->id, "DIG001");
  EXPECT_EQ(cats[1]->id, "INF003");
  EXPECT_TRUE(c->Categories("NOTACODE").empty());
  EXPECT_EQ(c->DefaultInpatient("NOTACODE"), nullptr);
}

TEST(Ccsr, AMalformedRowNamesFileAndLine) {
  test::TempDir tmp;
  // SYNTHETIC: a CCSR file whose second row has a bad inpatient flag.
  test::WriteFile(tmp / Ccsr::kFileName,
                  "icd10cm_code,icd10cm_description,ccsr_category,ccsr_category_description,inpatient_default,"
                  "outpatient_default\nJ189,\"Pneumonia, unspecified organism\",RSP002,Pneumonia,Y,Y\n"
                  "J13,Pneumococcal pneumonia,RSP002,Pneumonia,maybe,Y\n");
  auto r = Ccsr::Load(tmp.path().string());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(std::string(Ccsr::kFileName) + ":3"));
  EXPECT_THAT(r.status().message(), HasSubstr("inpatient_default"));
}

}  // namespace
}  // namespace medcred
