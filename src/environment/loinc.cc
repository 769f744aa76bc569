#include "environment/loinc.h"

#include <charconv>

#include "common/byte_source.h"
#include "common/csv_reader.h"
#include "common/sha256.h"
#include "common/text.h"

namespace medcred {

std::string LoincMapping::PathIn(const std::string& reference_dir) {
  return reference_dir + "/mimic-code/d_labitems_to_loinc.csv";
}

Result<LoincMapping> LoincMapping::Load(const std::string& path) {
  LoincMapping m;
  m.path_ = path;
  Sha256 hasher;
  MEDCRED_ASSIGN_OR_RETURN(auto src, OpenDataFile(path, &hasher));
  CsvReader reader(src.get(), path);
  MEDCRED_ASSIGN_OR_RETURN(bool has_header, reader.Next());
  if (!has_header) return Status::BadInput(path + ": empty file");
  // Columns by name: the mapping's header is "itemid (omop_source_code),label,...".
  int itemid = -1, label = -1, fluid = -1, code = -1, name = -1, rows = -1, comment = -1;
  for (size_t i = 0; i < reader.fields().size(); ++i) {
    const std::string h = Lower(reader.fields()[i].text);
    const int at = static_cast<int>(i);
    if (h.rfind("itemid", 0) == 0) itemid = at;
    if (h == "label") label = at;
    if (h == "fluid") fluid = at;
    if (h == "omop_concept_code") code = at;
    if (h == "omop_concept_name") name = at;
    if (h == "labevents_row_count") rows = at;
    if (h == "sssom_comment") comment = at;
  }
  for (const auto& [col, what] : std::initializer_list<std::pair<int, const char*>>{{itemid, "itemid"},
                                                                                    {code, "omop_concept_code"},
                                                                                    {name, "omop_concept_name"},
                                                                                    {rows, "labevents_row_count"}}) {
    if (col < 0) return reader.ErrorHere(std::string("header has no column '") + what + "'");
  }
  auto field = [&](int col) -> std::string {
    return col >= 0 && static_cast<size_t>(col) < reader.fields().size()
               ? std::string(reader.fields()[static_cast<size_t>(col)].text)
               : std::string();
  };
  for (;;) {
    MEDCRED_ASSIGN_OR_RETURN(bool more, reader.Next());
    if (!more) break;
    const std::string id_text = field(itemid);
    int64_t id = 0;
    auto r = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (r.ec != std::errc() || r.ptr != id_text.data() + id_text.size()) {
      return reader.ErrorHere("itemid '" + id_text + "' is not an integer");
    }
    LoincEntry e;
    e.code = Trim(field(code));
    e.name = Trim(field(name));
    e.label = field(label);
    e.fluid = field(fluid);
    e.comment = field(comment);
    const std::string n = Trim(field(rows));
    if (!n.empty()) {
      int64_t count = 0;
      auto c = std::from_chars(n.data(), n.data() + n.size(), count);
      if (c.ec != std::errc() || c.ptr != n.data() + n.size() || count < 0) {
        return reader.ErrorHere("labevents_row_count '" + n + "' is not a count");
      }
      e.row_count = count;
    }
    if (!m.entries_.emplace(id, std::move(e)).second) {
      return reader.ErrorHere("itemid " + id_text + " appears twice");
    }
  }
  m.sha256_ = hasher.HexDigest();
  return m;
}

const LoincEntry* LoincMapping::Find(int64_t itemid) const {
  auto it = entries_.find(itemid);
  return it == entries_.end() ? nullptr : &it->second;
}

std::string LoincSystemFluid(const std::string& loinc_name) {
  // The system is what follows the last " in ", up to a method (" by ...") or a remark (" --").
  const size_t in = loinc_name.rfind(" in ");
  if (in == std::string::npos) return "";
  std::string system = Lower(loinc_name.substr(in + 4));
  for (const char* stop : {" by ", " --"}) {
    const size_t at = system.find(stop);
    if (at != std::string::npos) system.resize(at);
  }
  auto has = [&](const char* w) { return system.find(w) != std::string::npos; };
  if (has("urine")) return "Urine";
  if (has("cerebral spinal")) return "Cerebrospinal Fluid";
  if (has("pleural")) return "Pleural";
  if (has("peritoneal")) return "Ascites";
  if (has("synovial")) return "Joint Fluid";
  if (has("stool")) return "Stool";
  if (has("marrow")) return has("blood") ? "" : "Bone Marrow";
  if (has("amniotic") || has("vaginal") || has("throat") || has("respiratory")) return "Other Body Fluid";
  if (has("serum") || has("plasma") || has("blood") || has("leukocytes")) return "Blood";
  return "";
}

}  // namespace medcred
