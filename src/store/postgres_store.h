// The PostgreSQL store: MIMIC-IV in a PostgreSQL database built by
// mimic-code's scripts or scripts/postgres/load.sh, read in place through
// libpq. See postgres_store.cc for how it matches the SQLite store exactly.
//
// Thread safety: one PostgresStore (one connection) per thread, as any Store.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "store/store.h"

namespace medcred {

// True for postgresql:// and postgres:// locations.
bool IsPostgresUri(const std::string& location);

// Connects (read-only) and checks the required tables. Failures are External.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& uri);

// The URI with any password replaced by ***, for messages.
std::string RedactUri(const std::string& uri);

}  // namespace medcred
