-- SYNTHETIC admissions for the leakage audit's tests, added by SQL to a store
-- ingested from src/testing/synthetic-release/ (so the shared release and the
-- tests that count its cases stay as they are). Invented patients and notes:
-- no MIMIC data, no real person. Times are seconds since the epoch (UTC).
--
-- | hadm | arrival | principal | what it tests |
-- | 601  | ED      | I2699 pulmonary embolism | triage chief complaint "PE": excluded |
-- | 701  | ED      | E1010 type 1 DM with ketoacidosis | HPI counts this episode ("second episode of DKA"): excluded |
-- | 801  | direct  | I214 NSTEMI | HPI "transferred ... for management of NSTEMI" is cut; "history of MI s/p PCI" is past history: included |
-- | 901  | ED      | N390 urinary tract infection | home medication "Nitrofurantoin (for UTI)": excluded |
-- | 1001 | direct  | L03115 cellulitis of right lower limb | admission exam "consistent with cellulitis": excluded |

INSERT INTO patients VALUES
  (6, 'F', 50, 2200, '2017 - 2019', NULL), (7, 'M', 40, 2201, '2017 - 2019', NULL),
  (8, 'M', 70, 2202, '2017 - 2019', NULL), (9, 'F', 30, 2203, '2017 - 2019', NULL),
  (10, 'F', 65, 2204, '2017 - 2019', NULL);

INSERT INTO admissions (subject_id, hadm_id, admittime, dischtime, deathtime, admission_type, admission_location,
                        discharge_location, insurance, language, marital_status, race, edregtime, edouttime,
                        hospital_expire_flag) VALUES
  (6, 601, strftime('%s', '2200-01-01 10:00:00'), strftime('%s', '2200-01-04 10:00:00'), NULL, 'EW EMER.',
   'EMERGENCY ROOM', 'HOME', 'Other', 'ENGLISH', NULL, 'WHITE', strftime('%s', '2200-01-01 08:00:00'),
   strftime('%s', '2200-01-01 10:00:00'), 0),
  (7, 701, strftime('%s', '2201-01-01 10:00:00'), strftime('%s', '2201-01-04 10:00:00'), NULL, 'EW EMER.',
   'EMERGENCY ROOM', 'HOME', 'Other', 'ENGLISH', NULL, 'WHITE', strftime('%s', '2201-01-01 08:00:00'),
   strftime('%s', '2201-01-01 10:00:00'), 0),
  (8, 801, strftime('%s', '2202-01-01 10:00:00'), strftime('%s', '2202-01-04 10:00:00'), NULL, 'URGENT',
   'TRANSFER FROM HOSPITAL', 'HOME', 'Other', 'ENGLISH', NULL, 'WHITE', NULL, NULL, 0),
  (9, 901, strftime('%s', '2203-01-01 10:00:00'), strftime('%s', '2203-01-04 10:00:00'), NULL, 'EW EMER.',
   'EMERGENCY ROOM', 'HOME', 'Other', 'ENGLISH', NULL, 'WHITE', strftime('%s', '2203-01-01 08:00:00'),
   strftime('%s', '2203-01-01 10:00:00'), 0),
  (10, 1001, strftime('%s', '2204-01-01 10:00:00'), strftime('%s', '2204-01-04 10:00:00'), NULL, 'URGENT',
   'PHYSICIAN REFERRAL', 'HOME', 'Other', 'ENGLISH', NULL, 'WHITE', NULL, NULL, 0);

INSERT INTO diagnoses_icd VALUES
  (6, 601, 1, 'I2699', 10), (7, 701, 1, 'E1010', 10), (8, 801, 1, 'I214', 10), (9, 901, 1, 'N390', 10),
  (10, 1001, 1, 'L03115', 10);

-- Five labs in each diagnostic window (sodium, potassium, creatinine, WBC, hemoglobin).
INSERT INTO labevents (labevent_id, subject_id, hadm_id, specimen_id, itemid, charttime, storetime, value, valuenum,
                       valueuom, ref_range_lower, ref_range_upper, flag, priority)
