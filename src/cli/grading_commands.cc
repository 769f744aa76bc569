// `medcred match-dx`: how an answer is graded against a truth (docs/cli.md, docs/methodology.md#grading).
#include <cstdio>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "common/json_util.h"
#include "grading/grader.h"

namespace medcred::cli {
namespace {

std::vector<std::string> SplitCodes(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string c; std::getline(in, c, ',');) {
    if (!c.empty()) out.push_back(NormalizeIcd(c));
  }
  return out;
}

}  // namespace

Command AddMatchDx(CLI::App& root) {
  struct Opts {
    std::string truth, secondary, answer, code, reference;
    int truth_version = 10;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("match-dx", "Grade a diagnosis against a truth and explain the grade");
  app->add_option("--truth", o->truth, "Principal diagnosis code(s), comma-separated")->required();
  app->add_option("--truth-version", o->truth_version, "9 or 10 (default 10); ICD-9 goes through the GEMs")
      ->check(CLI::IsMember({9, 10}));
  app->add_option("--secondary", o->secondary, "Other discharge diagnoses (ICD-10-CM), comma-separated");
  app->add_option("--answer", o->answer, "The answer's diagnosis text")->required();
  app->add_option("--code", o->code, "The answer's ICD-10-CM code");
  app->add_option("--reference", o->reference, "Folder with the CMS ICD-10-CM order file and GEMs");
  app->add_flag("--json", o->json, "Print as JSON on stdout");
  return {app, [o]() -> Status {
            MEDCRED_ASSIGN_OR_RETURN(std::string dir, IcdReference::FindDir(o->reference));
            MEDCRED_ASSIGN_OR_RETURN(IcdReference ref, IcdReference::Load(dir));
            MEDCRED_ASSIGN_OR_RETURN(Grader grader, Grader::LoadFrom(&ref, dir));
            std::vector<std::string> truth;
            for (const auto& c : SplitCodes(o->truth)) {
              if (o->truth_version == 9) {
                const auto& targets = ref.Gem(c);
                if (targets.empty())
                  return Status::Usage("--truth " + c + ": the GEMs map this ICD-9-CM code to nothing");
                for (const auto& t : targets) truth.push_back(t.icd10);
              } else {
                truth.push_back(c);
              }
            }
            if (truth.empty()) return Status::Usage("--truth names no code");
            std::optional<std::string> code;
            if (!o->code.empty()) code = o->code;
            const Grade g = grader.GradeAnswer(truth, SplitCodes(o->secondary), o->answer, code);
            if (o->json) {
              std::printf("%s\n", SafeDump(g.ToJson()).c_str());
            } else {
              std::printf("%s (credit %g)%s%s\n%s\n", g.level.c_str(), g.credit,
                          g.mapped_code.empty() ? "" : ", mapped to ", g.mapped_code.c_str(), g.explanation.c_str());
            }
            return Status::OK();
          }};
}

}  // namespace medcred::cli
