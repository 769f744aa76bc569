// ICD reference data: the ICD-10-CM order file (valid codes and titles), the
// CMS ICD-9-CM -> ICD-10-CM General Equivalence Mappings, and the chapters and
// blocks above the 3-character categories (data/icd10cm-chapters-v1.toml).
//
// The two CMS files are public domain and read from a reference folder (never
// committed): --reference DIR, $MEDCRED_REFERENCE_DIR, ../shared/data/reference
// beside the repository or the working directory, or data/reference.
//
// Thread safety: immutable after Load(); share freely.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace medcred {

// An inclusive range of codes compared on their first len(lo) characters
// ("I00-I59", "780-799"), or a bare prefix ("V").
struct CodeRange {
  std::string lo, hi;
  bool Contains(std::string_view code) const;
  std::string ToString() const { return lo == hi ? lo : lo + "-" + hi; }
};

// "I00-I59" or "V"; `where` names the field in the error.
Result<CodeRange> ParseCodeRange(const std::string& text, const std::string& where);

// Where an ICD-10-CM code sits in the classification.
struct IcdPlace {
  std::string category;        // the 3-character category, "I21"
  std::string category_title;  // from the order file; empty when unknown
  std::string block;           // "I20-I25"; empty when no block holds it
  std::string block_title;
  int chapter = 0;  // 1..22; 0 when no chapter holds it
  std::string chapter_title;
};

struct GemTarget {
  std::string icd10;
  bool approximate = false;
  bool combination = false;
  int scenario = 0;
  int choice_list = 0;
};

class IcdReference {
 public:
  static Result<std::string> FindDir(const std::string& explicit_dir);
  // Reads the two CMS files from `dir` and the chapters file from data/.
  static Result<IcdReference> Load(const std::string& dir,
                                   const std::string& chapters_file = "icd10cm-chapters-v1.toml");

  // Codes are written without the dot, upper case ("I214").
  bool IsIcd10(std::string_view code) const { return titles_.count(std::string(code)) > 0; }
  // The long title of an ICD-10-CM code, or empty.
  const std::string& Title(std::string_view code) const;
  // ICD-10-CM targets of an ICD-9-CM code; empty when the GEM has none or says
  // "no map".
  const std::vector<GemTarget>& Gem(std::string_view icd9) const;

  // Category, block and chapter of an ICD-10-CM code (any length from 3).
  // Where block ranges nest in code order (C7A-C7A within C76-C80), the
  // narrower holds the code.
  IcdPlace Place(std::string_view icd10) const;
  // Every 3-character category of the order file, sorted.
  std::vector<std::string> Categories() const;
  // Every code of the order file with its long title (unordered).
  const std::unordered_map<std::string, std::string>& AllTitles() const { return titles_; }

  // SHA-256 over the three files' bytes: which reference results were made with.
  const std::string& digest() const { return digest_; }

 private:
  struct Block {
    std::string label;              // the first range as written: "C43-C44"
    std::vector<CodeRange> ranges;  // "C43-C44, C4A": C4A is placed in the tabular list between C43 and C44
    std::string title;
    size_t chapter;  // index into chapters_
  };
  struct Chapter {
    int number;
    CodeRange range;
    std::string title;
  };
  Status LoadChapters(const std::string& file_name);

  std::vector<Chapter> chapters_;
  std::vector<Block> blocks_;
  std::string digest_input_;  // the chapters file's SHA-256, folded into digest_
  std::unordered_map<std::string, std::string> titles_;
  std::unordered_map<std::string, std::vector<GemTarget>> gem_;
  std::string digest_;
};

// "i21.4" -> "I214".
std::string NormalizeIcd(std::string_view code);

}  // namespace medcred
