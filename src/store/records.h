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
  int64_t dischtime = 0;                // for "earlier admissions" only: discharged before a later arrival
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

struct TriageRecord {
  int64_t stay_id = 0;
  std::string arrival_transport;
  std::optional<double> temperature, heartrate, resprate, o2sat, sbp, dbp, acuity;
  std::string pain;
  std::string chiefcomplaint;
};

}  // namespace medcred
