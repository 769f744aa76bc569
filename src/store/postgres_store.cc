// The PostgreSQL implementation of Store (libpq): reads MIMIC-IV where
// mimic-code's scripts (or scripts/postgres/load.sh) put it, schemas
// mimiciv_hosp, mimiciv_icu, mimiciv_ed, mimiciv_note and mimiciv_ecg with
// MIMIC's own table and column names, read-only, without a copy; the tallies
// load.sh adds (medcred.labitem_counts, medcred.micro_tests) when present.
//
// It answers exactly as the SQLite store does: the same filters ingest applies
// (poe imaging/cardiology orders, chartevents vital signs), times as seconds
// since the epoch (timestamps read as UTC, dates as their midnight), text
// ordered by bytes (COLLATE "C", as SQLite's BINARY), numerics as float8.
// Every query is a server-side prepared statement, prepared once per
// connection; callers open one Store (one connection) per thread.
//
// Every failure of the server (cannot connect, missing schema or table, the
// connection lost mid-run) is Status::External (exit code 3) with one
// sentence; a password in the URI is never printed.
#include "store/postgres_store.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>

#include "common/sha256.h"
#include "store/schema.h"

namespace medcred {

std::string RedactUri(const std::string& uri) {
  static const std::regex kUserPass(R"(^(postgres(?:ql)?://[^:/@?]*):[^@/]*@)");
  static const std::regex kParam(R"(([?&]password=)[^&]*)");
  std::string out = std::regex_replace(uri, kUserPass, "$1:***@");
  return std::regex_replace(out, kParam, "$1***");
}

namespace {

// Where each table medcred reads lives, and whether a store must have it.
struct PgTable {
  const char* name;
  const char* schema;
  bool required;
};
const PgTable kTables[] = {
    {"patients", "mimiciv_hosp", true},
    {"admissions", "mimiciv_hosp", true},
    {"diagnoses_icd", "mimiciv_hosp", true},
    {"d_icd_diagnoses", "mimiciv_hosp", true},
    {"d_labitems", "mimiciv_hosp", true},
    {"labevents", "mimiciv_hosp", true},
    {"microbiologyevents", "mimiciv_hosp", false},
    {"poe", "mimiciv_hosp", false},
    {"omr", "mimiciv_hosp", false},
    {"transfers", "mimiciv_hosp", false},
    {"services", "mimiciv_hosp", false},
    {"procedures_icd", "mimiciv_hosp", false},
    {"drgcodes", "mimiciv_hosp", false},
    {"poe_detail", "mimiciv_hosp", false},
    {"prescriptions", "mimiciv_hosp", false},
    {"icustays", "mimiciv_icu", false},
    {"chartevents", "mimiciv_icu", false},
    {"edstays", "mimiciv_ed", false},
    {"triage", "mimiciv_ed", false},
    {"vitalsign", "mimiciv_ed", false},
    {"medrecon", "mimiciv_ed", false},
    {"diagnosis", "mimiciv_ed", false},
    {"discharge", "mimiciv_note", false},
    {"radiology", "mimiciv_note", false},
    {"machine_measurements", "mimiciv_ecg", false},
    {"record_list", "mimiciv_ecg", false},
    // Tallies scripts/postgres/load.sh makes after the load (a mimic-code build has none).
    {"labitem_counts", "medcred", false},
    {"micro_tests", "medcred", false},
};

// seconds since the epoch of a timestamp or date column, read as UTC
std::string Epoch(const std::string& col) { return "extract(epoch from " + col + "::timestamp)::bigint"; }

class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r) {}
  ~Rows() { PQclear(r_); }
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  int size() const { return PQntuples(r_); }
  bool Null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
  std::string Text(int row, int col) const { return Null(row, col) ? "" : PQgetvalue(r_, row, col); }
  int64_t Int(int row, int col) const {
    int64_t v = 0;
    const char* s = PQgetvalue(r_, row, col);
    std::from_chars(s, s + PQgetlength(r_, row, col), v);
    return v;
  }
  std::optional<int64_t> OptInt(int row, int col) const {
    return Null(row, col) ? std::nullopt : std::optional<int64_t>(Int(row, col));
  }
  std::optional<double> OptReal(int row, int col) const {
    if (Null(row, col)) return std::nullopt;
    return std::strtod(PQgetvalue(r_, row, col),
                       nullptr);  // PostgreSQL prints float8 exactly (extra_float_digits = 1 or more)
  }

