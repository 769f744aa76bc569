// The embedded SQLite implementation of Store.
#include <charconv>
#include <filesystem>
#include <map>

#include "store/postgres_store.h"
#include "store/schema.h"
#include "store/sqlite_util.h"
#include "store/store.h"

namespace medcred {
namespace {

std::string ColumnText(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

std::optional<int64_t> ColumnOptInt(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(s, i);
}

std::optional<double> ColumnOptReal(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(s, i);
}

class SqliteStore final : public Store {
 public:
  Status Open(const std::string& path) {
    path_ = path;
    MEDCRED_RETURN_IF_ERROR(db_.Open(path, SQLITE_OPEN_READONLY));
    auto version = Meta("schema_version");
    if (!version.ok()) {
      return Status::BadInput(path + ": not a medcred store (no meta table); run `medcred ingest`");
    }
    if (*version != std::to_string(kStoreSchemaVersion)) {
      return Status::BadInput(path + ": store schema version " + *version + ", this medcred reads version " +
                              std::to_string(kStoreSchemaVersion) + "; ingest again");
    }
    return Status::OK();
  }

  Result<std::string> Meta(const std::string& key) {
    MEDCRED_ASSIGN_OR_RETURN(sqlite::Stmt s, db_.Prepare("SELECT value FROM meta WHERE key = ?"));
    sqlite3_bind_text(s.get(), 1, key.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s.get()) != SQLITE_ROW) return Status::BadInput(path_ + ": meta has no '" + key + "'");
    return ColumnText(s.get(), 0);
  }

  Result<StoreSummary> Summary() override {
    StoreSummary out;
    out.store = path_;
    MEDCRED_ASSIGN_OR_RETURN(sqlite::Stmt s, db_.Prepare("SELECT key, value FROM meta"));
    while (sqlite3_step(s.get()) == SQLITE_ROW) {
      const std::string k = ColumnText(s.get(), 0), v = ColumnText(s.get(), 1);
      auto damaged = [&] { return Status::BadInput(path_ + ": meta '" + k + "' is damaged: '" + v + "'"); };
      if (k == "modules" || k == "missing_files") {
        auto j = nlohmann::json::parse(v, nullptr, /*allow_exceptions=*/false);
        if (j.is_discarded() || !j.is_array()) return damaged();
        std::vector<std::string>& out_list = k == "modules" ? out.modules : out.missing_files;
        for (const auto& e : j) {
          if (!e.is_string()) return damaged();
          out_list.push_back(e.get<std::string>());
        }
      } else if (k == "schema_version") {
        if (std::from_chars(v.data(), v.data() + v.size(), out.schema_version).ec != std::errc()) return damaged();
      } else if (k == "ingest_seconds") {
        if (std::from_chars(v.data(), v.data() + v.size(), out.seconds).ec != std::errc()) return damaged();
      } else if (k == "dataset_name") {
        out.dataset_name = v;
      } else if (k == "dataset_version") {
        out.dataset_version = v;
      } else if (k == "demo") {
        out.demo = v == "1";
      } else if (k == "medcred_version") {
        out.medcred_version = v;
      } else if (k == "git_commit") {
        out.git_commit = v;
      } else if (k == "ingest_time") {
        out.ingest_time = v;
      } else if (k == "gzip_backend") {
        out.gzip_backend = v;
      }
    }
    MEDCRED_ASSIGN_OR_RETURN(
        sqlite::Stmt t,
        db_.Prepare("SELECT name, module, source_file, sha256, verified, source_rows, rows, filtered_rows,"
                    " seconds FROM ingest_tables"));
    while (sqlite3_step(t.get()) == SQLITE_ROW) {
      TableStats ts;
      ts.module = ColumnText(t.get(), 1);
      ts.source_file = ColumnText(t.get(), 2);
      ts.sha256 = ColumnText(t.get(), 3);
      ts.verified = sqlite3_column_int(t.get(), 4) != 0;
      ts.source_rows = static_cast<uint64_t>(sqlite3_column_int64(t.get(), 5));
      ts.rows = static_cast<uint64_t>(sqlite3_column_int64(t.get(), 6));
      ts.filtered_rows = static_cast<uint64_t>(sqlite3_column_int64(t.get(), 7));
      ts.seconds = sqlite3_column_double(t.get(), 8);
      out.tables[ColumnText(t.get(), 0)] = ts;
    }
    return out;
  }

  Result<std::vector<PatientRecord>> Patients() override {
    MEDCRED_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Cached("SELECT subject_id, gender, anchor_age, anchor_year FROM patients ORDER BY subject_id"));
    std::vector<PatientRecord> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      out.push_back({sqlite3_column_int64(s, 0), ColumnText(s, 1), sqlite3_column_int(s, 2), sqlite3_column_int(s, 3)});
    }
    return Done(s, std::move(out));
  }

