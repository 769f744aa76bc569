// The store's schema: which MIMIC-IV tables and columns medcred keeps, typed.
//
// This is the single declaration of what ingest reads and what the store
// holds (docs/store.md). Each table mirrors one source file (`<module>/<name>.csv.gz`),
// keeps only the columns later parts use, under MIMIC's own names, with a type.
// Times and dates are stored as integer seconds (common/time.h). A table may
// drop rows by design (chartevents keeps vital signs only); such rows are
// counted apart as filtered_rows. Indexes are built after the load.
//
// Columns deliberately never stored: free-text lab comments (docs/methodology.md#what-the-model-sees forbids
// showing them), provider ids, and every table no later part reads (emar,
// pharmacy, inputevents, ...).
//
// Thread safety: immutable after static initialisation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace medcred {

// Bump when a change to this file changes what a store holds; stores record it
// and refuse to open under another version.
// Version 2: the ECG module (machine_measurements, record_list) and the tallies
// labitem_counts and micro_tests.
// Version 3: the ED module's diagnosis (the ED physicians' diagnoses, truth side:
// read only by the clinician baseline and comparison, never by a presentation or a tool).
inline constexpr int kStoreSchemaVersion = 3;

enum class ColumnType { kInt, kReal, kText, kTime };
const char* SqlType(ColumnType t);

struct ColumnSpec {
  std::string name;
  ColumnType type;
  bool required = true;  // the source file must have this column; else it is NULL
};

struct IndexSpec {
  std::vector<std::string> columns;
  bool unique = false;
};

struct TableSpec {
  std::string module;  // hosp, icu, ed, note, ecg
  std::string name;    // table name and file stem
  bool required_file;  // ingest fails without it; otherwise reported missing and skipped
  std::vector<ColumnSpec> columns;
  std::vector<IndexSpec> indexes;
  // Rows are kept only when `filter_column` holds one of `filter_values`.
  std::string filter_column = {};
  std::vector<std::string> filter_values = {};
  std::string filter_reason = {};
  // A tally, not a file: the rows of the table `tally_of`, counted by every
  // column but the last ("rows") while ingest reads that table's file.
  std::string tally_of = {};

  bool is_tally() const { return !tally_of.empty(); }
  // Where the file sits in its module's folder. The ECG module's files sit at
  // the top of its release folder (MIMIC-IV-ECG has no module folder).
  std::string RelativePath() const { return (module == "ecg" ? "" : module + "/") + name + ".csv.gz"; }
};

const std::vector<TableSpec>& StoreTables();
// Index into StoreTables(), or -1.
int FindTable(const std::string& name);

// The tallies of a table (labitem_counts for labevents, ...), as indexes into StoreTables().
std::vector<int> TalliesOf(int table);

// The modules ingest knows, in load order.
const std::vector<std::string>& KnownModules();

// ICU chartevents itemids kept: vital signs only (MetaVision itemids of
// MIMIC-IV's d_items): heart rate, blood pressures, respiratory rate, SpO2,
// temperature, GCS, weight and height.
const std::vector<std::string>& VitalSignItemIds();
// The display name of a kept vital-sign itemid ("" for any other).
const char* VitalSignName(int64_t itemid);

}  // namespace medcred
