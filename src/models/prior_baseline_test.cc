#include <gtest/gtest.h>

#include "cases/case_builder.h"
#include "models/baselines.h"

namespace medcred {
namespace {

TEST(PriorBaseline, NeverAnswersAPatientFromTheirOwnFold) {
  // SYNTHETIC case set: one patient with many I21 admissions, others with J18.
  CaseSet set;
  int64_t heavy = 1;
  while (FoldOf(heavy) != 0) ++heavy;
  for (int i = 0; i < 10; ++i) {
    Case c;
    c.subject_id = heavy;
    c.categories = {"cardiology"};
    c.truth.principal = {"I214"};
    set.cases.push_back(c);
  }
  for (int64_t s = 1000; s < 1006; ++s) {
    Case c;
    c.subject_id = s;
    c.categories = {"cardiology"};
    c.truth.principal = {"I10"};
    set.cases.push_back(c);
  }
  PriorBaseline prior(set);
  EXPECT_EQ(prior.Answer("cardiology", 0), "I10");  // the heavy patient's fold held out
  for (int f = 1; f < 5; ++f) EXPECT_EQ(prior.Answer("cardiology", f), "I21") << f;
  EXPECT_EQ(prior.Answer("neurology", 0), "");
}

}  // namespace
}  // namespace medcred
