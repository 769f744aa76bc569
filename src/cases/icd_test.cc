#include "cases/icd.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "testing/testing.h"

namespace medcred {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Loaded once: the order file and GEMs take ~0.3 s to read.
const IcdReference* Reference() {
  static const IcdReference* ref = [] {
    const std::string dir = testing::ReferenceDir();
    if (dir.empty()) return static_cast<IcdReference*>(nullptr);
    auto r = IcdReference::Load(dir);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? new IcdReference(std::move(*r)) : nullptr;
  }();
  return ref;
}

#define REQUIRE_REF(ref)                   \
  MEDCRED_REQUIRE_REFERENCE(ref##_dir);    \
  const IcdReference* ref = Reference();   \
  ASSERT_NE(ref, nullptr)

std::vector<std::string> Targets(const IcdReference& ref, const std::string& icd9) {
  std::vector<std::string> out;
  for (const auto& t : ref.Gem(icd9)) out.push_back(t.icd10);
  return out;
}

TEST(NormalizeIcd, DropsDotsAndSpacesAndUppercases) {
  EXPECT_EQ(NormalizeIcd("i21.4"), "I214");
  EXPECT_EQ(NormalizeIcd(" 414.01 "), "41401");
  EXPECT_EQ(NormalizeIcd("O9A.211"), "O9A211");
}

TEST(IcdReference, OrderFileGivesTitlesOfCodesAndCategories) {
  REQUIRE_REF(ref);
  EXPECT_EQ(ref->Title("I214"), "Non-ST elevation (NSTEMI) myocardial infarction");
  EXPECT_EQ(ref->Title("J189"), "Pneumonia, unspecified organism");  // a quoted title with a comma
  EXPECT_TRUE(ref->IsIcd10("I21"));  // a category (header) row
  EXPECT_TRUE(ref->IsIcd10("I214"));
  EXPECT_FALSE(ref->IsIcd10("I219X"));
  EXPECT_FALSE(ref->IsIcd10("41401"));
  EXPECT_EQ(ref->Title("XYZ"), "");
  EXPECT_EQ(ref->digest().size(), 64u);
}

TEST(IcdReference, GemsMapIcd9ToEveryIcd10Target) {
  REQUIRE_REF(ref);
  EXPECT_THAT(Targets(*ref, "41401"), ::testing::ElementsAre("I2510"));
  EXPECT_THAT(Targets(*ref, "41071"), ::testing::ElementsAre("I214"));
  EXPECT_THAT(Targets(*ref, "486"), ::testing::ElementsAre("J189"));
  // 4280 (CHF, unspecified) has more than one target in this GEM file; all count.
  EXPECT_THAT(Targets(*ref, "4280"), ::testing::Contains("I509"));
  // Approximate flag.
  ASSERT_FALSE(ref->Gem("41401").empty());
  EXPECT_TRUE(ref->Gem("41401")[0].approximate);
  EXPECT_FALSE(ref->Gem("5990")[0].approximate);
  // A combination entry: 073.0 (ornithosis with pneumonia) needs A70 and J17 together.
  const auto& combo = ref->Gem("0730");
  ASSERT_EQ(combo.size(), 2u);
  EXPECT_TRUE(std::all_of(combo.begin(), combo.end(), [](const GemTarget& t) { return t.combination; }));
  EXPECT_EQ(combo[0].scenario, 1);
  EXPECT_EQ(combo[0].choice_list + combo[1].choice_list, 3);
  // "No map" rows (target NoDx) give no target at all.
  EXPECT_THAT(ref->Gem("36570"), IsEmpty());
  EXPECT_THAT(ref->Gem("not-a-code"), IsEmpty());
}

TEST(IcdReference, FindDirNamesWhatIsMissing) {
  testing::TempDir tmp;
  auto r = IcdReference::FindDir(tmp.path().string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), Status::Kind::kUsage);
  EXPECT_THAT(r.status().message(), HasSubstr("icd10cm_order_2021.csv.gz"));
}

TEST(IcdReference, MalformedGemFlagsNameFileAndLine) {
  testing::TempDir tmp;
  // SYNTHETIC reference files.
  testing::WriteFile(tmp / "icd10cm_order_2021.csv.gz", "code,billable,short,long\nI214,1,NSTEMI,NSTEMI\n");
  testing::WriteFile(tmp / "icd9cm_to_icd10cm_gem_2018.csv.gz", "icd_9,icd_10,flags\n41071,I214,10000\n4280,I509,1x000\n");
  ASSERT_TRUE(IcdReference::FindDir(tmp.path().string()).ok());
  auto r = IcdReference::Load(tmp.path().string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), Status::Kind::kBadInput);
  EXPECT_THAT(r.status().message(), HasSubstr("icd9cm_to_icd10cm_gem_2018.csv.gz:3"));
  EXPECT_THAT(r.status().message(), HasSubstr("flags must be 5 digits"));
}

}  // namespace
}  // namespace medcred
