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
    std::string methodology = Methodology::kDefault, lexicon = Grader::kDefaultLexicon;
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
  app->add_option("--methodology", o->methodology, "Methodology file in data/ (default methodology-v2.toml)");
  app->add_option("--lexicon", o->lexicon, "Lexicon file in data/ (default lexicon-v2.toml)");
  app->add_option("--reference", o->reference, "Folder with the CMS ICD-10-CM order file and GEMs");
  app->add_flag("--json", o->json, "Print as JSON on stdout");
  return {app, [o]() -> Status {
            MEDCRED_ASSIGN_OR_RETURN(std::string dir, IcdReference::FindDir(o->reference));
            MEDCRED_ASSIGN_OR_RETURN(IcdReference ref, IcdReference::Load(dir));
            MEDCRED_ASSIGN_OR_RETURN(Grader grader, Grader::LoadFrom(&ref, dir, o->lexicon, o->methodology));
            std::vector<std::string> truth;
            for (const auto& c : SplitCodes(o->truth)) {
              if (o->truth_version == 9) {
                const auto& targets = ref.Gem(c);
                if (targets.empty())
                  return Status::Usage("--truth " + c + ": the GEMs map this ICD-9-CM code to nothing");
                for (const auto& t : targets) truth.push_back(t.icd10);
              } else {
                if (!ref.IsIcd10(c) && (grader.ccsr() == nullptr || grader.ccsr()->Description(c).empty())) {
                  return Status::Usage("--truth " + c +
                                       ": not an ICD-10-CM code of the order file or of CCSR (codes like I21.4 or "
                                       "I214; --truth-version 9 for ICD-9-CM)");
                }
                truth.push_back(c);
              }
            }
            if (truth.empty()) return Status::Usage("--truth names no code");
            std::optional<std::string> code;
            if (!o->code.empty()) code = o->code;
            const Grade g = grader.GradeAnswer(truth, SplitCodes(o->secondary), o->answer, code);
            const Mapping m = grader.Map(o->answer, code);
            auto ccsr_of = [&](const std::string& c) -> nlohmann::json {
              const CcsrCategory* cat = grader.CcsrOf(c);
              if (cat == nullptr) return nullptr;
              return {{"id", cat->id},
                      {"description", cat->description},
                      {"broad", grader.methodology().ccsr_broad.count(cat->id) > 0}};
            };
            auto title_of = [&](const std::string& c) {
              const std::string& t = ref.Title(c);
              return t.empty() && grader.ccsr() != nullptr ? grader.ccsr()->Description(c) : t;
            };
            if (o->json) {
              nlohmann::json j = g.ToJson();
              nlohmann::json readings = nlohmann::json::array(), candidates = nlohmann::json::array(),
                             truths = nlohmann::json::array();
              for (const Reading& r : m.readings) {
                readings.push_back({{"code", r.code},
                                    {"title", title_of(r.code)},
                                    {"how", r.how},
                                    {"matched", r.matched},
                                    {"words", r.words},
                                    {"ccsr", ccsr_of(r.code)}});
              }
              for (const Candidate& c : m.candidates) {
                nlohmann::json cj = c.ToJson();
                cj["ccsr"] = ccsr_of(c.code);
                candidates.push_back(cj);
              }
              for (const auto& t : truth) truths.push_back({{"code", t}, {"title", title_of(t)}, {"ccsr", ccsr_of(t)}});
              j["reading"] = {{"how", m.how},
                              {"chosen_code", m.code.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.code)},
                              {"readings", readings},
                              {"negated", m.negated},
                              {"unexplained", m.unexplained},
                              {"candidates", candidates}};
              j["truth"] = truths;
              j["methodology"] = grader.methodology().version;
              j["lexicon"] = grader.lexicon_version();
              std::printf("%s\n", SafeDump(j).c_str());
            } else {
              std::printf("%s (credit %g)%s%s\n%s\n", g.level.c_str(), g.credit,
                          g.mapped_code.empty() ? "" : ", mapped to ", g.mapped_code.c_str(), g.explanation.c_str());
              for (const Candidate& c : m.candidates) {
                const nlohmann::json cat = ccsr_of(c.code);
                std::printf("  candidate %-8s %-16s explains %d: %s%s\n", c.code.c_str(), c.source.c_str(), c.explained,
                            c.text.c_str(), cat.is_null() ? "" : (" [" + cat["id"].get<std::string>() + "]").c_str());
              }
            }
            return Status::OK();
          }};
}

}  // namespace medcred::cli
