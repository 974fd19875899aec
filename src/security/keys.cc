#include "security/keys.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/text.h"

namespace dalil::security {
namespace {

constexpr std::string_view kKeyFileTag = "dalil-master-key-v1 ";
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr size_t kHeaderBytes = 4 + 4 + kNonceBytes;

void PutU32(std::string& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}

uint32_t GetU32(std::string_view b) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(b[i]);
  return v;
}

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// magic | version | nonce | XChaCha20-Poly1305(key, plaintext, ad = context | version)
std::string SealWith(const unsigned char* key, std::string_view magic, uint32_t version,
                     std::string_view context, std::string_view plaintext) {
  std::string out(magic);
  PutU32(out, version);
  std::string ad(context);
  PutU32(ad, version);
  const size_t header = out.size();
  out.resize(header + kNonceBytes + plaintext.size() + kTagBytes);
  auto* nonce = reinterpret_cast<unsigned char*>(out.data() + header);
  randombytes_buf(nonce, kNonceBytes);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + kNonceBytes, &len, U(plaintext),
                                             plaintext.size(), U(ad), ad.size(), nullptr,
                                             nonce, key);
  return out;
}

bool OpenWith(const unsigned char* key, std::string_view context, std::string_view stored,
              std::string* plaintext) {
  const uint32_t version = GetU32(stored.substr(4, 4));
  std::string ad(context);
  PutU32(ad, version);
  const auto* nonce = U(stored.substr(8, kNonceBytes));
  std::string_view ct = stored.substr(kHeaderBytes);
  plaintext->resize(ct.size() - kTagBytes);
  unsigned long long len = 0;
  int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
      reinterpret_cast<unsigned char*>(plaintext->data()), &len, nullptr, U(ct), ct.size(),
      U(ad), ad.size(), nonce, key);
  if (rc != 0) {
    sodium_memzero(plaintext->data(), plaintext->size());
    plaintext->clear();
    return false;
  }
  return true;
}

constexpr std::string_view kMasterMagic{"\0DM1", 4};
constexpr std::string_view kCheckContext = "dalil/master-check/v1";
constexpr std::string_view kCheckText = "dalil master key check";
constexpr std::string_view kWrapContext = "dalil/data-key/v1";

}  // namespace

void SecretKey::Free::operator()(unsigned char* p) const { sodium_free(p); }

SecretKey::SecretKey() : bytes_(static_cast<unsigned char*>(sodium_malloc(kKeyBytes))) {
  // sodium_malloc fails only when memory is exhausted; nothing can go on.
  if (!bytes_) std::abort();
}

SecretKey SecretKey::Random() {
  SecretKey k;
  crypto_aead_xchacha20poly1305_ietf_keygen(k.bytes_.get());
  return k;
}

Result<SecretKey> SecretKey::FromBytes(std::string_view bytes) {
  if (bytes.size() != kKeyBytes) {
    return Status::Invalid("key", "must be " + std::to_string(kKeyBytes) + " bytes");
  }
  SecretKey k;
  std::memcpy(k.bytes_.get(), bytes.data(), kKeyBytes);
  return k;
}

// --- Master key -----------------------------------------------------------------

Result<SecretKey> ReadMasterKeyFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::NotFound("the master key file " + path +
                                " is missing. Without it the encrypted records cannot be "
                                "read: restore it from your offline copy (there is no other "
                                "way to recover them)",
                            "master_key_file");
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    return Status(Code::kPermissionDenied,
                  path + " may be read or changed by other users: run chmod 600 on it "
                         "(Dalil refuses to start with it as it is)",
                  "master_key_file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Io("cannot read the master key file " + path);
  std::string text;
  std::getline(in, text, '\n');
  std::string extra;
  in >> extra;
  const std::string bad = path + " is not a Dalil master key file";
  if (text.size() != kKeyFileTag.size() + 2 * kKeyBytes ||
      text.compare(0, kKeyFileTag.size(), kKeyFileTag) != 0 || !extra.empty()) {
    sodium_memzero(text.data(), text.size());
    return Status::Invalid("master_key_file", bad);
  }
  unsigned char raw[kKeyBytes];
  size_t n = 0;
  int rc = sodium_hex2bin(raw, sizeof raw, text.data() + kKeyFileTag.size(), 2 * kKeyBytes,
                          nullptr, &n, nullptr);
  sodium_memzero(text.data(), text.size());
  if (rc != 0 || n != kKeyBytes) return Status::Invalid("master_key_file", bad);
  auto key = SecretKey::FromBytes(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
  sodium_memzero(raw, sizeof raw);
  return key;
}

Result<SecretKey> CreateMasterKeyFile(const std::string& path) {
  SecretKey key = SecretKey::Random();
  std::string line(kKeyFileTag);
  line.resize(kKeyFileTag.size() + 2 * kKeyBytes + 1);
  sodium_bin2hex(line.data() + kKeyFileTag.size(), 2 * kKeyBytes + 1, key.data(), kKeyBytes);
  line.back() = '\n';
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    sodium_memzero(line.data(), line.size());
    return Status::Io("cannot create the master key file " + path +
                      (errno == EEXIST ? " (it already exists)" : ""));
  }
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  sodium_memzero(line.data(), line.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(path.c_str());
    return Status::Io("cannot write the master key file " + path);
  }
  return key;
}

KdfParams NewKdfParams() {
  KdfParams p;
  p.salt.resize(crypto_pwhash_SALTBYTES);
  randombytes_buf(p.salt.data(), p.salt.size());
  return p;
}

