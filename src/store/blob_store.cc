#include "store/blob_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/text.h"
#include "store/crypto_codec.h"

namespace dalil::store {

namespace fs = std::filesystem;

std::string Sha256Hex(std::string_view bytes) {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  return HexEncode(std::string_view(reinterpret_cast<char*>(out), sizeof out));
}

namespace {

bool IsBlobName(const std::string& name) {
  if (name.size() != 64) return false;
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

BlobStore::Lock::~Lock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

Result<BlobStore::Lock> BlobStore::LockDir(bool exclusive) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Status::Io("cannot create evidence directory: " + ec.message());
  int fd = ::open((dir_ + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Io("cannot open the evidence directory's lock file");
  while (::flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno != EINTR) {
      ::close(fd);
      return Status::Io("cannot lock the evidence directory");
    }
  }
  return Lock(fd);
}

std::string BlobStore::PathFor(const std::string& hex) const {
  return dir_ + "/" + hex.substr(0, 2) + "/" + hex;
}

Status BlobStore::WriteFile(const std::string& hex, std::string_view stored) const {
  const std::string final_path = PathFor(hex);
  std::error_code ec;
  fs::create_directories(dir_ + "/" + hex.substr(0, 2), ec);
  if (ec) return Status::Io("cannot create evidence directory: " + ec.message());
  unsigned char rnd[8];
  randombytes_buf(rnd, sizeof rnd);
  const std::string tmp = final_path + ".tmp-" +
      HexEncode(std::string_view(reinterpret_cast<char*>(rnd), sizeof rnd));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Io("cannot create evidence file");
  size_t done = 0;
  while (done < stored.size()) {
    ssize_t n = ::write(fd, stored.data() + done, stored.size() - done);
    if (n < 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::Io("cannot write evidence file");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Status::Io("cannot flush evidence file");
  }
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::Io("cannot move evidence file into place");
  }
  // Make the rename durable too.
  int dfd = ::open((dir_ + "/" + hex.substr(0, 2)).c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Result<std::string> BlobStore::Put(std::string_view bytes) const {
  const std::string hex = Sha256Hex(bytes);
  std::error_code ec;
  if (fs::exists(PathFor(hex), ec)) return hex;
  if (!keyring_) {
    DALIL_RETURN_IF_ERROR(WriteFile(hex, bytes));
    return hex;
  }
  DALIL_ASSIGN_OR_RETURN(Lock lock, LockDir(/*exclusive=*/false));
  // Seal with the database's current key, not the one this process last saw.
  DALIL_RETURN_IF_ERROR(keyring_->Refresh());
  DALIL_ASSIGN_OR_RETURN(std::string sealed,
                         keyring_->Seal(security::kFileMagic, FileContext(hex), bytes));
  DALIL_RETURN_IF_ERROR(WriteFile(hex, sealed));
  return hex;
}

Result<std::string> BlobStore::ReadFile(const std::string& hex) const {
  std::ifstream in(PathFor(hex), std::ios::binary);
  if (!in) return Status::NotFound("evidence file " + hex + " is missing");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<std::string> BlobStore::Get(const std::string& hex) const {
  if (!IsBlobName(hex)) return Status::Invalid("sha256", "must be 64 lower-case hex digits");
  DALIL_ASSIGN_OR_RETURN(std::string stored, ReadFile(hex));
  std::string bytes;
  if (keyring_ && security::SealedVersion(stored) != 0) {
    auto opened = keyring_->Open(security::kFileMagic, FileContext(hex), stored);
    if (!opened.ok()) {
      return Status(opened.status().code(),
                    "evidence file " + hex + " " + opened.status().message());
    }
    bytes = std::move(opened).value();
  } else {
    // A file from before encryption: only its hash vouches for it.
    bytes = std::move(stored);
  }
  if (Sha256Hex(bytes) != hex) {
    return Status::Corruption("evidence file " + hex + " does not match its hash");
  }
  return bytes;
}

Status BlobStore::EachBlob(const std::function<Status(const std::string&)>& fn) const {
  std::error_code ec;
  if (!fs::exists(dir_, ec)) return Status::Ok();
  for (auto it = fs::recursive_directory_iterator(dir_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_regular_file() && IsBlobName(name)) DALIL_RETURN_IF_ERROR(fn(name));
  }
  if (ec) return Status::Io("cannot list the evidence directory: " + ec.message());
  return Status::Ok();
}

Result<int64_t> BlobStore::ResealAll() const {
  if (!keyring_) return Status::Internal("re-sealing evidence needs a keyring");
  int64_t n = 0;
  DALIL_RETURN_IF_ERROR(EachBlob([&](const std::string& name) -> Status {
    DALIL_ASSIGN_OR_RETURN(std::string stored, ReadFile(name));
    if (security::SealedVersion(stored) == keyring_->current()) return Status::Ok();
    DALIL_ASSIGN_OR_RETURN(std::string bytes, Get(name));
    DALIL_ASSIGN_OR_RETURN(std::string sealed,
                           keyring_->Seal(security::kFileMagic, FileContext(name), bytes));
    DALIL_RETURN_IF_ERROR(WriteFile(name, sealed));
    ++n;
    return Status::Ok();
  }));
  return n;
}

Result<std::map<uint32_t, int64_t>> BlobStore::CountByVersion() const {
  std::map<uint32_t, int64_t> out;
  DALIL_RETURN_IF_ERROR(EachBlob([&](const std::string& name) -> Status {
    std::ifstream in(PathFor(name), std::ios::binary);
    std::string head(4 + 4 + 24 + 16, '\0');  // the smallest sealed file
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
    ++out[security::SealedVersion(head)];
    return Status::Ok();
  }));
  return out;
}

}  // namespace dalil::store
