// Ed25519 keys and signatures (libsodium) for registry entries and tree heads.
//
// A key file is JSON {"algorithm": "ed25519", "public_key": hex, "secret_key":
// hex}, written mode 0600; KEYFILE.pub holds the public half alone. Secret
// keys are never printed or logged.
//
// Thread safety: functions are thread-safe once sodium_init() has run (the
// first call to any of them runs it).
#pragma once

#include <string>

#include "common/status.h"

namespace medcred {

struct SigningKey {
  std::string public_hex;  // 32 bytes as hex
  std::string secret;      // 64 raw bytes (libsodium's secret key)
};

// Writes a new key pair to `keyfile` (0600; refuses to overwrite) and `keyfile`.pub.
Result<std::string> GenerateKey(const std::string& keyfile);  // returns the public key (hex)
Result<SigningKey> LoadKey(const std::string& keyfile);

std::string SignHex(const SigningKey& key, const std::string& message);
bool VerifyHex(const std::string& public_hex, const std::string& message, const std::string& signature_hex);

}  // namespace medcred
