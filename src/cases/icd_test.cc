#include "cases/icd.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "common/data_file.h"

#include "testing/testing.h"

namespace medcred {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Loaded once: the order file and GEMs take ~0.3 s to read.
const IcdReference* Reference() {
  static const IcdReference* ref = [] {
    const std::string dir = test::ReferenceDir();
    if (dir.empty()) return static_cast<IcdReference*>(nullptr);
    auto r = IcdReference::Load(dir);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? new IcdReference(std::move(*r)) : nullptr;
  }();
  return ref;
}

#define REQUIRE_REF(ref)                 \
  MEDCRED_REQUIRE_REFERENCE(ref##_dir);  \
  const IcdReference* ref = Reference(); \
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
  EXPECT_TRUE(ref->IsIcd10("I21"));                                  // a category (header) row
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

TEST(IcdReference, PlacesCodesInCategoryBlockAndChapter) {
  REQUIRE_REF(ref);
  IcdPlace p = ref->Place("I214");
  EXPECT_EQ(p.category, "I21");
  EXPECT_EQ(p.category_title, "Acute myocardial infarction");
  EXPECT_EQ(p.block, "I20-I25");
  EXPECT_EQ(p.block_title, "Ischemic heart diseases");
  EXPECT_EQ(p.chapter, 9);
  EXPECT_EQ(ref->Place("I639").block, "I60-I69");
  EXPECT_EQ(ref->Place("J189").block, "J09-J18");
  EXPECT_EQ(ref->Place("N179").block, "N17-N19");
  EXPECT_EQ(ref->Place("A419").block, "A30-A49");
  EXPECT_EQ(ref->Place("D3A010").block, "D3A-D3A");
  EXPECT_EQ(ref->Place("C4A9").block, "C43-C44");
  EXPECT_EQ(ref->Place("M1A9XX0").block, "M05-M14");
  EXPECT_EQ(ref->Place("D369").block, "D10-D36");
  // C7A sorts between C76 and C80: the narrower block holds it.
  EXPECT_EQ(ref->Place("C7A010").block, "C7A-C7A");
  EXPECT_EQ(ref->Place("C787").block, "C76-C80");
  EXPECT_EQ(ref->Place("O9A211").chapter, 15);
  EXPECT_EQ(ref->Place("T814XXA").block, "T80-T88");  // a code retired before 2021 still has its place
  EXPECT_EQ(ref->Place("U071").chapter, 22);
  EXPECT_EQ(ref->Place("I2").chapter, 0);
}

TEST(IcdReference, ChaptersFileCoversEveryCategoryOfTheOrderFile) {
  // The chapters and blocks are written by hand (data/icd10cm-chapters-v1.toml);
  // CMS's order file checks them: every category has a block and a chapter,
  // and every block holds at least one category.
  REQUIRE_REF(ref);
  const auto categories = ref->Categories();
  ASSERT_GT(categories.size(), 1800u);
  std::map<std::string, int> per_block;
  for (const auto& c : categories) {
    IcdPlace p = ref->Place(c);
    EXPECT_FALSE(p.block.empty()) << c << " " << p.category_title;
    EXPECT_GT(p.chapter, 0) << c;
    ++per_block[p.block];
  }
  auto file = LoadDataFile("icd10cm-chapters-v1.toml");
  ASSERT_TRUE(file.ok());
  size_t blocks = 0;
  for (size_t at = file->text.find("[\""); at != std::string::npos; at = file->text.find("[\"", at + 1)) {
    const std::string label = file->text.substr(at + 2, 7);
    // Blocks added to ICD-10-CM after the 2021 order file hold none of its categories.
    if (label == "Z19-Z19" || label == "U50-U85") continue;
    ++blocks;
    EXPECT_GT(per_block[label], 0) << "block " << label << " holds no category of the order file";
  }
  EXPECT_GT(blocks, 250u);
}

TEST(IcdReference, FindDirNamesWhatIsMissing) {
  test::TempDir tmp;
  auto r = IcdReference::FindDir(tmp.path().string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), Status::Kind::kUsage);
  EXPECT_THAT(r.status().message(), HasSubstr("icd10cm_order_2021.csv.gz"));
}

TEST(IcdReference, MalformedGemFlagsNameFileAndLine) {
  test::TempDir tmp;
  // SYNTHETIC reference files.
  test::WriteFile(tmp / "icd10cm_order_2021.csv.gz", "code,billable,short,long\nI214,1,NSTEMI,NSTEMI\n");
  test::WriteFile(tmp / "icd9cm_to_icd10cm_gem_2018.csv.gz", "icd_9,icd_10,flags\n41071,I214,10000\n4280,I509,1x000\n");
  ASSERT_TRUE(IcdReference::FindDir(tmp.path().string()).ok());
  auto r = IcdReference::Load(tmp.path().string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), Status::Kind::kBadInput);
  EXPECT_THAT(r.status().message(), HasSubstr("icd9cm_to_icd10cm_gem_2018.csv.gz:3"));
  EXPECT_THAT(r.status().message(), HasSubstr("flags must be 5 digits"));
}

}  // namespace
}  // namespace medcred
