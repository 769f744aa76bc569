// Records the store hands to the case builder and, later, the environment.
//
// Each holds only the fields its readers use. Notably AdmissionRecord has no
// discharge, death or DRG fields: what the case builder cannot read, it cannot
// leak into a presentation.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace medcred {

struct PatientRecord {
  int64_t subject_id = 0;
  std::string gender;
  int anchor_age = 0;
  int anchor_year = 0;
};

struct AdmissionRecord {
  int64_t subject_id = 0;
  int64_t hadm_id = 0;
  int64_t admittime = 0;
  int64_t dischtime = 0;  // for "earlier admissions" only: discharged before a later arrival
  std::optional<int64_t> edregtime;
  std::string admission_type;
  std::string admission_location;
};

struct DiagnosisRecord {
  int64_t hadm_id = 0;
  int seq_num = 0;
  std::string icd_code;
  int icd_version = 0;
  std::string title;  // d_icd_diagnoses.long_title, empty when unknown
};

// One diagnosis the ED physicians assigned at disposition of an ED stay
// (MIMIC-IV-ED diagnosis): truth side, never shown to a model.
struct EdDiagnosisRecord {
  int64_t stay_id = 0;
  int seq_num = 0;
  std::string icd_code;
  int icd_version = 0;
  std::string icd_title;
};

struct TriageRecord {
  int64_t stay_id = 0;
  std::string arrival_transport;
  std::optional<double> temperature, heartrate, resprate, o2sat, sbp, dbp, acuity;
  std::string pain;
  std::string chiefcomplaint;
};

// ---- for the environment: what a patient's record holds in a time window ----

struct LabItemRecord {
  int64_t itemid = 0;
  std::string label, fluid, category;
  std::optional<int64_t> rows;  // labevents rows of the itemid in this store; absent when the store cannot say
};

// One (spec_type_desc, test_name) pair of microbiologyevents, with its rows in this store.
struct MicroTestRecord {
  std::string spec_type, test_name;
  int64_t rows = 0;
};

struct LabResultRecord {
  int64_t itemid = 0;
  int64_t charttime = 0;
  std::string value;  // as charted ("___" where MIMIC removed it)
  std::optional<double> valuenum;
  std::string uom;
  std::optional<double> ref_lower, ref_upper;
  std::string flag;  // "abnormal" or empty
};

struct MicroRecord {
  int64_t specimen_id = 0;
  int64_t time = 0;  // charttime, else chartdate
  std::string spec_type, test_name, org_name, ab_name, interpretation, dilution_text, comments;
};

struct OrderRecord {  // poe: imaging and cardiology orders
  int64_t ordertime = 0;
  std::string order_type, order_subtype;
};

struct NoteRecord {  // a radiology report
  int64_t charttime = 0;
  std::string text;
};

struct VitalRecord {  // chartevents, vital-sign itemids
  int64_t charttime = 0;
  int64_t itemid = 0;
  std::optional<double> valuenum;
  std::string value, uom;
};

// One diagnostic ECG of MIMIC-IV-ECG (machine_measurements): the machine's
// report lines and its measurements in milliseconds (axes in degrees), as the
// cart recorded them (MIMIC-IV-ECG writes 29999 for a value not measured).
struct EcgRecord {
  int64_t study_id = 0;
  int64_t ecg_time = 0;
  std::vector<std::string> report;  // report_0 .. report_17, the non-empty ones in order
  std::optional<double> rr_interval, p_onset, p_end, qrs_onset, qrs_end, t_end, p_axis, qrs_axis, t_axis;
};

struct OmrRecord {  // outpatient measurements (blood pressure, weight, BMI)
  int64_t chartdate = 0;
  std::string name, value;
};

}  // namespace medcred