  Result<std::vector<AdmissionRecord>> Admissions() override {
    MEDCRED_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Cached("SELECT subject_id, hadm_id, admittime, dischtime, edregtime, admission_type, admission_location"
               " FROM admissions ORDER BY subject_id, admittime, hadm_id"));
    std::vector<AdmissionRecord> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      AdmissionRecord a;
      a.subject_id = sqlite3_column_int64(s, 0);
      a.hadm_id = sqlite3_column_int64(s, 1);
      a.admittime = sqlite3_column_int64(s, 2);
      a.dischtime = sqlite3_column_int64(s, 3);
      a.edregtime = ColumnOptInt(s, 4);
      a.admission_type = ColumnText(s, 5);
      a.admission_location = ColumnText(s, 6);
      out.push_back(std::move(a));
    }
    return Done(s, std::move(out));
  }

  Result<std::vector<DiagnosisRecord>> DiagnosesOfSubject(int64_t subject_id) override {
    MEDCRED_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                             Cached("SELECT d.hadm_id, d.seq_num, d.icd_code, d.icd_version, coalesce(t.long_title, '')"
                                    " FROM diagnoses_icd d LEFT JOIN d_icd_diagnoses t"
                                    " ON t.icd_code = d.icd_code AND t.icd_version = d.icd_version"
                                    " WHERE d.subject_id = ? ORDER BY d.hadm_id, d.seq_num"));
    sqlite3_bind_int64(s, 1, subject_id);
    std::vector<DiagnosisRecord> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      out.push_back({sqlite3_column_int64(s, 0), sqlite3_column_int(s, 1), ColumnText(s, 2), sqlite3_column_int(s, 3),
                     ColumnText(s, 4)});
    }
    return Done(s, std::move(out));
  }

  Result<int64_t> CountLabs(int64_t subject_id, int64_t from, int64_t to) override {
    return Count("SELECT count(*) FROM labevents WHERE subject_id = ? AND charttime BETWEEN ? AND ?",
                 {subject_id, from, to});
  }

  Result<bool> HasIcuStay(int64_t hadm_id) override {
    MEDCRED_ASSIGN_OR_RETURN(int64_t n, Count("SELECT count(*) FROM icustays WHERE hadm_id = ?", {hadm_id}));
    return n > 0;
  }

  Result<int64_t> CountRadiologyReports(int64_t subject_id, int64_t from, int64_t to) override {
    return Count("SELECT count(*) FROM radiology WHERE subject_id = ? AND charttime BETWEEN ? AND ?",
                 {subject_id, from, to});
  }

  Result<std::optional<TriageRecord>> TriageOf(int64_t hadm_id) override {
    MEDCRED_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Cached("SELECT e.stay_id, coalesce(e.arrival_transport, ''), t.temperature, t.heartrate, t.resprate, t.o2sat,"
               " t.sbp, t.dbp, t.acuity, coalesce(t.pain, ''), coalesce(t.chiefcomplaint, '')"
               " FROM edstays e JOIN triage t ON t.stay_id = e.stay_id WHERE e.hadm_id = ?"
               " ORDER BY e.intime DESC, e.stay_id LIMIT 1"));
    sqlite3_bind_int64(s, 1, hadm_id);
    std::optional<TriageRecord> out;
    if (sqlite3_step(s) == SQLITE_ROW) {
      TriageRecord t;
      t.stay_id = sqlite3_column_int64(s, 0);
      t.arrival_transport = ColumnText(s, 1);
      t.temperature = ColumnOptReal(s, 2);
      t.heartrate = ColumnOptReal(s, 3);
      t.resprate = ColumnOptReal(s, 4);
      t.o2sat = ColumnOptReal(s, 5);
      t.sbp = ColumnOptReal(s, 6);
      t.dbp = ColumnOptReal(s, 7);
      t.acuity = ColumnOptReal(s, 8);
      t.pain = ColumnText(s, 9);
      t.chiefcomplaint = ColumnText(s, 10);
      out = std::move(t);
    }
    return Done(s, std::move(out));
  }

  Result<std::optional<std::string>> DischargeNoteOf(int64_t hadm_id) override {
    MEDCRED_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                             Cached("SELECT text FROM discharge WHERE hadm_id = ? ORDER BY note_seq, note_id LIMIT 1"));
    sqlite3_bind_int64(s, 1, hadm_id);
    std::optional<std::string> out;
    if (sqlite3_step(s) == SQLITE_ROW) out = ColumnText(s, 0);
    return Done(s, std::move(out));
  }

  Result<std::vector<EdDiagnosisRecord>> EdDiagnosesOf(int64_t hadm_id) override {
    MEDCRED_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Cached("SELECT d.stay_id, d.seq_num, coalesce(d.icd_code, ''), coalesce(d.icd_version, 0),"
               " coalesce(d.icd_title, '') FROM diagnosis d WHERE d.stay_id = (SELECT e.stay_id FROM edstays e"
               " WHERE e.hadm_id = ? ORDER BY e.intime DESC, e.stay_id LIMIT 1) ORDER BY d.seq_num"));
    sqlite3_bind_int64(s, 1, hadm_id);
    std::vector<EdDiagnosisRecord> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      out.push_back({sqlite3_column_int64(s, 0), sqlite3_column_int(s, 1), ColumnText(s, 2), sqlite3_column_int(s, 3),
                     ColumnText(s, 4)});
    }
    return Done(s, std::move(out));
  }

  Result<std::vector<LabItemRecord>> LabItems() override {
    // Every itemid's rows were counted at ingest (labitem_counts); an itemid without results has none there.
    MEDCRED_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Cached("SELECT d.itemid, coalesce(d.label, ''), coalesce(d.fluid, ''), coalesce(d.category, ''),"
               " coalesce(c.rows, 0) FROM d_labitems d LEFT JOIN labitem_counts c ON c.itemid = d.itemid"
               " ORDER BY d.itemid"));
    std::vector<LabItemRecord> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      out.push_back({sqlite3_column_int64(s, 0), ColumnText(s, 1), ColumnText(s, 2), ColumnText(s, 3),
                     sqlite3_column_int64(s, 4)});
    }
    return Done(s, std::move(out));
  }

  Result<std::vector<MicroTestRecord>> MicroTests() override {
    MEDCRED_ASSIGN_OR_RETURN(
        sqlite3_stmt * s, Cached("SELECT coalesce(spec_type_desc, ''), coalesce(test_name, ''), rows FROM micro_tests"
                                 " ORDER BY spec_type_desc, test_name"));
    std::vector<MicroTestRecord> out;
    while (sqlite3_step(s) == SQLITE_ROW)
      out.push_back({ColumnText(s, 0), ColumnText(s, 1), sqlite3_column_int64(s, 2)});
    return Done(s, std::move(out));
  }

  Result<std::vector<EcgRecord>> EcgOfSubject(int64_t subject_id, int64_t from, int64_t to) override {
    std::string sql = "SELECT study_id, ecg_time";
    for (int i = 0; i <= 17; ++i) sql += ", report_" + std::to_string(i);
    sql +=
        ", rr_interval, p_onset, p_end, qrs_onset, qrs_end, t_end, p_axis, qrs_axis, t_axis FROM machine_measurements"
        " WHERE subject_id = ? AND ecg_time BETWEEN ? AND ? ORDER BY ecg_time, study_id";
    MEDCRED_ASSIGN_OR_RETURN(sqlite3_stmt * s, Cached(sql));
    Bind(s, {subject_id, from, to});
    std::vector<EcgRecord> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      EcgRecord e;
      e.study_id = sqlite3_column_int64(s, 0);
      e.ecg_time = sqlite3_column_int64(s, 1);
      for (int i = 0; i <= 17; ++i) {
        std::string line = ColumnText(s, 2 + i);
        if (!line.empty()) e.report.push_back(std::move(line));
      }
      std::optional<double>* m[] = {&e.rr_interval, &e.p_onset, &e.p_end,    &e.qrs_onset, &e.qrs_end,
                                    &e.t_end,       &e.p_axis,  &e.qrs_axis, &e.t_axis};
      for (int i = 0; i < 9; ++i) *m[i] = ColumnOptReal(s, 20 + i);
      out.push_back(std::move(e));
    }
    return Done(s, std::move(out));
  }

  Result<std::vector<LabResultRecord>> LabsOfSubject(int64_t subject_id, int64_t from, int64_t to) override {
    MEDCRED_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Cached("SELECT itemid, charttime, coalesce(value, ''), valuenum, coalesce(valueuom, ''), ref_range_lower,"
               " ref_range_upper, coalesce(flag, '') FROM labevents WHERE subject_id = ? AND charttime BETWEEN ? AND ?"
               " ORDER BY charttime, itemid, labevent_id"));
    Bind(s, {subject_id, from, to});
    std::vector<LabResultRecord> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      LabResultRecord r;
      r.itemid = sqlite3_column_int64(s, 0);
      r.charttime = sqlite3_column_int64(s, 1);
      r.value = ColumnText(s, 2);
      r.valuenum = ColumnOptReal(s, 3);
      r.uom = ColumnText(s, 4);
      r.ref_lower = ColumnOptReal(s, 5);
      r.ref_upper = ColumnOptReal(s, 6);
      r.flag = ColumnText(s, 7);
      out.push_back(std::move(r));
    }
    return Done(s, std::move(out));
  }

  Result<std::vector<MicroRecord>> MicroOfSubject(int64_t subject_id, int64_t from, int64_t to) override {
    // chartdate is the indexed day; charttime, when charted, is the exact time.
    MEDCRED_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Cached("SELECT coalesce(micro_specimen_id, 0), coalesce(charttime, chartdate), coalesce(spec_type_desc, ''),"
               " coalesce(test_name, ''), coalesce(org_name, ''), coalesce(ab_name, ''), coalesce(interpretation, ''),"
               " coalesce(dilution_text, ''), coalesce(comments, '')"
               " FROM microbiologyevents WHERE subject_id = ? AND chartdate BETWEEN ? - 86400 AND ?"
               " AND coalesce(charttime, chartdate) BETWEEN ? AND ?"
               " ORDER BY coalesce(charttime, chartdate), micro_specimen_id, test_seq, isolate_num, ab_name, "
               "microevent_id"));
    Bind(s, {subject_id, from, to, from, to});
    std::vector<MicroRecord> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      out.push_back({sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), ColumnText(s, 2), ColumnText(s, 3),
                     ColumnText(s, 4), ColumnText(s, 5), ColumnText(s, 6), ColumnText(s, 7), ColumnText(s, 8)});
    }
    return Done(s, std::move(out));
  }

  Result<std::vector<OrderRecord>> OrdersOfSubject(int64_t subject_id, int64_t from, int64_t to) override {
    MEDCRED_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                             Cached("SELECT ordertime, coalesce(order_type, ''), coalesce(order_subtype, '') FROM poe"
                                    " WHERE subject_id = ? AND ordertime BETWEEN ? AND ? ORDER BY ordertime, poe_seq"));
    Bind(s, {subject_id, from, to});
    std::vector<OrderRecord> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      out.push_back({sqlite3_column_int64(s, 0), ColumnText(s, 1), ColumnText(s, 2)});
    }
    return Done(s, std::move(out));
  }

  Result<std::vector<NoteRecord>> RadiologyOfSubject(int64_t subject_id, int64_t from, int64_t to) override {
    MEDCRED_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Cached("SELECT charttime, coalesce(text, '') FROM radiology WHERE subject_id = ? AND charttime BETWEEN ? AND ?"
               " ORDER BY charttime, note_id"));
    Bind(s, {subject_id, from, to});
    std::vector<NoteRecord> out;
    while (sqlite3_step(s) == SQLITE_ROW) out.push_back({sqlite3_column_int64(s, 0), ColumnText(s, 1)});
    return Done(s, std::move(out));
  }

  Result<std::vector<VitalRecord>> VitalsOfSubject(int64_t subject_id, int64_t from, int64_t to) override {
    MEDCRED_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Cached("SELECT charttime, itemid, valuenum, coalesce(value, ''), coalesce(valueuom, '') FROM chartevents"
               " WHERE subject_id = ? AND charttime BETWEEN ? AND ? ORDER BY charttime, itemid"));
    Bind(s, {subject_id, from, to});
    std::vector<VitalRecord> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      out.push_back({sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), ColumnOptReal(s, 2), ColumnText(s, 3),
                     ColumnText(s, 4)});
    }
    return Done(s, std::move(out));
  }

  Result<std::vector<OmrRecord>> OmrOfSubject(int64_t subject_id, int64_t from, int64_t to) override {
    MEDCRED_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        Cached("SELECT chartdate, coalesce(result_name, ''), coalesce(result_value, '') FROM omr"
               " WHERE subject_id = ? AND chartdate BETWEEN ? AND ? ORDER BY chartdate, seq_num, result_name"));
    Bind(s, {subject_id, from, to});
    std::vector<OmrRecord> out;
    while (sqlite3_step(s) == SQLITE_ROW)
      out.push_back({sqlite3_column_int64(s, 0), ColumnText(s, 1), ColumnText(s, 2)});
    return Done(s, std::move(out));
  }

  Result<std::vector<std::string>> HomeMedsOf(int64_t hadm_id) override {
    MEDCRED_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                             Cached("SELECT DISTINCT m.name FROM edstays e JOIN medrecon m ON m.stay_id = e.stay_id"
                                    " WHERE e.hadm_id = ? AND m.name IS NOT NULL ORDER BY m.name"));
    Bind(s, {hadm_id});
    std::vector<std::string> out;
    while (sqlite3_step(s) == SQLITE_ROW) out.push_back(ColumnText(s, 0));
    return Done(s, std::move(out));
  }

  Result<uint64_t> CountRows(const std::string& table) override {
    if (FindTable(table) < 0) return Status::Usage("no table named '" + table + "' in the store schema");
    MEDCRED_ASSIGN_OR_RETURN(sqlite::Stmt s, db_.Prepare("SELECT count(*) FROM " + sqlite::Quote(table)));
    if (sqlite3_step(s.get()) != SQLITE_ROW) return db_.Error("count failed");
    return static_cast<uint64_t>(sqlite3_column_int64(s.get(), 0));
  }

 private:
  // A prepared statement kept for the life of the store, reset before reuse.
  Result<sqlite3_stmt*> Cached(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      MEDCRED_ASSIGN_OR_RETURN(sqlite::Stmt st, db_.Prepare(sql));
      it = cache_.emplace(sql, std::move(st)).first;
    }
    sqlite3_reset(it->second.get());
    sqlite3_clear_bindings(it->second.get());
    return it->second.get();
  }

  // Ends a read: an error the step loop stopped on becomes a Status.
  template <typename T>
  Result<T> Done(sqlite3_stmt* s, T value) {
    const int rc = sqlite3_errcode(db_.get());
    sqlite3_reset(s);
    if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) return db_.Error("read failed");
    return value;
  }

  static void Bind(sqlite3_stmt* s, std::initializer_list<int64_t> args) {
    int i = 1;
    for (int64_t a : args) sqlite3_bind_int64(s, i++, a);
  }

  Result<int64_t> Count(const std::string& sql, std::initializer_list<int64_t> args) {
    MEDCRED_ASSIGN_OR_RETURN(sqlite3_stmt * s, Cached(sql));
    int i = 1;
    for (int64_t a : args) sqlite3_bind_int64(s, i++, a);
    if (sqlite3_step(s) != SQLITE_ROW) return db_.Error("count failed");
    int64_t n = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return n;
  }

  std::string path_;
  sqlite::Db db_;
  std::map<std::string, sqlite::Stmt> cache_;  // destroyed before db_
};

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(const std::string& location) {
  if (IsPostgresUri(location)) return OpenPostgresStore(location);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(location, ec)) {
    return Status::Usage(location + ": no store there; create one with `medcred ingest --store " + location + "`");
  }
  auto store = std::make_unique<SqliteStore>();
  MEDCRED_RETURN_IF_ERROR(store->Open(location));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace medcred
