#include "store/schema.h"

namespace medcred {
namespace {

constexpr ColumnType I = ColumnType::kInt;
constexpr ColumnType R = ColumnType::kReal;
constexpr ColumnType T = ColumnType::kText;
constexpr ColumnType D = ColumnType::kTime;

ColumnSpec Opt(std::string name, ColumnType t) { return {std::move(name), t, false}; }

std::vector<TableSpec> BuildTables() {
  std::vector<TableSpec> t;
  // ---- hosp -------------------------------------------------------------
  t.push_back(
      {"hosp",
       "patients",
       true,
       {{"subject_id", I}, {"gender", T}, {"anchor_age", I}, {"anchor_year", I}, {"anchor_year_group", T}, {"dod", D}},
       {{{"subject_id"}, true}}});
  t.push_back({"hosp",
               "admissions",
               true,
               {{"subject_id", I},
                {"hadm_id", I},
                {"admittime", D},
                {"dischtime", D},
                {"deathtime", D},
                {"admission_type", T},
                {"admission_location", T},
                {"discharge_location", T},
                Opt("insurance", T),
                Opt("language", T),
                Opt("marital_status", T),
                Opt("race", T),
                {"edregtime", D},
                {"edouttime", D},
                {"hospital_expire_flag", I}},
               {{{"hadm_id"}, true}, {{"subject_id", "admittime"}}}});
  t.push_back({"hosp",
               "transfers",
               false,
               {{"subject_id", I},
                {"hadm_id", I},
                {"transfer_id", I},
                {"eventtype", T},
                {"careunit", T},
                {"intime", D},
                {"outtime", D}},
               {{{"hadm_id"}}, {{"subject_id", "intime"}}}});
  t.push_back({"hosp",
               "services",
               false,
               {{"subject_id", I}, {"hadm_id", I}, {"transfertime", D}, {"prev_service", T}, {"curr_service", T}},
               {{{"hadm_id"}}}});
  t.push_back({"hosp",
               "diagnoses_icd",
               true,
               {{"subject_id", I}, {"hadm_id", I}, {"seq_num", I}, {"icd_code", T}, {"icd_version", I}},
               {{{"hadm_id", "seq_num"}}, {{"subject_id"}}}});
  t.push_back({"hosp",
               "d_icd_diagnoses",
               true,
               {{"icd_code", T}, {"icd_version", I}, {"long_title", T}},
               {{{"icd_code", "icd_version"}, true}}});
  t.push_back(
      {"hosp",
       "procedures_icd",
       false,
       {{"subject_id", I}, {"hadm_id", I}, {"seq_num", I}, {"chartdate", D}, {"icd_code", T}, {"icd_version", I}},
       {{{"hadm_id"}}}});
  t.push_back({"hosp",
               "drgcodes",
               false,
               {{"subject_id", I},
                {"hadm_id", I},
                {"drg_type", T},
                {"drg_code", T},
                {"description", T},
                {"drg_severity", I},
                {"drg_mortality", I}},
               {{{"hadm_id"}}}});
  t.push_back(
      {"hosp", "d_labitems", true, {{"itemid", I}, {"label", T}, {"fluid", T}, {"category", T}}, {{{"itemid"}, true}}});
  t.push_back({"hosp",
               "labevents",
               true,
               {{"labevent_id", I},
                {"subject_id", I},
                {"hadm_id", I},
                {"specimen_id", I},
                {"itemid", I},
                {"charttime", D},
                {"storetime", D},
                {"value", T},
                {"valuenum", R},
                {"valueuom", T},
                {"ref_range_lower", R},
                {"ref_range_upper", R},
                {"flag", T},
                {"priority", T}},
               {{{"subject_id", "charttime"}}}});
  t.push_back({"hosp",
               "microbiologyevents",
               false,
               {{"microevent_id", I},     {"subject_id", I},     {"hadm_id", I},
                {"micro_specimen_id", I}, {"chartdate", D},      {"charttime", D},
                {"spec_itemid", I},       {"spec_type_desc", T}, {"test_seq", I},
                {"storedate", D},         {"storetime", D},      {"test_itemid", I},
                {"test_name", T},         {"org_itemid", I},     {"org_name", T},
                {"isolate_num", I},       {"quantity", T},       {"ab_itemid", I},
                {"ab_name", T},           {"dilution_text", T},  {"dilution_comparison", T},
                {"dilution_value", R},    {"interpretation", T}, {"comments", T}},
               {{{"subject_id", "chartdate"}}}});
  t.push_back({"hosp",
               "poe",
               false,
               {{"poe_id", T},
                {"poe_seq", I},
                {"subject_id", I},
                {"hadm_id", I},
                {"ordertime", D},
                {"order_type", T},
                {"order_subtype", T},
                {"transaction_type", T},
                {"discontinue_of_poe_id", T},
                {"discontinued_by_poe_id", T},
                {"order_status", T}},
               {{{"subject_id", "ordertime"}}},
               "order_type",
               {"Radiology", "Cardiology"},
               "only imaging (Radiology) and ECG/echo (Cardiology) orders are used"});
  t.push_back({"hosp",
               "poe_detail",
               false,
               {{"poe_id", T}, {"poe_seq", I}, {"subject_id", I}, {"field_name", T}, {"field_value", T}},
               {{{"poe_id"}}}});
  t.push_back({"hosp",
               "omr",
               false,
               {{"subject_id", I}, {"chartdate", D}, {"seq_num", I}, {"result_name", T}, {"result_value", T}},
               {{{"subject_id", "chartdate"}}}});
  t.push_back({"hosp",
               "prescriptions",
               false,
               {{"subject_id", I},
                {"hadm_id", I},
                {"pharmacy_id", I},
                {"starttime", D},
                {"stoptime", D},
                {"drug_type", T},
                {"drug", T},
                Opt("prod_strength", T),
                Opt("dose_val_rx", T),
                Opt("dose_unit_rx", T),
                Opt("route", T)},
               {{{"subject_id", "starttime"}}}});
  // Tallies counted while ingest reads labevents and microbiologyevents: each
  // itemid's rows (what `medcred resolve` shows) and the specimen/test pairs
  // that occur (what microbiology orders resolve to).
  TableSpec lab_counts{"hosp", "labitem_counts", false, {{"itemid", I}, {"rows", I}}, {{{"itemid"}, true}}};
  lab_counts.tally_of = "labevents";
  t.push_back(lab_counts);
  TableSpec micro_tests{"hosp", "micro_tests", false, {{"spec_type_desc", T}, {"test_name", T}, {"rows", I}}, {}};
  micro_tests.tally_of = "microbiologyevents";
  t.push_back(micro_tests);
  // ---- icu --------------------------------------------------------------
  t.push_back({"icu",
               "icustays",
               false,
               {{"subject_id", I},
                {"hadm_id", I},
                {"stay_id", I},
                {"first_careunit", T},
                {"last_careunit", T},
                {"intime", D},
                {"outtime", D},
                {"los", R}},
               {{{"hadm_id"}}, {{"subject_id", "intime"}}}});
  t.push_back({"icu",
               "chartevents",
               false,
               {{"subject_id", I},
                {"hadm_id", I},
                {"stay_id", I},
                {"charttime", D},
                {"itemid", I},
                {"value", T},
                {"valuenum", R},
                {"valueuom", T}},
               {{{"subject_id", "charttime"}}},
               "itemid",
               VitalSignItemIds(),
               "only vital-sign itemids are kept"});
  // ---- ed (MIMIC-IV-ED) -------------------------------------------------
  t.push_back({"ed",
               "edstays",
               false,
               {{"subject_id", I},
                {"hadm_id", I},
                {"stay_id", I},
                {"intime", D},
                {"outtime", D},
                Opt("gender", T),
                Opt("race", T),
                {"arrival_transport", T},
                {"disposition", T}},
               {{{"hadm_id"}}, {{"subject_id", "intime"}}}});
  t.push_back({"ed",
               "triage",
               false,
               {{"subject_id", I},
                {"stay_id", I},
                {"temperature", R},
                {"heartrate", R},
                {"resprate", R},
                {"o2sat", R},
                {"sbp", R},
                {"dbp", R},
                {"pain", T},
                {"acuity", R},
                {"chiefcomplaint", T}},
               {{{"stay_id"}}}});
  t.push_back({"ed",
               "vitalsign",
               false,
               {{"subject_id", I},
                {"stay_id", I},
                {"charttime", D},
                {"temperature", R},
                {"heartrate", R},
                {"resprate", R},
                {"o2sat", R},
                {"sbp", R},
                {"dbp", R},
                Opt("rhythm", T),
                {"pain", T}},
               {{{"stay_id", "charttime"}}}});
  t.push_back({"ed",
               "medrecon",
               false,
               {{"subject_id", I},
                {"stay_id", I},
                {"charttime", D},
                {"name", T},
                Opt("gsn", T),
                Opt("ndc", T),
                Opt("etc_rn", I),
                Opt("etccode", T),
                Opt("etcdescription", T)},
               {{{"stay_id"}}}});
  // The diagnoses the ED physicians assigned at ED disposition: truth side,
  // like drgcodes (docs/methodology.md#the-ed-physicians-as-a-yardstick).
  t.push_back(
      {"ed",
       "diagnosis",
       false,
       {{"subject_id", I}, {"stay_id", I}, {"seq_num", I}, {"icd_code", T}, {"icd_version", I}, {"icd_title", T}},
       {{{"stay_id", "seq_num"}}}});
  // ---- note (MIMIC-IV-Note) ---------------------------------------------
  t.push_back({"note",
               "discharge",
               false,
               {{"note_id", T},
                {"subject_id", I},
                {"hadm_id", I},
                {"note_type", T},
                {"note_seq", I},
                {"charttime", D},
                {"storetime", D},
                {"text", T}},
               {{{"hadm_id"}}, {{"subject_id", "charttime"}}}});
  t.push_back({"note",
               "radiology",
               false,
               {{"note_id", T},
                {"subject_id", I},
                {"hadm_id", I},
                {"note_type", T},
                {"note_seq", I},
                {"charttime", D},
                {"storetime", D},
                {"text", T}},
               {{{"subject_id", "charttime"}}}});
  // ---- ecg (MIMIC-IV-ECG; its files sit at the top of the release folder) ----
  std::vector<ColumnSpec> ecg = {{"subject_id", I}, {"study_id", I}, {"ecg_time", D}, {"report_0", T}};
  for (int i = 1; i <= 17; ++i) ecg.push_back(Opt("report_" + std::to_string(i), T));
  for (const char* m :
       {"rr_interval", "p_onset", "p_end", "qrs_onset", "qrs_end", "t_end", "p_axis", "qrs_axis", "t_axis"}) {
    ecg.push_back(Opt(m, R));
  }
  t.push_back({"ecg", "machine_measurements", false, ecg, {{{"subject_id", "ecg_time"}}}});
  t.push_back({"ecg",
               "record_list",
               false,
               {{"subject_id", I}, {"study_id", I}, Opt("file_name", T), {"ecg_time", D}, {"path", T}},
               {{{"subject_id", "ecg_time"}}}});
  return t;
}

}  // namespace

const char* SqlType(ColumnType t) {
  switch (t) {
    case ColumnType::kInt:
    case ColumnType::kTime:
      return "INTEGER";
    case ColumnType::kReal:
      return "REAL";
    case ColumnType::kText:
      return "TEXT";
  }
  return "ANY";
}

const char* VitalSignName(int64_t itemid) {
  switch (itemid) {
    case 220045:
      return "Heart rate";
    case 220050:
      return "Arterial BP systolic";
    case 220051:
      return "Arterial BP diastolic";
    case 220052:
      return "Arterial BP mean";
    case 220179:
      return "Non-invasive BP systolic";
    case 220180:
      return "Non-invasive BP diastolic";
    case 220181:
      return "Non-invasive BP mean";
    case 220210:
      return "Respiratory rate";
    case 220277:
      return "SpO2";
    case 223761:
      return "Temperature (F)";
    case 223762:
      return "Temperature (C)";
    case 220739:
      return "GCS eye";
    case 223900:
      return "GCS verbal";
    case 223901:
      return "GCS motor";
    case 226512:
      return "Admission weight (kg)";
    case 224639:
      return "Daily weight (kg)";
    case 226730:
      return "Height (cm)";
    default:
      return "";
  }
}

const std::vector<std::string>& VitalSignItemIds() {
  static const std::vector<std::string> kIds = {
      "220045",                      // Heart Rate
      "220050", "220051", "220052",  // Arterial BP systolic, diastolic, mean
      "220179", "220180", "220181",  // Non-invasive BP systolic, diastolic, mean
      "220210",                      // Respiratory Rate
      "220277",                      // O2 saturation pulseoxymetry
      "223761", "223762",            // Temperature Fahrenheit, Celsius
      "220739", "223900", "223901",  // GCS eye, verbal, motor
      "226512", "224639",            // Admission weight (kg), Daily weight
      "226730",                      // Height (cm)
  };
  return kIds;
}

const std::vector<TableSpec>& StoreTables() {
  static const std::vector<TableSpec> kTables = BuildTables();
  return kTables;
}

int FindTable(const std::string& name) {
  const auto& tables = StoreTables();
  for (size_t i = 0; i < tables.size(); ++i) {
    if (tables[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::vector<int> TalliesOf(int table) {
  std::vector<int> out;
  const auto& tables = StoreTables();
  if (table < 0 || static_cast<size_t>(table) >= tables.size()) return out;
  for (size_t i = 0; i < tables.size(); ++i) {
    if (tables[i].tally_of == tables[static_cast<size_t>(table)].name) out.push_back(static_cast<int>(i));
  }
  return out;
}

const std::vector<std::string>& KnownModules() {
  static const std::vector<std::string> kModules = {"hosp", "icu", "ed", "note", "ecg"};
  return kModules;
}

}  // namespace medcred
