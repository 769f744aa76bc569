#include "testing/testing.h"

#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/sha256.h"

namespace medcred::testing {
namespace fs = std::filesystem;

std::string DemoDir() {
  if (const char* env = std::getenv("MEDCRED_DEMO_DIR"); env != nullptr && *env != '\0') return env;
  fs::path p = fs::path(MEDCRED_SOURCE_DIR) / ".." / "shared" / "data" / "mimic-iv-demo-2.2";
  std::error_code ec;
  return fs::is_directory(p / "hosp", ec) ? fs::canonical(p).string() : "";
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "medcred-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void WriteFile(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  if (path.size() > 3 && path.substr(path.size() - 3) == ".gz") {
    gzFile f = gzopen(path.c_str(), "wb6");
    if (f == nullptr) throw std::runtime_error("gzopen " + path);
    if (!text.empty()) gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
    return;
  }
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteChecksums(const std::string& dir) {
  std::string sums;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().filename() == "SHA256SUMS.txt") continue;
    sums += Sha256::Hex(ReadFile(e.path().string())) + " " + fs::relative(e.path(), dir).string() + "\n";
  }
  WriteFile((fs::path(dir) / "SHA256SUMS.txt").string(), sums);
}

void WriteSyntheticRelease(const std::string& dir, const std::map<std::string, std::string>& overrides) {
  // SYNTHETIC: three invented patients. Nothing here comes from MIMIC.
  std::map<std::string, std::string> files = {
      {"hosp/patients.csv.gz",
       "subject_id,gender,anchor_age,anchor_year,anchor_year_group,dod\n"
       "1,F,60,2150,2011 - 2013,\n2,M,45,2160,2014 - 2016,2162-01-02\n3,F,80,2170,2017 - 2019,\n"},
      {"hosp/admissions.csv.gz",
       "subject_id,hadm_id,admittime,dischtime,deathtime,admission_type,admit_provider_id,admission_location,"
       "discharge_location,insurance,language,marital_status,race,edregtime,edouttime,hospital_expire_flag\n"
       "1,101,2150-03-01 10:00:00,2150-03-05 12:00:00,,EW EMER.,P1,EMERGENCY ROOM,HOME,Other,ENGLISH,,WHITE,"
       "2150-03-01 08:00:00,2150-03-01 10:00:00,0\n"
       "2,201,2160-05-01 09:00:00,2160-05-02 09:00:00,,ELECTIVE,P2,PHYSICIAN REFERRAL,HOME,Other,ENGLISH,,WHITE,,,0\n"
       "3,301,2170-07-01 22:00:00,2170-07-09 12:00:00,,URGENT,P3,TRANSFER FROM HOSPITAL,\"HOME, WITH SERVICE\","
       "Other,ENGLISH,,WHITE,,,0\n"},
      {"hosp/diagnoses_icd.csv.gz",
       "subject_id,hadm_id,seq_num,icd_code,icd_version\n1,101,1,I214,10\n1,101,2,E119,10\n2,201,1,41401,9\n"
       "3,301,1,J189,10\n"},
      {"hosp/d_icd_diagnoses.csv.gz",
       "icd_code,icd_version,long_title\nI214,10,Non-ST elevation (NSTEMI) myocardial infarction\n"
       "E119,10,Type 2 diabetes mellitus without complications\n"
       "41401,9,\"Coronary atherosclerosis of native coronary artery\"\nJ189,10,\"Pneumonia, unspecified organism\"\n"},
      {"hosp/d_labitems.csv.gz",
       "itemid,label,fluid,category\n50971,Potassium,Blood,Chemistry\n51003,Troponin T,Blood,Chemistry\n"},
      {"hosp/labevents.csv.gz",
       "labevent_id,subject_id,hadm_id,specimen_id,itemid,order_provider_id,charttime,storetime,value,valuenum,"
       "valueuom,ref_range_lower,ref_range_upper,flag,priority,comments\n"
       "1,1,,11,50971,,2150-03-01 08:30:00,2150-03-01 09:00:00,4.1,4.1,mEq/L,3.3,5.1,,STAT,\n"
       "2,1,101,11,51003,,2150-03-01 08:30:00,2150-03-01 09:10:00,0.35,0.35,ng/mL,0,0.01,abnormal,STAT,"
       "\"Comment with, a comma and \"\"quotes\"\"\nand a second line\"\n"
       "3,3,301,31,50971,,2170-07-01 22:30:00,,___,,mEq/L,3.3,5.1,,ROUTINE,\"hemolyzed\"\n"},
      {"icu/icustays.csv.gz",
       "subject_id,hadm_id,stay_id,first_careunit,last_careunit,intime,outtime,los\n"
       "1,101,1001,CCU,CCU,2150-03-01 12:00:00,2150-03-03 12:00:00,2\n"},
      {"icu/chartevents.csv.gz",
       "subject_id,hadm_id,stay_id,caregiver_id,charttime,storetime,itemid,value,valuenum,valueuom,warning\n"
       "1,101,1001,9,2150-03-01 12:05:00,2150-03-01 12:06:00,220045,88,88,bpm,0\n"
       "1,101,1001,9,2150-03-01 12:05:00,2150-03-01 12:06:00,227969,Pad,,,0\n"
       "1,101,1001,9,2150-03-01 12:05:00,2150-03-01 12:06:00,220277,97,97,%,0\n"},
      {"ed/edstays.csv.gz",
       "subject_id,hadm_id,stay_id,intime,outtime,gender,race,arrival_transport,disposition\n"
       "1,101,5001,2150-03-01 08:00:00,2150-03-01 10:00:00,F,WHITE,AMBULANCE,ADMITTED\n"},
      {"ed/triage.csv.gz",
       "subject_id,stay_id,temperature,heartrate,resprate,o2sat,sbp,dbp,pain,acuity,chiefcomplaint\n"
       "1,5001,98.1,104,20,95,150,90,8,2,\"Chest pain, diaphoresis\"\n"},
      {"ed/vitalsign.csv.gz",
       "subject_id,stay_id,charttime,temperature,heartrate,resprate,o2sat,sbp,dbp,rhythm,pain\n"
       "1,5001,2150-03-01 08:05:00,98.1,104,20,95,150,90,,8\n"},
      {"ed/medrecon.csv.gz",
       "subject_id,stay_id,charttime,name,gsn,ndc,etc_rn,etccode,etcdescription\n"
       "1,5001,2150-03-01 08:20:00,metformin,1,2,1,3,Antihyperglycemic - Biguanide Type\n"},
      {"note/discharge.csv.gz",
       "note_id,subject_id,hadm_id,note_type,note_seq,charttime,storetime,text\n"
       "1-DS-1,1,101,DS,1,2150-03-05 00:00:00,2150-03-05 13:00:00,\"Chief Complaint:\nchest pain\n\n"
       "History of Present Illness:\nInvented patient with chest pain.\n\nBrief Hospital Course:\nInvented.\"\n"},
      {"note/radiology.csv.gz",
       "note_id,subject_id,hadm_id,note_type,note_seq,charttime,storetime,text\n"
       "1-RR-1,1,101,RR,1,2150-03-01 09:00:00,2150-03-01 10:00:00,\"EXAMINATION: CHEST (PA AND LAT)\n"
       "FINDINGS: Invented, no consolidation.\"\n"},
  };
  for (const auto& [rel, text] : overrides) files[rel] = text;
  for (const auto& [rel, text] : files) {
    if (text == "<absent>") continue;
    WriteFile((fs::path(dir) / rel).string(), text);
  }
  WriteChecksums(dir);
}

}  // namespace medcred::testing
