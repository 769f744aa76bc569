// `medcred categories` and `medcred cases`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "cases/case_builder.h"
#include "cli/commands.h"
#include "common/json_util.h"

namespace medcred::cli {
namespace {

std::string Rate(const AuditCounts& n) {
  if (n.audited == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * static_cast<double>(n.excluded) / static_cast<double>(n.audited));
  return buf;
}

// The leakage audit's exclusions per category and arrival route: the rule can
// bias the case mix (transfers with a referral diagnosis are the easy ones).
void PrintAuditCounts(const CaseSet& set, const Taxonomy& tax) {
  if (set.stats.audit_rule.empty()) return;
  std::printf("%s (audit terms %s %s): of the admissions audited, excluded\n", set.stats.audit_rule.c_str(),
              set.audit_terms_version.c_str(), set.audit_terms_sha256.substr(0, 12).c_str());
  std::printf("  %-24s %8s %8s %7s\n", "category", "audited", "excluded", "rate");
  for (const Category& c : tax.categories()) {
    auto it = set.stats.audit_by_category.find(c.name);
    const AuditCounts n = it == set.stats.audit_by_category.end() ? AuditCounts{} : it->second;
    std::printf("  %-24s %8lld %8lld %7s\n", c.name.c_str(), static_cast<long long>(n.audited),
                static_cast<long long>(n.excluded), Rate(n).c_str());
  }
  std::printf("  %-24s %8s %8s %7s\n", "arrival route", "audited", "excluded", "rate");
  for (const auto& [route, n] : set.stats.audit_by_route) {
    std::printf("  %-24s %8lld %8lld %7s\n", route.c_str(), static_cast<long long>(n.audited),
                static_cast<long long>(n.excluded), Rate(n).c_str());
  }
}

}  // namespace

Command AddCategories(CLI::App& root) {
  auto json = std::make_shared<bool>(false);
  CLI::App* app =
      root.add_subcommand("categories", "List the medical categories of taxonomy v1 (data/taxonomy-v1.toml)");
  app->add_flag("--json", *json, "Print as JSON on stdout");
  return {app, [json]() -> Status {
            MEDCRED_ASSIGN_OR_RETURN(Taxonomy tax, Taxonomy::Load());
            if (*json) {
              nlohmann::json out = nlohmann::json::array();
              for (const Category& c : tax.categories()) {
                out.push_back({{"name", c.name}, {"title", c.title}, {"kind", c.kind}, {"definition", c.Definition()}});
              }
              std::printf("%s\n", SafeDump(out, 2).c_str());
              return Status::OK();
            }
            std::printf("taxonomy %s (sha256 %s)\n", tax.version().c_str(), tax.sha256().c_str());
            for (const Category& c : tax.categories()) {
              std::printf("%-20s %-10s %-34s %s\n", c.name.c_str(), c.kind.c_str(), c.title.c_str(),
                          c.Definition().c_str());
            }
            return Status::OK();
          }};
}

Command AddCases(CLI::App& root) {
  struct Opts {
    std::string store, category, split = "all", reference;
    bool with_truth = false, jsonl = false, stats = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("cases", "List the cases a store yields: categories, split, presentation");
  app->add_option("--store", o->store, "Store file")->required();
  app->add_option("--category", o->category, "Only cases of this category");
  app->add_option("--split", o->split, "dev, test or all (default)")->check(CLI::IsMember({"dev", "test", "all"}));
  app->add_flag("--with-truth", o->with_truth, "Include the truth (local use only: never share it)");
  app->add_flag("--jsonl", o->jsonl, "One JSON object per case on stdout (with --stats: the statistics as JSON)");
  app->add_flag("--stats", o->stats,
                "Admissions excluded per inclusion rule, cases and suite hash per category and split");
  app->add_option("--reference", o->reference, "Folder with the CMS ICD-10-CM order file and GEMs");
  return {app, [o]() -> Status {
            MEDCRED_ASSIGN_OR_RETURN(Taxonomy tax, Taxonomy::Load());
            if (!o->category.empty() && tax.Find(o->category) == nullptr) {
              return Status::Usage("no category '" + o->category + "' (see `medcred categories`)");
            }
            MEDCRED_ASSIGN_OR_RETURN(PresentationRules rules, PresentationRules::Load());
            MEDCRED_ASSIGN_OR_RETURN(std::string ref_dir, IcdReference::FindDir(o->reference));
            MEDCRED_ASSIGN_OR_RETURN(IcdReference ref, IcdReference::Load(ref_dir));
            MEDCRED_ASSIGN_OR_RETURN(Ccsr ccsr, Ccsr::Load(ref_dir));
            MEDCRED_ASSIGN_OR_RETURN(auto store, OpenStore(o->store));
            // --stats needs no presentation: the cases are kept light.
            MEDCRED_ASSIGN_OR_RETURN(std::unique_ptr<CaseSource> source,
                                     CaseSource::Open(*store, CaseInputs{&tax, &rules, &ref, &ccsr}));
            MEDCRED_ASSIGN_OR_RETURN(CaseSet set, source->Collect(*store, /*light=*/o->stats));
            if (o->stats) {
              nlohmann::json j = set.stats.ToJson();
              j["taxonomy"] = {{"version", tax.version()}, {"sha256", tax.sha256()}};
              j["case_builder"] = kCaseBuilderVersion;
              j["presentation_rules"] = {{"version", rules.version}, {"sha256", rules.sha256}};
              j["icd_reference"] = set.reference_digest;
              if (!set.stats.audit_rule.empty()) {
                j["audit"]["terms"] = {{"version", set.audit_terms_version}, {"sha256", set.audit_terms_sha256}};
                j["audit"]["lexicon_sha256"] = set.audit_lexicon_sha256;
                j["audit"]["ccsr_reference"] = set.ccsr_digest;
              }
              if (o->jsonl) {
                std::printf("%s\n", SafeDump(j).c_str());
                return Status::OK();
              }
              std::printf("taxonomy %s %s, presentation %s %s, %s\n", tax.version().c_str(),
                          tax.sha256().substr(0, 12).c_str(), rules.version.c_str(), rules.sha256.substr(0, 12).c_str(),
                          kCaseBuilderVersion);
              std::printf("admissions %lld, included %lld\n", static_cast<long long>(set.stats.admissions),
                          static_cast<long long>(set.stats.included));
              for (const auto& [rule, n] : set.stats.excluded) {
                std::printf("  excluded %-28s %6lld\n", rule.c_str(), static_cast<long long>(n));
              }
              std::printf("%-20s %6s %6s  %s\n", "category", "dev", "test", "suite hash (test)");
              for (const Category& c : tax.categories()) {
                const auto& n = set.stats.cases.at(c.name);
                std::printf("%-20s %6lld %6lld  %s\n", c.name.c_str(), static_cast<long long>(n.at("dev")),
                            static_cast<long long>(n.at("test")), set.stats.suites.at(c.name).at("test").c_str());
              }
              PrintAuditCounts(set, tax);
              return Status::OK();
            }
            for (const Case& c : set.cases) {
              if (o->split != "all" && c.split != o->split) continue;
              if (!o->category.empty() &&
                  std::find(c.categories.begin(), c.categories.end(), o->category) == c.categories.end()) {
                continue;
              }
              if (o->jsonl) {
                std::printf("%s\n", SafeDump(c.ToJson(o->with_truth)).c_str());
                continue;
              }
              std::string cats;
              for (const auto& k : c.categories) cats += (cats.empty() ? "" : ",") + k;
              std::printf("%-16s %-5s %3d %s  %-40s%s\n", c.case_id.c_str(), c.split.c_str(), c.presentation->age,
                          c.presentation->sex.c_str(), cats.c_str(),
                          o->with_truth ? (" " + c.truth.principal_code + " -> " + c.truth.principal[0]).c_str() : "");
            }
            return Status::OK();
          }};
}

Command AddAudit(CLI::App& root) {
  struct Opts {
    std::string store, reference;
    int show = 0;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand(
      "audit",
      "The leakage audit: per category, the cases excluded because a text the model sees names their diagnosis "
      "(local output: it shows case ids and note text)");
  app->add_option("--store", o->store, "Store file")->required();
  app->add_option("--show", o->show, "Also print the offending sentence and matched term of N excluded cases")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--reference", o->reference, "Folder with the CMS ICD-10-CM files and the CCSR file");
  app->add_flag("--json", o->json, "Print as JSON on stdout");
  return {app, [o]() -> Status {
            MEDCRED_ASSIGN_OR_RETURN(Taxonomy tax, Taxonomy::Load());
            MEDCRED_ASSIGN_OR_RETURN(PresentationRules rules, PresentationRules::Load());
            if (rules.audit_rule.empty()) {
              return Status::Usage("presentation rules " + rules.version + " hold no [audit]");
            }
            MEDCRED_ASSIGN_OR_RETURN(std::string ref_dir, IcdReference::FindDir(o->reference));
            MEDCRED_ASSIGN_OR_RETURN(IcdReference ref, IcdReference::Load(ref_dir));
            MEDCRED_ASSIGN_OR_RETURN(Ccsr ccsr, Ccsr::Load(ref_dir));
            MEDCRED_ASSIGN_OR_RETURN(auto store, OpenStore(o->store));
            const auto start = std::chrono::steady_clock::now();
            MEDCRED_ASSIGN_OR_RETURN(CaseSet set, BuildCases(*store, CaseInputs{&tax, &rules, &ref, &ccsr}));
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            const auto shown = std::min<size_t>(static_cast<size_t>(o->show), set.audit_exclusions.size());
            if (o->json) {
              nlohmann::json j = set.stats.ToJson()["audit"];
              j["terms"] = {{"version", set.audit_terms_version}, {"sha256", set.audit_terms_sha256}};
              j["presentation_rules"] = {{"version", rules.version}, {"sha256", rules.sha256}};
              j["excluded"] = set.audit_exclusions.size();
              nlohmann::json ex = nlohmann::json::array();
              for (size_t i = 0; i < shown; ++i) {
                const AuditExclusion& e = set.audit_exclusions[i];
                ex.push_back({{"case_id", e.case_id},
                              {"categories", e.categories},
                              {"route", e.route},
                              {"field", AuditFieldName(e.finding.field)},
                              {"sentence", e.finding.sentence},
                              {"matched", e.finding.matched},
                              {"term", e.finding.term},
                              {"source", e.finding.source}});
              }
              j["shown"] = ex;
              std::printf("%s\n", SafeDump(j).c_str());
              return Status::OK();
            }
            std::printf("presentation %s %s, %s; %zu of %lld admissions excluded by the audit (%.2f s)\n",
                        rules.version.c_str(), rules.sha256.substr(0, 12).c_str(), kCaseBuilderVersion,
                        set.audit_exclusions.size(), static_cast<long long>(set.stats.admissions), seconds);
            PrintAuditCounts(set, tax);
            for (size_t i = 0; i < shown; ++i) {
              const AuditExclusion& e = set.audit_exclusions[i];
              std::string cats;
              for (const auto& k : e.categories) cats += (cats.empty() ? "" : ",") + k;
              std::printf("\n%s (%s; %s)\n  %s: \"%s\"\n  matched \"%s\" = %s \"%s\"\n", e.case_id.c_str(),
                          cats.c_str(), e.route.c_str(), AuditFieldName(e.finding.field), e.finding.sentence.c_str(),
                          e.finding.matched.c_str(), e.finding.source.c_str(), e.finding.term.c_str());
            }
            return Status::OK();
          }};
}

}  // namespace medcred::cli
