#include "cases/taxonomy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/sha256.h"

namespace medcred {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

DataFile InMemory(const std::string& text) { return DataFile{"t.toml", "mem/t.toml", text, Sha256::Hex(text)}; }

const char* kInclusion = R"(
version = "t1"
[inclusion]
excluded_admission_types = ["ELECTIVE"]
window_hours_before = 24
window_hours_after = 48
min_labs_in_window = 5
excluded_principal_icd10 = ["Z00-Z99", "R00-R99"]
excluded_principal_icd9 = ["V", "780-799"]
)";

TEST(Taxonomy, V1HoldsEveryCategoryTheSpecNames) {
  auto t = Taxonomy::Load();
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->version(), "v1");
  EXPECT_EQ(t->sha256().size(), 64u);
  for (const char* name :
       {"cardiology", "neurology", "pulmonology", "gastroenterology", "nephrology", "infectious_disease", "oncology",
        "hematology", "endocrinology", "psychiatry", "injury_toxicology"}) {
    const Category* c = t->Find(name);
    ASSERT_NE(c, nullptr) << name;
    EXPECT_EQ(c->kind, "diagnosis") << name;
    EXPECT_THAT(c->Definition(), HasSubstr("principal diagnosis in ICD-10-CM")) << name;
  }
  for (const char* name : {"intensive_care", "emergency_medicine", "radiology"}) {
    const Category* c = t->Find(name);
    ASSERT_NE(c, nullptr) << name;
    EXPECT_EQ(c->kind, "context") << name;
    EXPECT_FALSE(c->Definition().empty()) << name;
  }
  EXPECT_EQ(t->inclusion().min_labs_in_window, 5);
  EXPECT_EQ(t->inclusion().window_hours_before, 24);
  EXPECT_EQ(t->inclusion().window_hours_after, 48);
  EXPECT_THAT(t->inclusion().excluded_admission_types, ElementsAre("ELECTIVE", "SURGICAL SAME DAY ADMISSION"));
}

TEST(Taxonomy, RangesAreInclusiveOnTheirCodeLength) {
  auto t = Taxonomy::Load();
  ASSERT_TRUE(t.ok()) << t.status().message();
  // The taxonomy's split of circulatory codes: cerebrovascular I60-I69 is neurology.
  EXPECT_THAT(t->DiagnosisCategories("I214"), ElementsAre("cardiology"));
  EXPECT_THAT(t->DiagnosisCategories("I5021"), ElementsAre("cardiology"));
  EXPECT_THAT(t->DiagnosisCategories("I59"), ElementsAre("cardiology"));
  EXPECT_THAT(t->DiagnosisCategories("I60"), ElementsAre("neurology"));
  EXPECT_THAT(t->DiagnosisCategories("I639"), ElementsAre("neurology"));
  EXPECT_THAT(t->DiagnosisCategories("I69398"), ElementsAre("neurology"));
  EXPECT_THAT(t->DiagnosisCategories("I70"), ElementsAre("cardiology"));
  EXPECT_THAT(t->DiagnosisCategories("G4700"), ElementsAre("neurology"));
  EXPECT_THAT(t->DiagnosisCategories("J189"), ElementsAre("pulmonology"));
  // The neoplasm / blood boundary inside chapter D, and D3A (a letter in the third place).
  EXPECT_THAT(t->DiagnosisCategories("D3A010"), ElementsAre("oncology"));
  EXPECT_THAT(t->DiagnosisCategories("D49"), ElementsAre("oncology"));
  EXPECT_THAT(t->DiagnosisCategories("D500"), ElementsAre("hematology"));
  EXPECT_THAT(t->DiagnosisCategories("O9A211"), ElementsAre("obstetrics"));
  EXPECT_THAT(t->DiagnosisCategories("T401X1A"), ElementsAre("injury_toxicology"));
  EXPECT_THAT(t->DiagnosisCategories("F1020"), ElementsAre("psychiatry"));
  // Congenital malformations and symptoms belong to no diagnosis category in v1.
  EXPECT_THAT(t->DiagnosisCategories("Q211"), IsEmpty());
  EXPECT_THAT(t->DiagnosisCategories("R079"), IsEmpty());
}

