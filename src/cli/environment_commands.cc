// `medcred resolve`: what the environment does with a test name (SPEC 2, 11).
#include <cstdio>
#include <memory>

#include "cli/commands.h"
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
            const nlohmann::json j = env.Resolve(o->kind, o->query);
            if (o->json) {
              std::printf("%s\n", j.dump().c_str());
              return Status::OK();
            }
            std::printf("%s \"%s\": %s", o->kind.c_str(), o->query.c_str(), j["status"].get<std::string>().c_str());
            if (j["concept"].is_string()) std::printf(" -> %s", j["concept"].get<std::string>().c_str());
            if (j.contains("interpreted_as"))
              std::printf(" (read as \"%s\")", j["interpreted_as"].get<std::string>().c_str());
            std::printf("\n");
            for (size_t i = 0; i < j["itemids"].size(); ++i) {
              std::printf("  itemid %lld  %s\n", static_cast<long long>(j["itemids"][i].get<int64_t>()),
                          i < j["labels"].size() ? j["labels"][i].get<std::string>().c_str() : "");
            }
            if (!j["suggestions"].empty()) {
              std::printf("  suggestions:");
              for (const auto& s : j["suggestions"]) std::printf(" \"%s\"", s.get<std::string>().c_str());
              std::printf("\n");
            }
            return Status::OK();
          }};
}

}  // namespace medcred::cli
