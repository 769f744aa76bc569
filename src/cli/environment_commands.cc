// `medcred resolve`: what the environment does with a test name (docs/cli.md).
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "common/json_util.h"
#include "environment/environment.h"

namespace medcred::cli {

Command AddResolve(CLI::App& root) {
  struct Opts {
    std::string store, kind = "lab", query;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app =
      root.add_subcommand("resolve", "Show what the environment does with an order: the concept, itemids, suggestions");
  app->add_option("--store", o->store, "Store file")->required();
  app->add_option("--kind", o->kind, "lab, micro, imaging or ecg")
      ->check(CLI::IsMember({"lab", "micro", "imaging", "ecg"}));
  app->add_option("query", o->query, "The name as a model would order it")->required();
  app->add_flag("--json", o->json, "Print as JSON on stdout");
  return {app, [o]() -> Status {
            MEDCRED_ASSIGN_OR_RETURN(auto store, OpenStore(o->store));
            MEDCRED_ASSIGN_OR_RETURN(LabCatalog catalog, LabCatalog::Load());
            MEDCRED_ASSIGN_OR_RETURN(CostTable costs, CostTable::Load());
            MEDCRED_ASSIGN_OR_RETURN(PresentationRules rules, PresentationRules::Load());
            MEDCRED_ASSIGN_OR_RETURN(Environment env, Environment::Create(*store, std::move(catalog), std::move(costs),
                                                                          std::move(rules), WindowHours{}));
            const ResolveAnswer r = env.Resolve(o->kind, o->query);
            if (o->json) {
              std::printf("%s\n", SafeDump(r.ToJson()).c_str());
              return Status::OK();
            }
            std::printf("%s \"%s\": %s", o->kind.c_str(), o->query.c_str(), r.resolved ? "resolved" : "unrecognized");
            if (!r.concept_name.empty()) std::printf(" -> %s", r.concept_name.c_str());
            if (!r.interpreted_as.empty()) std::printf(" (read as \"%s\")", r.interpreted_as.c_str());
            std::printf("\n");
            for (size_t i = 0; i < r.itemids.size(); ++i) {
              std::printf("  itemid %lld  %s\n", static_cast<long long>(r.itemids[i]),
                          i < r.labels.size() ? r.labels[i].c_str() : "");
            }
            if (!r.suggestions.empty()) {
              std::printf("  suggestions:");
              for (const auto& sug : r.suggestions) std::printf(" \"%s\"", sug.c_str());
              std::printf("\n");
            }
            return Status::OK();
          }};
}

}  // namespace medcred::cli