SELECT 9000 + a.subject_id * 10 + i.k, a.subject_id, a.hadm_id, 900 + a.subject_id, i.itemid,
       coalesce(a.edregtime, a.admittime) + 1800, coalesce(a.edregtime, a.admittime) + 3600, i.v, i.n, i.u, NULL, NULL,
       NULL, 'STAT'
FROM admissions a,
     (SELECT 1 AS k, 50983 AS itemid, '138' AS v, 138.0 AS n, 'mEq/L' AS u UNION ALL
      SELECT 2, 50971, '4.2', 4.2, 'mEq/L' UNION ALL SELECT 3, 50912, '1.0', 1.0, 'mg/dL' UNION ALL
      SELECT 4, 51301, '9.1', 9.1, 'K/uL' UNION ALL SELECT 5, 51222, '13.0', 13.0, 'g/dL') i
WHERE a.hadm_id IN (601, 701, 801, 901, 1001);

INSERT INTO edstays VALUES
  (6, 601, 6001, strftime('%s', '2200-01-01 08:00:00'), strftime('%s', '2200-01-01 10:00:00'), 'F', 'WHITE',
   'AMBULANCE', 'ADMITTED'),
  (7, 701, 7001, strftime('%s', '2201-01-01 08:00:00'), strftime('%s', '2201-01-01 10:00:00'), 'M', 'WHITE',
   'WALK IN', 'ADMITTED'),
  (9, 901, 9001, strftime('%s', '2203-01-01 08:00:00'), strftime('%s', '2203-01-01 10:00:00'), 'F', 'WHITE',
   'WALK IN', 'ADMITTED');

INSERT INTO triage VALUES
  (6, 6001, 98.9, 118, 24, 90, 104, 68, '6', 2, 'PE'),
  (7, 7001, 98.2, 112, 28, 99, 110, 70, '7', 2, 'Nausea, vomiting'),
  (9, 9001, 100.4, 96, 16, 99, 122, 74, '4', 3, 'Dysuria');

INSERT INTO medrecon VALUES
  (9, 9001, strftime('%s', '2203-01-01 08:30:00'), 'Nitrofurantoin (for UTI)', '1', '2', 1, '3', 'Antibiotic'),
  (9, 9001, strftime('%s', '2203-01-01 08:30:00'), 'Levothyroxine', '1', '2', 1, '3', 'Thyroid');

INSERT INTO discharge VALUES
  ('7-DS-1', 7, 701, 'DS', 1, strftime('%s', '2201-01-04 00:00:00'), NULL,
   'History of Present Illness:
Invented man with type 1 diabetes on an insulin pump who has had two days
of vomiting and abdominal pain. This is his second episode of DKA this year.

Past Medical History:
Type 1 diabetes
'),
  ('8-DS-1', 8, 801, 'DS', 1, strftime('%s', '2202-01-04 00:00:00'), NULL,
   'History of Present Illness:
Invented man with a history of MI s/p PCI in ___ who had two days of exertional
chest pressure, now at rest. He was transferred from ___ for management of NSTEMI.

Past Medical History:
CAD

Physical Exam:
ADMISSION PHYSICAL EXAM:
Gen: invented, uncomfortable
CV: regular, no murmur

DISCHARGE PHYSICAL EXAM:
Gen: invented, comfortable
'),
  ('10-DS-1', 10, 1001, 'DS', 1, strftime('%s', '2204-01-04 00:00:00'), NULL,
   'History of Present Illness:
Invented woman with venous stasis and three days of a red, warm, swollen right shin.

Physical Exam:
ADMISSION PHYSICAL EXAM:
Ext: right shin with 10 x 8 cm of erythema and warmth, consistent with cellulitis.

Discharge Diagnosis:
Cellulitis
');