 private:
  PGresult* r_;
};

class PostgresStore final : public Store {
 public:
  ~PostgresStore() override {
    if (conn_ != nullptr) PQfinish(conn_);
  }

  Status Open(const std::string& uri) {
    uri_ = uri;
    where_ = RedactUri(uri);
    // Ours first, so the URI's own settings win; read-only for the whole session.
    const char* keys[] = {"connect_timeout", "application_name", "options", "dbname", nullptr};
    const char* values[] = {"10", "medcred", "-c default_transaction_read_only=on -c extra_float_digits=3", uri.c_str(),
                            nullptr};
    conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
      return Status::External(
          where_ + ": cannot connect to PostgreSQL: " + FirstLine(conn_ ? PQerrorMessage(conn_) : "out of memory"));
    }
    MEDCRED_ASSIGN_OR_RETURN(
        Rows * present_raw,
        ExecRaw("SELECT table_schema || '.' || table_name FROM information_schema.tables"
                " WHERE table_schema IN ('mimiciv_hosp', 'mimiciv_icu', 'mimiciv_ed', 'mimiciv_note', 'mimiciv_ecg',"
                " 'medcred')"));
    std::unique_ptr<Rows> present(present_raw);
    std::set<std::string> have;
    for (int i = 0; i < present->size(); ++i) have.insert(present->Text(i, 0));
    for (const PgTable& t : kTables) {
      const std::string full = std::string(t.schema) + "." + t.name;
      if (have.count(full)) {
        tables_[t.name] = full;
      } else if (t.required) {
        return Status::External(
            where_ + ": table " + full +
            " is missing; build MIMIC-IV with mimic-code's PostgreSQL scripts or scripts/postgres/load.sh");
      }
    }
    has_meta_ = have.count("medcred.meta") > 0;
    has_sources_ = have.count("medcred.sources") > 0;
    return Status::OK();
  }

  Result<StoreSummary> Summary() override {
    StoreSummary out;
    out.store = where_;
    out.schema_version = kStoreSchemaVersion;
    out.dataset_name = "mimic-iv";
    out.dataset_version = "unknown";
    out.gzip_backend = "postgresql";
    std::set<std::string> modules;  // those with a table present (and, after load.sh, loaded)
    if (has_meta_) {
      MEDCRED_ASSIGN_OR_RETURN(auto rows, Query("meta", "SELECT key, value FROM medcred.meta ORDER BY key", {}));
      for (int i = 0; i < rows->size(); ++i) {
        const std::string k = rows->Text(i, 0), v = rows->Text(i, 1);
        if (k == "dataset_name") out.dataset_name = v;
        if (k == "dataset_version") out.dataset_version = v;
        if (k == "demo") out.demo = v == "1";
        if (k == "load_time") out.ingest_time = v;
        if (k == "loader") out.medcred_version = v;
      }
    } else {
      // A database without medcred's metadata (a mimic-code build): a demo-sized
      // patient table is taken for the demo, so that it can never certify.
      MEDCRED_ASSIGN_OR_RETURN(auto rows, Query("npatients", "SELECT count(*) FROM " + tables_.at("patients"), {}));
      out.demo = rows->Int(0, 0) < 1000;
      if (out.demo) out.dataset_name = "mimic-iv-demo";
    }
    if (has_sources_) {
      MEDCRED_ASSIGN_OR_RETURN(auto rows,
                               Query("sources",
                                     "SELECT name, module, source_file, sha256, verified, rows FROM medcred.sources"
                                     " ORDER BY name",
                                     {}));
      for (int i = 0; i < rows->size(); ++i) {
        TableStats ts;
        ts.module = rows->Text(i, 1);
        ts.source_file = rows->Text(i, 2);
        ts.sha256 = rows->Text(i, 3);
        ts.verified = rows->Text(i, 4) == "t";
        ts.rows = ts.source_rows = static_cast<uint64_t>(rows->Int(i, 5));
        out.tables[rows->Text(i, 0)] = ts;
        modules.insert(ts.module);
      }
    } else {
      for (const auto& [name, full] : tables_) {
        if (full.rfind("mimiciv_", 0) == 0) modules.insert(full.substr(8, full.find('.') - 8));  // mimiciv_<module>.t
      }
    }
    for (const char* m : {"hosp", "icu", "ed", "note", "ecg"}) {
      if (modules.count(m)) out.modules.push_back(m);
    }
    return out;
  }

  Result<uint64_t> CountRows(const std::string& table) override {
    if (FindTable(table) < 0) return Status::Usage("no table named '" + table + "' in the store schema");
    auto it = tables_.find(table);
    if (it == tables_.end()) return uint64_t{0};
    MEDCRED_ASSIGN_OR_RETURN(auto rows, Query("count_" + table, "SELECT count(*) FROM " + it->second, {}));
    return static_cast<uint64_t>(rows->Int(0, 0));
  }

  Result<std::vector<PatientRecord>> Patients() override {
    MEDCRED_ASSIGN_OR_RETURN(
        auto r,
        Query("patients",
              "SELECT subject_id, gender, anchor_age, anchor_year FROM " + T("patients") + " ORDER BY subject_id", {}));
    std::vector<PatientRecord> out;
    for (int i = 0; i < r->size(); ++i) {
      out.push_back({r->Int(i, 0), r->Text(i, 1), static_cast<int>(r->Int(i, 2)), static_cast<int>(r->Int(i, 3))});
    }
    return out;
  }

  Result<std::vector<AdmissionRecord>> Admissions() override {
    MEDCRED_ASSIGN_OR_RETURN(
        auto r,
        Query("admissions",
              "SELECT subject_id, hadm_id, " + Epoch("admittime") + ", " + Epoch("dischtime") + ", " +
                  Epoch("edregtime") + ", coalesce(admission_type, ''), coalesce(admission_location, '') FROM " +
                  T("admissions") + " ORDER BY subject_id, admittime, hadm_id",
              {}));
    std::vector<AdmissionRecord> out;
    for (int i = 0; i < r->size(); ++i) {
      AdmissionRecord a;
      a.subject_id = r->Int(i, 0);
      a.hadm_id = r->Int(i, 1);
      a.admittime = r->Int(i, 2);
      a.dischtime = r->Int(i, 3);
      a.edregtime = r->OptInt(i, 4);
      a.admission_type = r->Text(i, 5);
      a.admission_location = r->Text(i, 6);
      out.push_back(std::move(a));
    }
    return out;
  }

  Result<std::vector<DiagnosisRecord>> DiagnosesOfSubject(int64_t subject_id) override {
    MEDCRED_ASSIGN_OR_RETURN(
        auto r, Query("diagnoses",
                      "SELECT d.hadm_id, d.seq_num, d.icd_code, d.icd_version, coalesce(t.long_title, '') FROM " +
                          T("diagnoses_icd") + " d LEFT JOIN " + T("d_icd_diagnoses") +
                          " t ON t.icd_code = d.icd_code AND t.icd_version = d.icd_version"
                          " WHERE d.subject_id = $1 ORDER BY d.hadm_id, d.seq_num",
                      {subject_id}));
    std::vector<DiagnosisRecord> out;
    for (int i = 0; i < r->size(); ++i) {
      out.push_back({r->Int(i, 0), static_cast<int>(r->Int(i, 1)), Trimmed(r->Text(i, 2)),
                     static_cast<int>(r->Int(i, 3)), r->Text(i, 4)});
    }
    return out;
  }

  Result<int64_t> CountLabs(int64_t subject_id, int64_t from, int64_t to) override {
    return Count("count_labs",
                 "SELECT count(*) FROM " + T("labevents") + " WHERE subject_id = $1 AND charttime BETWEEN " + Ts("$2") +
                     " AND " + Ts("$3"),
                 {subject_id, from, to});
  }

  Result<bool> HasIcuStay(int64_t hadm_id) override {
    if (!tables_.count("icustays")) return false;
    MEDCRED_ASSIGN_OR_RETURN(int64_t n,
                             Count("icu", "SELECT count(*) FROM " + T("icustays") + " WHERE hadm_id = $1", {hadm_id}));
    return n > 0;
  }

  Result<int64_t> CountRadiologyReports(int64_t subject_id, int64_t from, int64_t to) override {
    if (!tables_.count("radiology")) return int64_t{0};
    return Count("count_rad",
                 "SELECT count(*) FROM " + T("radiology") + " WHERE subject_id = $1 AND charttime BETWEEN " + Ts("$2") +
                     " AND " + Ts("$3"),
                 {subject_id, from, to});
  }

  Result<std::optional<TriageRecord>> TriageOf(int64_t hadm_id) override {
    std::optional<TriageRecord> out;
    if (!tables_.count("edstays") || !tables_.count("triage")) return out;
    MEDCRED_ASSIGN_OR_RETURN(
        auto r, Query("triage",
                      "SELECT e.stay_id, coalesce(e.arrival_transport, ''), t.temperature::float8, t.heartrate::float8,"
                      " t.resprate::float8, t.o2sat::float8, t.sbp::float8, t.dbp::float8, t.acuity::float8,"
                      " coalesce(t.pain::text, ''), coalesce(t.chiefcomplaint, '') FROM " +
                          T("edstays") + " e JOIN " + T("triage") +
                          " t ON t.stay_id = e.stay_id WHERE e.hadm_id = $1 ORDER BY e.intime DESC, e.stay_id LIMIT 1",
                      {hadm_id}));
    if (r->size() > 0) {
      TriageRecord t;
      t.stay_id = r->Int(0, 0);
      t.arrival_transport = r->Text(0, 1);
      t.temperature = r->OptReal(0, 2);
      t.heartrate = r->OptReal(0, 3);
      t.resprate = r->OptReal(0, 4);
      t.o2sat = r->OptReal(0, 5);
      t.sbp = r->OptReal(0, 6);
      t.dbp = r->OptReal(0, 7);
      t.acuity = r->OptReal(0, 8);
      t.pain = r->Text(0, 9);
      t.chiefcomplaint = r->Text(0, 10);
      out = std::move(t);
    }
    return out;
  }

  Result<std::vector<EdDiagnosisRecord>> EdDiagnosesOf(int64_t hadm_id) override {
    std::vector<EdDiagnosisRecord> out;
    if (!tables_.count("edstays") || !tables_.count("diagnosis")) return out;
    MEDCRED_ASSIGN_OR_RETURN(
        auto r, Query("ed_diagnoses",
                      "SELECT d.stay_id, d.seq_num, coalesce(trim(d.icd_code), ''), coalesce(d.icd_version, 0),"
                      " coalesce(d.icd_title, '') FROM " +
                          T("diagnosis") + " d WHERE d.stay_id = (SELECT e.stay_id FROM " + T("edstays") +
                          " e WHERE e.hadm_id = $1 ORDER BY e.intime DESC, e.stay_id LIMIT 1) ORDER BY d.seq_num",
                      {hadm_id}));
    for (int i = 0; i < r->size(); ++i) {
      out.push_back(
          {r->Int(i, 0), static_cast<int>(r->Int(i, 1)), r->Text(i, 2), static_cast<int>(r->Int(i, 3)), r->Text(i, 4)});
    }
    return out;
  }

  Result<std::optional<std::string>> DischargeNoteOf(int64_t hadm_id) override {
    std::optional<std::string> out;
    if (!tables_.count("discharge")) return out;
    MEDCRED_ASSIGN_OR_RETURN(auto r, Query("discharge",
                                           "SELECT text FROM " + T("discharge") +
                                               " WHERE hadm_id = $1 ORDER BY note_seq, note_id COLLATE \"C\" LIMIT 1",
                                           {hadm_id}));
    if (r->size() > 0) out = r->Text(0, 0);
    return out;
  }

  Result<std::vector<LabItemRecord>> LabItems() override {
    // Row counts come from load.sh's tally; without it (a mimic-code build) they are unknown:
    // counting labevents by itemid would scan the whole table.
    const bool counted = tables_.count("labitem_counts") > 0;
    MEDCRED_ASSIGN_OR_RETURN(
        auto r, Query("labitems",
                      "SELECT d.itemid, coalesce(d.label, ''), coalesce(d.fluid, ''), coalesce(d.category, ''), " +
                          std::string(counted ? "coalesce(c.rows, 0)" : "NULL::bigint") + " FROM " + T("d_labitems") +
                          " d" + (counted ? " LEFT JOIN " + T("labitem_counts") + " c ON c.itemid = d.itemid" : "") +
                          " ORDER BY d.itemid",
                      {}));
    std::vector<LabItemRecord> out;
    for (int i = 0; i < r->size(); ++i) {
      out.push_back({r->Int(i, 0), r->Text(i, 1), r->Text(i, 2), r->Text(i, 3), r->OptInt(i, 4)});
    }
    return out;
  }

  Result<std::vector<MicroTestRecord>> MicroTests() override {
    std::vector<MicroTestRecord> out;
    std::string sql;
    if (tables_.count("micro_tests")) {
      sql = "SELECT coalesce(spec_type_desc, '') AS s, coalesce(test_name, '') AS t, rows::bigint AS n FROM " +
            T("micro_tests");
    } else if (tables_.count("microbiologyevents")) {
      // A database without load.sh's tally: one pass over microbiologyevents.
      sql = "SELECT coalesce(spec_type_desc, '') AS s, coalesce(test_name, '') AS t, count(*) AS n FROM " +
            T("microbiologyevents") + " GROUP BY 1, 2";
    } else {
      return out;
    }
    MEDCRED_ASSIGN_OR_RETURN(
        auto r,
        Query("micro_tests", "SELECT s, t, n FROM (" + sql + ") x ORDER BY s COLLATE \"C\", t COLLATE \"C\"", {}));
    for (int i = 0; i < r->size(); ++i) out.push_back({r->Text(i, 0), r->Text(i, 1), r->Int(i, 2)});
    return out;
  }

  Result<std::vector<EcgRecord>> EcgOfSubject(int64_t subject_id, int64_t from, int64_t to) override {
    std::vector<EcgRecord> out;
    if (!tables_.count("machine_measurements")) return out;
    std::string cols;
    for (int i = 0; i <= 17; ++i) cols += ", coalesce(report_" + std::to_string(i) + ", '')";
    for (const char* m :
         {"rr_interval", "p_onset", "p_end", "qrs_onset", "qrs_end", "t_end", "p_axis", "qrs_axis", "t_axis"}) {
      cols += std::string(", ") + m + "::float8";
    }
    MEDCRED_ASSIGN_OR_RETURN(
        auto r, Query("ecg",
                      "SELECT study_id, " + Epoch("ecg_time") + cols + " FROM " + T("machine_measurements") +
                          " WHERE subject_id = $1 AND ecg_time BETWEEN " + Ts("$2") + " AND " + Ts("$3") +
                          " ORDER BY ecg_time, study_id",
                      {subject_id, from, to}));
    for (int i = 0; i < r->size(); ++i) {
      EcgRecord e;
      e.study_id = r->Int(i, 0);
      e.ecg_time = r->Int(i, 1);
      for (int k = 0; k <= 17; ++k) {
        std::string line = r->Text(i, 2 + k);
        if (!line.empty()) e.report.push_back(std::move(line));
      }
      std::optional<double>* m[] = {&e.rr_interval, &e.p_onset, &e.p_end,    &e.qrs_onset, &e.qrs_end,
                                    &e.t_end,       &e.p_axis,  &e.qrs_axis, &e.t_axis};
      for (int k = 0; k < 9; ++k) *m[k] = r->OptReal(i, 20 + k);
      out.push_back(std::move(e));
    }
    return out;
  }

  Result<std::vector<LabResultRecord>> LabsOfSubject(int64_t subject_id, int64_t from, int64_t to) override {
    MEDCRED_ASSIGN_OR_RETURN(
        auto r, Query("labs",
                      "SELECT itemid, " + Epoch("charttime") +
                          ", coalesce(value, ''), valuenum::float8, coalesce(valueuom, ''), ref_range_lower::float8,"
                          " ref_range_upper::float8, coalesce(flag, '') FROM " +
                          T("labevents") + " WHERE subject_id = $1 AND charttime BETWEEN " + Ts("$2") + " AND " +
                          Ts("$3") + " ORDER BY charttime, itemid, labevent_id",
                      {subject_id, from, to}));
    std::vector<LabResultRecord> out;
    for (int i = 0; i < r->size(); ++i) {
      LabResultRecord x;
      x.itemid = r->Int(i, 0);
      x.charttime = r->Int(i, 1);
      x.value = r->Text(i, 2);
      x.valuenum = r->OptReal(i, 3);
      x.uom = r->Text(i, 4);
      x.ref_lower = r->OptReal(i, 5);
      x.ref_upper = r->OptReal(i, 6);
      x.flag = r->Text(i, 7);
      out.push_back(std::move(x));
    }
    return out;
  }

  Result<std::vector<MicroRecord>> MicroOfSubject(int64_t subject_id, int64_t from, int64_t to) override {
    std::vector<MicroRecord> out;
    if (!tables_.count("microbiologyevents")) return out;
    const std::string t = Epoch("coalesce(charttime, chartdate)");
    MEDCRED_ASSIGN_OR_RETURN(
        auto r, Query("micro",
                      "SELECT coalesce(micro_specimen_id, 0), " + t +
                          ", coalesce(spec_type_desc, ''), coalesce(test_name, ''), coalesce(org_name, ''),"
                          " coalesce(ab_name, ''), coalesce(interpretation, ''), coalesce(dilution_text, ''),"
                          " coalesce(comments, '') FROM " +
                          T("microbiologyevents") + " WHERE subject_id = $1 AND chartdate BETWEEN " + Ts("$2") +
                          " - interval '1 day' AND " + Ts("$3") + " AND " + t + " BETWEEN $2 AND $3" + " ORDER BY " +
                          t + ", micro_specimen_id, test_seq, isolate_num, ab_name COLLATE \"C\", microevent_id",
                      {subject_id, from, to}));
    for (int i = 0; i < r->size(); ++i) {
      out.push_back({r->Int(i, 0), r->Int(i, 1), r->Text(i, 2), r->Text(i, 3), r->Text(i, 4), r->Text(i, 5),
                     r->Text(i, 6), r->Text(i, 7), r->Text(i, 8)});
    }
    return out;
  }

  Result<std::vector<OrderRecord>> OrdersOfSubject(int64_t subject_id, int64_t from, int64_t to) override {
    std::vector<OrderRecord> out;
    if (!tables_.count("poe")) return out;
    // The filter ingest applies to poe (store/schema.cc): imaging and cardiology orders only.
    MEDCRED_ASSIGN_OR_RETURN(
        auto r, Query("orders",
                      "SELECT " + Epoch("ordertime") + ", coalesce(order_type, ''), coalesce(order_subtype, '') FROM " +
                          T("poe") + " WHERE subject_id = $1 AND ordertime BETWEEN " + Ts("$2") + " AND " + Ts("$3") +
                          " AND order_type IN ('Radiology', 'Cardiology') ORDER BY ordertime, poe_seq",
                      {subject_id, from, to}));
    for (int i = 0; i < r->size(); ++i) out.push_back({r->Int(i, 0), r->Text(i, 1), r->Text(i, 2)});
    return out;
  }

  Result<std::vector<NoteRecord>> RadiologyOfSubject(int64_t subject_id, int64_t from, int64_t to) override {
    std::vector<NoteRecord> out;
    if (!tables_.count("radiology")) return out;
    MEDCRED_ASSIGN_OR_RETURN(auto r,
                             Query("radiology",
                                   "SELECT " + Epoch("charttime") + ", coalesce(text, '') FROM " + T("radiology") +
                                       " WHERE subject_id = $1 AND charttime BETWEEN " + Ts("$2") + " AND " + Ts("$3") +
                                       " ORDER BY charttime, note_id COLLATE \"C\"",
                                   {subject_id, from, to}));
    for (int i = 0; i < r->size(); ++i) out.push_back({r->Int(i, 0), r->Text(i, 1)});
    return out;
  }

  Result<std::vector<VitalRecord>> VitalsOfSubject(int64_t subject_id, int64_t from, int64_t to) override {
    std::vector<VitalRecord> out;
    if (!tables_.count("chartevents")) return out;
    std::string ids;
    for (const std::string& id : VitalSignItemIds()) ids += (ids.empty() ? "" : ", ") + id;
    // The filter ingest applies to chartevents (store/schema.cc): vital-sign itemids only.
    MEDCRED_ASSIGN_OR_RETURN(
        auto r, Query("vitals",
                      "SELECT " + Epoch("charttime") +
                          ", itemid, valuenum::float8, coalesce(value, ''), coalesce(valueuom, '') FROM " +
                          T("chartevents") + " WHERE subject_id = $1 AND charttime BETWEEN " + Ts("$2") + " AND " +
                          Ts("$3") + " AND itemid IN (" + ids + ") ORDER BY charttime, itemid",
                      {subject_id, from, to}));
    for (int i = 0; i < r->size(); ++i) {
      out.push_back({r->Int(i, 0), r->Int(i, 1), r->OptReal(i, 2), r->Text(i, 3), r->Text(i, 4)});
    }
    return out;
  }

  Result<std::vector<OmrRecord>> OmrOfSubject(int64_t subject_id, int64_t from, int64_t to) override {
    std::vector<OmrRecord> out;
    if (!tables_.count("omr")) return out;
    MEDCRED_ASSIGN_OR_RETURN(
        auto r, Query("omr",
                      "SELECT " + Epoch("chartdate") + ", coalesce(result_name, ''), coalesce(result_value, '') FROM " +
                          T("omr") + " WHERE subject_id = $1 AND chartdate BETWEEN " + Ts("$2") + " AND " + Ts("$3") +
                          " ORDER BY chartdate, seq_num, result_name COLLATE \"C\"",
                      {subject_id, from, to}));
    for (int i = 0; i < r->size(); ++i) out.push_back({r->Int(i, 0), r->Text(i, 1), r->Text(i, 2)});
    return out;
  }

  Result<std::vector<std::string>> HomeMedsOf(int64_t hadm_id) override {
    std::vector<std::string> out;
    if (!tables_.count("edstays") || !tables_.count("medrecon")) return out;
    MEDCRED_ASSIGN_OR_RETURN(
        auto r, Query("homemeds",
                      "SELECT DISTINCT m.name COLLATE \"C\" FROM " + T("edstays") + " e JOIN " + T("medrecon") +
                          " m ON m.stay_id = e.stay_id WHERE e.hadm_id = $1 AND m.name IS NOT NULL"
                          " ORDER BY 1",
                      {hadm_id}));
    for (int i = 0; i < r->size(); ++i) out.push_back(r->Text(i, 0));
    return out;
  }

 private:
  static std::string FirstLine(const std::string& s) {
    std::string line = s.substr(0, s.find('\n'));
    return line.empty() ? "unknown error" : line;
  }
  // mimic-code pads some codes with trailing blanks (char columns); SQLite stores them trimmed.
  static std::string Trimmed(std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  }
  const std::string& T(const char* name) const { return tables_.at(name); }
  // A parameter in seconds since the epoch as a timestamp (UTC).
  static std::string Ts(const std::string& param) {
    return "(timestamp 'epoch' + " + param + "::bigint * interval '1 second')";
  }

  Status Lost(const std::string& what) {
    const std::string msg = FirstLine(PQerrorMessage(conn_));
    if (PQstatus(conn_) == CONNECTION_BAD) {
      return Status::External(where_ + ": the connection to PostgreSQL was lost (" + msg +
                              "); resume the run when the server is back");
    }
    return Status::External(where_ + ": " + what + " failed: " + msg);
  }

  Result<Rows*> ExecRaw(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      PQclear(r);
      return Lost("a query");
    }
    return new Rows(r);
  }

  // Runs the statement `name` (prepared on first use on this connection).
  Result<std::unique_ptr<Rows>> Query(const std::string& name, const std::string& sql,
                                      std::initializer_list<int64_t> args) {
    if (!prepared_.count(name)) {
      PGresult* p = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
      const bool ok = PQresultStatus(p) == PGRES_COMMAND_OK;
      PQclear(p);
      if (!ok) return Lost("preparing " + name);
      prepared_.insert(name);
    }
    std::vector<std::string> text;
    for (int64_t a : args) text.push_back(std::to_string(a));
    std::vector<const char*> values;
    for (const auto& t : text) values.push_back(t.c_str());
    PGresult* r =
        PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      PQclear(r);
      return Lost("query " + name);
    }
    return std::make_unique<Rows>(r);
  }

  Result<int64_t> Count(const std::string& name, const std::string& sql, std::initializer_list<int64_t> args) {
    MEDCRED_ASSIGN_OR_RETURN(auto r, Query(name, sql, args));
    return r->Int(0, 0);
  }

  std::string uri_, where_;
  PGconn* conn_ = nullptr;
  std::map<std::string, std::string> tables_;  // name -> schema.name, for the tables present
  std::set<std::string> prepared_;
  bool has_meta_ = false, has_sources_ = false;
};

}  // namespace

bool IsPostgresUri(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& uri) {
  auto store = std::make_unique<PostgresStore>();
  MEDCRED_RETURN_IF_ERROR(store->Open(uri));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace medcred
