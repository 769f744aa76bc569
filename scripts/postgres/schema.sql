-- MIMIC-IV tables medcred reads, in mimic-code's layout: schemas mimiciv_hosp,
-- mimiciv_icu, mimiciv_ed, mimiciv_note, mimiciv_ecg, MIMIC's table and column names.
-- Written for medcred from the MIMIC-IV documentation (https://mimic.mit.edu/docs/iv/),
-- not copied from mimic-code; types follow mimic-code's choices where they
-- matter to readers (CHAR(7) ICD codes, TIMESTAMP(0) times, DATE days,
-- DOUBLE PRECISION numbers), text is TEXT. Used by scripts/postgres/load.sh.

CREATE SCHEMA IF NOT EXISTS mimiciv_hosp;
CREATE SCHEMA IF NOT EXISTS mimiciv_icu;
CREATE SCHEMA IF NOT EXISTS mimiciv_ed;
CREATE SCHEMA IF NOT EXISTS mimiciv_note;
CREATE SCHEMA IF NOT EXISTS mimiciv_ecg;
CREATE SCHEMA IF NOT EXISTS medcred;

CREATE TABLE mimiciv_hosp.patients (subject_id INTEGER NOT NULL, gender CHAR(1) NOT NULL, anchor_age SMALLINT,
  anchor_year SMALLINT NOT NULL, anchor_year_group TEXT, dod DATE);
CREATE TABLE mimiciv_hosp.admissions (subject_id INTEGER NOT NULL, hadm_id INTEGER NOT NULL, admittime TIMESTAMP(0) NOT NULL,
  dischtime TIMESTAMP(0), deathtime TIMESTAMP(0), admission_type TEXT NOT NULL, admit_provider_id TEXT,
  admission_location TEXT, discharge_location TEXT, insurance TEXT, language TEXT, marital_status TEXT, race TEXT,
  edregtime TIMESTAMP(0), edouttime TIMESTAMP(0), hospital_expire_flag SMALLINT);
CREATE TABLE mimiciv_hosp.transfers (subject_id INTEGER NOT NULL, hadm_id INTEGER, transfer_id INTEGER NOT NULL,
  eventtype TEXT, careunit TEXT, intime TIMESTAMP(0), outtime TIMESTAMP(0));
CREATE TABLE mimiciv_hosp.services (subject_id INTEGER NOT NULL, hadm_id INTEGER NOT NULL, transfertime TIMESTAMP(0) NOT NULL,
  prev_service TEXT, curr_service TEXT);
CREATE TABLE mimiciv_hosp.diagnoses_icd (subject_id INTEGER NOT NULL, hadm_id INTEGER NOT NULL, seq_num INTEGER NOT NULL,
  icd_code CHAR(7), icd_version SMALLINT);
CREATE TABLE mimiciv_hosp.d_icd_diagnoses (icd_code CHAR(7) NOT NULL, icd_version SMALLINT NOT NULL, long_title TEXT);
CREATE TABLE mimiciv_hosp.procedures_icd (subject_id INTEGER NOT NULL, hadm_id INTEGER NOT NULL, seq_num INTEGER NOT NULL,
  chartdate DATE NOT NULL, icd_code CHAR(7), icd_version SMALLINT);
CREATE TABLE mimiciv_hosp.drgcodes (subject_id INTEGER NOT NULL, hadm_id INTEGER NOT NULL, drg_type TEXT, drg_code TEXT NOT NULL,
  description TEXT, drg_severity SMALLINT, drg_mortality SMALLINT);
CREATE TABLE mimiciv_hosp.d_labitems (itemid INTEGER NOT NULL, label TEXT, fluid TEXT, category TEXT);
CREATE TABLE mimiciv_hosp.labevents (labevent_id INTEGER NOT NULL, subject_id INTEGER NOT NULL, hadm_id INTEGER,
  specimen_id INTEGER NOT NULL, itemid INTEGER NOT NULL, order_provider_id TEXT, charttime TIMESTAMP(0),
  storetime TIMESTAMP(0), value TEXT, valuenum DOUBLE PRECISION, valueuom TEXT, ref_range_lower DOUBLE PRECISION,
  ref_range_upper DOUBLE PRECISION, flag TEXT, priority TEXT, comments TEXT);
CREATE TABLE mimiciv_hosp.microbiologyevents (microevent_id INTEGER NOT NULL, subject_id INTEGER NOT NULL, hadm_id INTEGER,
  micro_specimen_id INTEGER NOT NULL, order_provider_id TEXT, chartdate TIMESTAMP(0) NOT NULL, charttime TIMESTAMP(0),
  spec_itemid INTEGER, spec_type_desc TEXT, test_seq INTEGER, storedate TIMESTAMP(0), storetime TIMESTAMP(0),
  test_itemid INTEGER, test_name TEXT, org_itemid INTEGER, org_name TEXT, isolate_num SMALLINT, quantity TEXT,
  ab_itemid INTEGER, ab_name TEXT, dilution_text TEXT, dilution_comparison TEXT, dilution_value DOUBLE PRECISION,
  interpretation TEXT, comments TEXT);
CREATE TABLE mimiciv_hosp.poe (poe_id TEXT NOT NULL, poe_seq INTEGER NOT NULL, subject_id INTEGER NOT NULL, hadm_id INTEGER,
  ordertime TIMESTAMP(0) NOT NULL, order_type TEXT NOT NULL, order_subtype TEXT, transaction_type TEXT,
  discontinue_of_poe_id TEXT, discontinued_by_poe_id TEXT, order_provider_id TEXT, order_status TEXT);
CREATE TABLE mimiciv_hosp.poe_detail (poe_id TEXT NOT NULL, poe_seq INTEGER NOT NULL, subject_id INTEGER NOT NULL,
  field_name TEXT NOT NULL, field_value TEXT);
CREATE TABLE mimiciv_hosp.omr (subject_id INTEGER NOT NULL, chartdate DATE NOT NULL, seq_num INTEGER NOT NULL,
  result_name TEXT NOT NULL, result_value TEXT NOT NULL);
CREATE TABLE mimiciv_hosp.prescriptions (subject_id INTEGER NOT NULL, hadm_id INTEGER NOT NULL, pharmacy_id INTEGER NOT NULL,
  poe_id TEXT, poe_seq INTEGER, order_provider_id TEXT, starttime TIMESTAMP(3), stoptime TIMESTAMP(3), drug_type TEXT,
  drug TEXT, formulary_drug_cd TEXT, gsn TEXT, ndc TEXT, prod_strength TEXT, form_rx TEXT, dose_val_rx TEXT,
  dose_unit_rx TEXT, form_val_disp TEXT, form_unit_disp TEXT, doses_per_24_hrs REAL, route TEXT);

CREATE TABLE mimiciv_icu.icustays (subject_id INTEGER NOT NULL, hadm_id INTEGER NOT NULL, stay_id INTEGER NOT NULL,
  first_careunit TEXT, last_careunit TEXT, intime TIMESTAMP(0), outtime TIMESTAMP(0), los DOUBLE PRECISION);
CREATE TABLE mimiciv_icu.chartevents (subject_id INTEGER NOT NULL, hadm_id INTEGER NOT NULL, stay_id INTEGER NOT NULL,
  caregiver_id INTEGER, charttime TIMESTAMP(0) NOT NULL, storetime TIMESTAMP(0), itemid INTEGER NOT NULL, value TEXT,
  valuenum DOUBLE PRECISION, valueuom TEXT, warning SMALLINT);

CREATE TABLE mimiciv_ed.edstays (subject_id INTEGER NOT NULL, hadm_id INTEGER, stay_id INTEGER NOT NULL,
  intime TIMESTAMP(0) NOT NULL, outtime TIMESTAMP(0) NOT NULL, gender CHAR(1), race TEXT, arrival_transport TEXT,
  disposition TEXT);
CREATE TABLE mimiciv_ed.triage (subject_id INTEGER NOT NULL, stay_id INTEGER NOT NULL, temperature NUMERIC, heartrate NUMERIC,
  resprate NUMERIC, o2sat NUMERIC, sbp NUMERIC, dbp NUMERIC, pain TEXT, acuity NUMERIC, chiefcomplaint TEXT);
CREATE TABLE mimiciv_ed.vitalsign (subject_id INTEGER NOT NULL, stay_id INTEGER NOT NULL, charttime TIMESTAMP(0) NOT NULL,
  temperature NUMERIC, heartrate NUMERIC, resprate NUMERIC, o2sat NUMERIC, sbp NUMERIC, dbp NUMERIC, rhythm TEXT, pain TEXT);
CREATE TABLE mimiciv_ed.medrecon (subject_id INTEGER NOT NULL, stay_id INTEGER NOT NULL, charttime TIMESTAMP(0),
  name TEXT, gsn TEXT, ndc TEXT, etc_rn SMALLINT, etccode TEXT, etcdescription TEXT);
-- The ED physicians' diagnoses at disposition (truth side: medcred's clinician baseline and comparison only).
CREATE TABLE mimiciv_ed.diagnosis (subject_id INTEGER NOT NULL, stay_id INTEGER NOT NULL, seq_num INTEGER NOT NULL,
  icd_code CHAR(8) NOT NULL, icd_version SMALLINT NOT NULL, icd_title TEXT NOT NULL);

