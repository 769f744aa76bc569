#include "common/status.h"

namespace medcred {

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

}  // namespace medcred
