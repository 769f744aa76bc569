#include "registry/keys.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/json_util.h"
#include "registry/merkle.h"

namespace medcred {
namespace {

void Init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // libsodium cannot run at all: nothing can be signed or checked
  });
}

}  // namespace

Result<std::string> GenerateKey(const std::string& keyfile) {
  Init();
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  const std::string pub = Hex(std::string(reinterpret_cast<char*>(pk), sizeof pk));
  const nlohmann::json j = {{"algorithm", "ed25519"},
                            {"public_key", pub},
                            {"secret_key", Hex(std::string(reinterpret_cast<char*>(sk), sizeof sk))}};
  sodium_memzero(sk, sizeof sk);
  std::error_code ec;
  if (std::filesystem::exists(keyfile + ".pub", ec)) {
    return Status::Usage(keyfile + ".pub exists; medcred never overwrites a key, public half included");
  }
  // O_EXCL: never overwrite a key; 0600 from the first byte.
  const int fd = ::open(keyfile.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::Usage(keyfile + " exists; medcred never overwrites a key");
    return Status::External(keyfile + ": cannot create: " + std::strerror(errno));
  }
  std::string text = j.dump(2) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  sodium_memzero(text.data(), text.size());
  ::close(fd);
  if (!ok) return Status::External(keyfile + ": write failed");
  MEDCRED_RETURN_IF_ERROR(WriteFileAtomically(keyfile + ".pub", pub + "\n", 0644));
  return pub;
}

Result<SigningKey> LoadKey(const std::string& keyfile) {
  Init();
  struct stat st {};
  if (::stat(keyfile.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    return Status::Usage(keyfile + " can be read by others (mode " + std::to_string((st.st_mode >> 6) & 7) +
                         std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7) +
                         "): a secret key must be private; chmod 600 " + keyfile + " if it has not been copied");
  }
  MEDCRED_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(keyfile));
  nlohmann::json j = ParseJson(text, keyfile).value_or(nlohmann::json());
  sodium_memzero(text.data(), text.size());
  if (!j.is_object() || j.value("algorithm", "") != "ed25519" || !j.contains("public_key") ||
      !j.contains("secret_key") || !j["public_key"].is_string() || !j["secret_key"].is_string()) {
    return Status::BadInput(keyfile + ": not a medcred key file (run medcred keygen)");
  }
  SigningKey k;
  k.public_hex = j["public_key"];
  std::string pk;
  if (!FromHex(k.public_hex, &pk) || pk.size() != crypto_sign_PUBLICKEYBYTES || !FromHex(j["secret_key"], &k.secret) ||
      k.secret.size() != crypto_sign_SECRETKEYBYTES) {
    return Status::BadInput(keyfile + ": field public_key or secret_key is not an Ed25519 key in hex");
  }
  // The secret key embeds its public key: a mismatch is a damaged file.
  if (std::memcmp(k.secret.data() + 32, pk.data(), 32) != 0) {
    return Status::BadInput(keyfile + ": public_key does not belong to secret_key");
  }
  return k;
}

std::string SignHex(const SigningKey& key, const std::string& message) {
  Init();
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(key.secret.data()));
  return Hex(std::string(reinterpret_cast<char*>(sig), sizeof sig));
}

bool VerifyHex(const std::string& public_hex, const std::string& message, const std::string& signature_hex) {
  Init();
  std::string pk, sig;
  if (!FromHex(public_hex, &pk) || pk.size() != crypto_sign_PUBLICKEYBYTES) return false;
  if (!FromHex(signature_hex, &sig) || sig.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                     reinterpret_cast<const unsigned char*>(pk.data())) == 0;
}

}  // namespace medcred