TEST(Taxonomy, EncounterAndSymptomPrincipalsAreExcludedUnlessACategoryListsThem) {
  auto t = Taxonomy::Load();
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_TRUE(t->ExcludedPrincipal("R079", 10));
  EXPECT_TRUE(t->ExcludedPrincipal("Z5111", 10));
  EXPECT_FALSE(t->ExcludedPrincipal("I214", 10));
  EXPECT_TRUE(t->ExcludedPrincipal("V5811", 9, {"Z5111"}));
  EXPECT_TRUE(t->ExcludedPrincipal("78650", 9, {"R079"}));
  EXPECT_TRUE(t->ExcludedPrincipal("7802", 9, {}));
  EXPECT_FALSE(t->ExcludedPrincipal("41071", 9, {"I214"}));
  EXPECT_FALSE(t->ExcludedPrincipal("8001", 9, {}));
  // An ICD-9 symptom-range code whose ICD-10-CM equivalent is a disease code in
  // a category (insomnia, 780.52 -> G47.00) is kept, as its ICD-10 coding would be.
  EXPECT_FALSE(t->ExcludedPrincipal("78052", 9, {"G4700"}));

  // A category that lists a symptom block keeps it.
  auto custom = Taxonomy::Parse(InMemory(std::string(kInclusion) + R"(
[[category]]
name = "chest_pain"
title = "Chest pain"
kind = "diagnosis"
icd10 = ["R07"]
)"));
  ASSERT_TRUE(custom.ok()) << custom.status().message();
  EXPECT_FALSE(custom->ExcludedPrincipal("R079", 10));
  EXPECT_TRUE(custom->ExcludedPrincipal("R509", 10));
  EXPECT_FALSE(custom->ExcludedPrincipal("78650", 9, {"R079"}));
}

TEST(Taxonomy, EveryByteIsHashed) {
  auto base = Taxonomy::Load();
  ASSERT_TRUE(base.ok());
  auto file = LoadDataFile("taxonomy-v1.toml");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(Sha256::Hex(file->text), base->sha256());
  auto edited = Taxonomy::Parse(InMemory(file->text + "# a reviewer's comment\n"));
  ASSERT_TRUE(edited.ok()) << edited.status().message();
  EXPECT_NE(edited->sha256(), base->sha256());
  EXPECT_EQ(edited->categories().size(), base->categories().size());
}

struct BadTaxonomy {
  const char* name;
  std::string text;
  const char* expect;
};

class TaxonomyBadInput : public ::testing::TestWithParam<BadTaxonomy> {};

TEST_P(TaxonomyBadInput, NamesTheFieldAtFault) {
  auto t = Taxonomy::Parse(InMemory(GetParam().text));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().kind(), Status::Kind::kBadInput);
  EXPECT_THAT(t.status().message(), HasSubstr("mem/t.toml"));
  EXPECT_THAT(t.status().message(), HasSubstr(GetParam().expect));
}

const std::string kCardiology = "[[category]]\nname = \"cardiology\"\ntitle = \"Cardiology\"\nkind = \"diagnosis\"\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, TaxonomyBadInput,
    ::testing::Values(
        BadTaxonomy{"TomlSyntax", std::string(kInclusion) + "[[category]\n", "mem/t.toml:10:"},
        BadTaxonomy{"NoInclusion", "version = \"t1\"\n", "[inclusion] is missing"},
        BadTaxonomy{"NoCategories", kInclusion, "no [[category]] entries"},
        BadTaxonomy{"BadRange", std::string(kInclusion) + kCardiology + "icd10 = [\"I59-I00\"]\n",
                    "category #1 (cardiology).icd10: 'I59-I00' is not a code range"},
        BadTaxonomy{"UnevenRange", std::string(kInclusion) + kCardiology + "icd10 = [\"I0-I59\"]\n",
                    "is not a code range"},
        BadTaxonomy{"MissingRanges", std::string(kInclusion) + kCardiology, "(cardiology).icd10 is missing"},
        BadTaxonomy{"UnknownKind",
                    std::string(kInclusion) + "[[category]]\nname = \"x\"\ntitle = \"X\"\nkind = \"organ\"\n",
                    "(x).kind: 'organ' is not diagnosis or context"},
        BadTaxonomy{"UnknownRule",
                    std::string(kInclusion) +
                        "[[category]]\nname = \"x\"\ntitle = \"X\"\nkind = \"context\"\nrule = \"moon\"\n",
                    "(x).rule: 'moon' is not one of"},
        BadTaxonomy{
            "DuplicateName",
            std::string(kInclusion) + kCardiology + "icd10 = [\"I00-I59\"]\n" + kCardiology + "icd10 = [\"I70-I99\"]\n",
            "category #2: the name 'cardiology' is used twice"},
        BadTaxonomy{"NegativeLabs",
                    "version = \"t1\"\n[inclusion]\nexcluded_admission_types = []\nwindow_hours_before = 24\n"
                    "window_hours_after = 48\nmin_labs_in_window = -1\n",
                    "inclusion.min_labs_in_window must be an integer"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(DataFile, AMissingFileIsNamed) {
  auto f = LoadDataFile("no-such-file-v9.toml");
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status().message(), HasSubstr("no-such-file-v9.toml: data file not found"));
}

}  // namespace
}  // namespace medcred