CREATE TABLE mimiciv_note.discharge (note_id TEXT NOT NULL, subject_id INTEGER NOT NULL, hadm_id INTEGER NOT NULL,
  note_type CHAR(2) NOT NULL, note_seq INTEGER NOT NULL, charttime TIMESTAMP(0) NOT NULL, storetime TIMESTAMP(0),
  text TEXT NOT NULL);
CREATE TABLE mimiciv_note.radiology (note_id TEXT NOT NULL, subject_id INTEGER NOT NULL, hadm_id INTEGER,
  note_type CHAR(2) NOT NULL, note_seq INTEGER NOT NULL, charttime TIMESTAMP(0) NOT NULL, storetime TIMESTAMP(0),
  text TEXT NOT NULL);

-- MIMIC-IV-ECG (https://physionet.org/content/mimic-iv-ecg/): the machine's measurements and report lines
-- of each diagnostic ECG, and the list of records. Measurements as double precision (whole milliseconds and
-- degrees in the release).
CREATE TABLE mimiciv_ecg.machine_measurements (subject_id INTEGER NOT NULL, study_id INTEGER NOT NULL, cart_id INTEGER,
  ecg_time TIMESTAMP(0) NOT NULL, report_0 TEXT, report_1 TEXT, report_2 TEXT, report_3 TEXT, report_4 TEXT,
  report_5 TEXT, report_6 TEXT, report_7 TEXT, report_8 TEXT, report_9 TEXT, report_10 TEXT, report_11 TEXT,
  report_12 TEXT, report_13 TEXT, report_14 TEXT, report_15 TEXT, report_16 TEXT, report_17 TEXT, bandwidth TEXT,
  filtering TEXT, rr_interval DOUBLE PRECISION, p_onset DOUBLE PRECISION, p_end DOUBLE PRECISION,
  qrs_onset DOUBLE PRECISION, qrs_end DOUBLE PRECISION, t_end DOUBLE PRECISION, p_axis DOUBLE PRECISION,
  qrs_axis DOUBLE PRECISION, t_axis DOUBLE PRECISION);
CREATE TABLE mimiciv_ecg.record_list (subject_id INTEGER NOT NULL, study_id INTEGER NOT NULL, file_name TEXT,
  ecg_time TIMESTAMP(0) NOT NULL, path TEXT NOT NULL);

-- What medcred knows of the load: the dataset's identity and each source file's checksum.
CREATE TABLE medcred.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE medcred.sources (name TEXT PRIMARY KEY, module TEXT NOT NULL, source_file TEXT NOT NULL, sha256 TEXT NOT NULL,
  verified BOOLEAN NOT NULL, rows BIGINT NOT NULL);
