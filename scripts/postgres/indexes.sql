-- The indexes medcred's queries use (one query per case and table: by patient
-- and time, or by admission). Created after COPY, which is faster than
-- loading into indexed tables.
CREATE INDEX ON mimiciv_hosp.patients (subject_id);
CREATE INDEX ON mimiciv_hosp.admissions (subject_id, admittime);
CREATE INDEX ON mimiciv_hosp.diagnoses_icd (subject_id, hadm_id, seq_num);
CREATE INDEX ON mimiciv_hosp.d_icd_diagnoses (icd_code, icd_version);
CREATE INDEX ON mimiciv_hosp.labevents (subject_id, charttime);
CREATE INDEX ON mimiciv_hosp.microbiologyevents (subject_id, chartdate);
CREATE INDEX ON mimiciv_hosp.poe (subject_id, ordertime);
CREATE INDEX ON mimiciv_hosp.omr (subject_id, chartdate);
CREATE INDEX ON mimiciv_icu.icustays (hadm_id);
CREATE INDEX ON mimiciv_icu.chartevents (subject_id, charttime);
CREATE INDEX ON mimiciv_ed.edstays (hadm_id);
CREATE INDEX ON mimiciv_ed.triage (stay_id);
CREATE INDEX ON mimiciv_ed.medrecon (stay_id);
CREATE INDEX ON mimiciv_ed.diagnosis (stay_id, seq_num);
CREATE INDEX ON mimiciv_note.discharge (hadm_id);
CREATE INDEX ON mimiciv_note.radiology (subject_id, charttime);
CREATE INDEX ON mimiciv_ecg.machine_measurements (subject_id, ecg_time);
CREATE INDEX ON mimiciv_ecg.record_list (subject_id, ecg_time);
-- Tallies the store reads at start-up (as medcred ingest counts them): each lab itemid's
-- rows, and the specimen/test pairs microbiology orders resolve to.
CREATE TABLE medcred.labitem_counts AS SELECT itemid, count(*) AS rows FROM mimiciv_hosp.labevents GROUP BY itemid;
CREATE TABLE medcred.micro_tests AS
  SELECT spec_type_desc, test_name, count(*) AS rows FROM mimiciv_hosp.microbiologyevents GROUP BY 1, 2;
ANALYZE;
