#include "common/status.h"

namespace medcred {

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

Status Status::WithPrefix(const std::string& prefix) const {
  if (ok()) return *this;
  return Status(rep_->kind, prefix + rep_->message);
}

}  // namespace medcred