Result<SecretKey> DeriveMasterKey(std::string_view passphrase, const KdfParams& params) {
  if (passphrase.empty()) return Status::Invalid("passphrase", "is empty");
  if (params.salt.size() != crypto_pwhash_SALTBYTES ||
      params.ops < crypto_pwhash_OPSLIMIT_MIN || params.ops > crypto_pwhash_OPSLIMIT_MAX ||
      params.mem < (size_t{19} << 20) || params.mem > crypto_pwhash_MEMLIMIT_MAX) {
    return Status::Invalid("kdf", "the passphrase parameters recorded in the database are "
                                  "out of range");
  }
  unsigned char raw[kKeyBytes];
  if (crypto_pwhash(raw, sizeof raw, passphrase.data(), passphrase.size(), U(params.salt),
                    params.ops, static_cast<size_t>(params.mem),
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::Unavailable("not enough memory to derive the master key");
  }
  auto key = SecretKey::FromBytes(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
  sodium_memzero(raw, sizeof raw);
  return key;
}

uint32_t SealedVersion(std::string_view stored) {
  if (stored.size() < kHeaderBytes + kTagBytes) return 0;
  std::string_view magic = stored.substr(0, 4);
  if (magic != kFieldMagic && magic != kFileMagic) return 0;
  return GetU32(stored.substr(4, 4));
}

// --- Keyring ----------------------------------------------------------------------

std::string Keyring::MasterCheck() const {
  return SealWith(master_.data(), kMasterMagic, 0, kCheckContext, kCheckText);
}

bool Keyring::MatchesMasterCheck(std::string_view check) const {
  if (check.size() < kHeaderBytes + kTagBytes || check.substr(0, 4) != kMasterMagic) {
    return false;
  }
  std::string text;
  return OpenWith(master_.data(), kCheckContext, check, &text) && text == kCheckText;
}

std::string Keyring::Wrap(uint32_t version, const SecretKey& data_key) const {
  return SealWith(master_.data(), kMasterMagic, version, kWrapContext,
                  std::string_view(reinterpret_cast<const char*>(data_key.data()), kKeyBytes));
}

Result<std::string> Keyring::WrapUnder(const Keyring& other, uint32_t version) const {
  std::shared_lock lock(mu_);
  const unsigned char* key = Find(version);
  if (key == nullptr) {
    return Status::NotFound("data key version " + std::to_string(version) + " is not loaded");
  }
  return SealWith(other.master_.data(), kMasterMagic, version, kWrapContext,
                  std::string_view(reinterpret_cast<const char*>(key), kKeyBytes));
}

Status Keyring::AddWrapped(uint32_t version, std::string_view wrapped) {
  if (Has(version)) return Status::Ok();
  std::string raw;
  if (wrapped.size() != kHeaderBytes + kKeyBytes + kTagBytes ||
      wrapped.substr(0, 4) != kMasterMagic || GetU32(wrapped.substr(4, 4)) != version ||
      !OpenWith(master_.data(), kWrapContext, wrapped, &raw)) {
    return Status::Corruption("data key version " + std::to_string(version) +
                              " does not open under the master key: it was altered");
  }
  auto key = SecretKey::FromBytes(raw);
  sodium_memzero(raw.data(), raw.size());
  if (!key.ok()) return key.status();
  Add(version, std::move(key).value());
  return Status::Ok();
}

void Keyring::Add(uint32_t version, SecretKey data_key) {
  std::unique_lock lock(mu_);
  keys_.emplace(version, std::move(data_key));
}

void Keyring::SetCurrent(uint32_t version) {
  std::unique_lock lock(mu_);
  assert(keys_.count(version));
  current_ = version;
}

uint32_t Keyring::current() const {
  std::shared_lock lock(mu_);
  return current_;
}

bool Keyring::Has(uint32_t version) const {
  std::shared_lock lock(mu_);
  return keys_.count(version) > 0;
}

const unsigned char* Keyring::Find(uint32_t version) const {
  auto it = keys_.find(version);
  return it == keys_.end() ? nullptr : it->second.data();
}

void Keyring::SetReloader(std::function<Status(Keyring&)> reloader) {
  std::lock_guard lock(reload_mu_);
  reloader_ = std::move(reloader);
}

Status Keyring::Refresh() {
  std::lock_guard lock(reload_mu_);
  if (!reloader_) return Status::Ok();
  return reloader_(*this);
}

Result<std::string> Keyring::Seal(std::string_view magic, std::string_view context,
                                  std::string_view plaintext) const {
  std::shared_lock lock(mu_);
  const unsigned char* key = Find(current_);
  if (key == nullptr) return Status::Internal("no data key is loaded for sealing");
  return SealWith(key, magic, current_, context, plaintext);
}

Result<std::string> Keyring::Open(std::string_view magic, std::string_view context,
                                  std::string_view stored) {
  if (stored.size() < kHeaderBytes + kTagBytes || stored.substr(0, 4) != magic) {
    return Status::Corruption("is not an encrypted value");
  }
  const uint32_t version = GetU32(stored.substr(4, 4));
  if (!Has(version)) {
    // Sealed by a key added since this process loaded its keys (a rotation
    // running in another process): load the database's keys again.
    Status s = Refresh();
    if (!s.ok()) return s;
    if (!Has(version)) {
      return Status::Corruption("is sealed with data key version " + std::to_string(version) +
                                ", which this database does not hold");
    }
  }
  std::string plaintext;
  std::shared_lock lock(mu_);
  if (!OpenWith(Find(version), context, stored, &plaintext)) {
    return Status::Corruption("does not open: it was altered, or moved here from another "
                              "field or record");
  }
  return plaintext;
}

}  // namespace dalil::security
