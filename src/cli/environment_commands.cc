// `medcred resolve`: what the environment does with a test name (docs/cli.md).
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "common/json_util.h"
#include "environment/environment.h"

namespace medcred::cli {
namespace {

// "resolved -> potassium by alias", "ambiguous", ...: the first line of the text answer.
void PrintHeader(const std::string& kind, const ResolveAnswer& r) {
  std::printf("%s \"%s\": %s", kind.c_str(), r.query.c_str(), r.status.c_str());
  if (!r.concept_name.empty()) std::printf(" -> %s", r.concept_name.c_str());
  if (!r.display.empty() && r.display != r.concept_name) std::printf(" [%s]", r.display.c_str());
  if (r.status == "ambiguous" && r.spelling) {
    std::printf(" (a misspelling of names of several analytes)");
  } else if (!r.rule.empty()) {
    std::printf(" by %s%s", r.spelling ? "spelling of the " : "", r.rule.c_str());
    if (!r.matched.empty()) std::printf(" \"%s\"", r.matched.c_str());
  }
  std::printf("\n");
}

void PrintItems(const ResolveAnswer& r) {
  for (size_t i = 0; i < r.itemids.size(); ++i) {
    const std::string rows = i < r.rows.size() && r.rows[i] ? std::to_string(*r.rows[i]) + " rows" : "rows unknown";
    std::printf("  itemid %lld  %-40s %s\n", static_cast<long long>(r.itemids[i]),
                i < r.labels.size() ? r.labels[i].c_str() : "", rows.c_str());
  }
  if (r.micro) {
    std::printf("  specimens:%s\n", r.labels.empty() ? " any" : "");
    for (const auto& s : r.labels) std::printf("    %s\n", s.c_str());
    std::printf("  tests:%s\n", r.test_names.empty() ? " every test of the specimen" : "");
    for (const auto& t : r.test_names) std::printf("    %s\n", t.c_str());
  }
}

}  // namespace

Command AddResolve(CLI::App& root) {
  struct Opts {
    std::string store, kind = "lab", query, reference;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand(
      "resolve",
      "Show what the environment does with an order: the concept, the rule, itemids, candidates, suggestions");
  app->add_option("--store", o->store, "Store file")->required();
  app->add_option("--kind", o->kind, "lab, micro, imaging or ecg")
      ->check(CLI::IsMember({"lab", "micro", "imaging", "ecg"}));
  app->add_option("--reference", o->reference,
                  "Reference folder (its mimic-code/d_labitems_to_loinc.csv makes LOINC names orderable)");
  app->add_option("query", o->query, "The name as a model would order it")->required();
  app->add_flag("--json", o->json, "Print as JSON on stdout");
  return {app, [o]() -> Status {
            MEDCRED_ASSIGN_OR_RETURN(auto store, OpenStore(o->store));
            MEDCRED_ASSIGN_OR_RETURN(LabCatalog catalog, LabCatalog::Load());
            // The reference folder is optional here: without it, labels still resolve.
            auto ref_dir = IcdReference::FindDir(o->reference);
            if (!o->reference.empty() && !ref_dir.ok()) return ref_dir.status();
            MEDCRED_RETURN_IF_ERROR(catalog.UseLoincFrom(ref_dir.ok() ? *ref_dir : ""));
            MEDCRED_ASSIGN_OR_RETURN(CostTable costs, CostTable::Load());
            MEDCRED_ASSIGN_OR_RETURN(PresentationRules rules, PresentationRules::Load());
            MEDCRED_ASSIGN_OR_RETURN(Environment env, Environment::Create(*store, std::move(catalog), std::move(costs),
                                                                          std::move(rules), WindowHours{}));
            const ResolveAnswer r = env.Resolve(o->kind, o->query);
            if (o->json) {
              nlohmann::json j = r.ToJson();
              j["catalog"] = {{"version", env.catalog().version()},
                              {"sha256", env.catalog().sha256()},
                              {"loinc", env.catalog().has_loinc()}};
              std::printf("%s\n", SafeDump(j).c_str());
              return Status::OK();
            }
            PrintHeader(o->kind, r);
            if (!r.interpreted_as.empty()) std::printf("  read as \"%s\"\n", r.interpreted_as.c_str());
            if (!r.not_a_test.empty())
              std::printf("  a specimen-handling entry, not a test: %s\n", r.not_a_test.c_str());
            if (!r.components.empty()) {
              std::printf("  panel %s:", r.title.c_str());
              for (const auto& c : r.components) std::printf(" %s", c.c_str());
              std::printf("\n");
            }
            PrintItems(r);
            for (const auto& c : r.candidates) {
              std::printf("  candidate %s [%s]:", c.concept_name.c_str(), c.display.c_str());
              for (int64_t id : c.itemids) std::printf(" %lld", static_cast<long long>(id));
              std::printf("\n");
            }
            if (!r.suggestions.empty()) {
              std::printf("  suggestions:");
              for (const auto& sug : r.suggestions) std::printf(" \"%s\"", sug.c_str());
              std::printf("\n");
            }
            if (o->kind == "lab" && !env.catalog().has_loinc())
              std::printf("  (%s)\n", env.catalog().loinc_note().c_str());
            return Status::OK();
          }};
}

}  // namespace medcred::cli
