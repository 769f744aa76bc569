// Store: read access to an ingested MIMIC-IV store.
//
// Two implementations, chosen by the location string: the embedded SQLite
// store (a file path; sqlite_store.cc) and PostgreSQL (`postgresql://...`;
// postgres_store.cc), which answer every read identically. Cases and the
// environment read through this interface only.
//
// Thread safety: a Store object is used by one thread at a time; open one per
// worker thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <optional>
#include <vector>

#include "common/status.h"
#include "store/records.h"
#include "store/summary.h"

namespace medcred {

class Store {
 public:
  virtual ~Store() = default;
  // What the store says of itself (meta and ingest_tables).
  virtual Result<StoreSummary> Summary() = 0;
  // Rows actually present in `table` now.
  virtual Result<uint64_t> CountRows(const std::string& table) = 0;

  // ---- for the case builder (all results in a deterministic order) ----
  virtual Result<std::vector<PatientRecord>> Patients() = 0;      // by subject_id
  virtual Result<std::vector<AdmissionRecord>> Admissions() = 0;  // by subject_id, admittime, hadm_id
  // Every diagnosis of the patient's admissions, with titles; by hadm_id, seq_num.
  virtual Result<std::vector<DiagnosisRecord>> DiagnosesOfSubject(int64_t subject_id) = 0;
  // Lab results of the patient charted in [from, to] (seconds), whatever their hadm_id.
  virtual Result<int64_t> CountLabs(int64_t subject_id, int64_t from, int64_t to) = 0;
  virtual Result<bool> HasIcuStay(int64_t hadm_id) = 0;
  // Radiology reports (Note module) of the patient charted in [from, to].
  virtual Result<int64_t> CountRadiologyReports(int64_t subject_id, int64_t from, int64_t to) = 0;
  // The ED triage of the stay that led to this admission (ED module), if any.
  virtual Result<std::optional<TriageRecord>> TriageOf(int64_t hadm_id) = 0;
  // The admission's discharge summary text (Note module), if any.
  virtual Result<std::optional<std::string>> DischargeNoteOf(int64_t hadm_id) = 0;

  // ---- truth side: read by the clinician baseline and comparison only, never by a presentation or a tool ----
  // The diagnoses the ED physicians assigned to the ED stay that led to this admission (the latest
  // stay whose edstays.hadm_id is the admission, as TriageOf), by seq_num; empty without one.
  virtual Result<std::vector<EdDiagnosisRecord>> EdDiagnosesOf(int64_t hadm_id) = 0;

  // ---- for the environment: one patient, times in [from, to] seconds, oldest first ----
  // The d_labitems dictionary, by itemid, with each itemid's labevents rows when the store knows them.
  virtual Result<std::vector<LabItemRecord>> LabItems() = 0;
  // Every (spec_type_desc, test_name) of microbiologyevents, with its rows; by spec_type_desc, test_name.
  virtual Result<std::vector<MicroTestRecord>> MicroTests() = 0;
  virtual Result<std::vector<LabResultRecord>> LabsOfSubject(int64_t subject_id, int64_t from, int64_t to) = 0;
  virtual Result<std::vector<MicroRecord>> MicroOfSubject(int64_t subject_id, int64_t from, int64_t to) = 0;
  virtual Result<std::vector<OrderRecord>> OrdersOfSubject(int64_t subject_id, int64_t from, int64_t to) = 0;
  virtual Result<std::vector<NoteRecord>> RadiologyOfSubject(int64_t subject_id, int64_t from, int64_t to) = 0;
  virtual Result<std::vector<VitalRecord>> VitalsOfSubject(int64_t subject_id, int64_t from, int64_t to) = 0;
  // Diagnostic ECGs (ECG module) of the patient taken in [from, to].
  virtual Result<std::vector<EcgRecord>> EcgOfSubject(int64_t subject_id, int64_t from, int64_t to) = 0;
  // OMR rows whose chartdate (a day) falls in [from, to].
  virtual Result<std::vector<OmrRecord>> OmrOfSubject(int64_t subject_id, int64_t from, int64_t to) = 0;
  // Medications reconciled in the ED stay that led to the admission (ED module).
  virtual Result<std::vector<std::string>> HomeMedsOf(int64_t hadm_id) = 0;
};

// Opens the store at `location` read-only. A missing file is a usage error; a
// store of another schema version is bad input; a PostgreSQL server that
// cannot be reached or lacks a required table is an external failure.
Result<std::unique_ptr<Store>> OpenStore(const std::string& location);

}  // namespace medcred
