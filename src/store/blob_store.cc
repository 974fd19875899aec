#include "store/blob_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/text.h"

namespace dalil::store {

std::string Sha256Hex(std::string_view bytes) {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  return HexEncode(std::string_view(reinterpret_cast<char*>(out), sizeof out));
}

std::string BlobStore::PathFor(const std::string& hex) const {
  return dir_ + "/" + hex.substr(0, 2) + "/" + hex;
}

Result<std::string> BlobStore::Put(std::string_view bytes) const {
  const std::string hex = Sha256Hex(bytes);
  const std::string final_path = PathFor(hex);
  std::error_code ec;
  if (std::filesystem::exists(final_path, ec)) return hex;
  std::filesystem::create_directories(dir_ + "/" + hex.substr(0, 2), ec);
  if (ec) return Status::Io("cannot create evidence directory: " + ec.message());

  unsigned char rnd[8];
  randombytes_buf(rnd, sizeof rnd);
  const std::string tmp = final_path + ".tmp-" +
      HexEncode(std::string_view(reinterpret_cast<char*>(rnd), sizeof rnd));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Io("cannot create evidence file");
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
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
  return hex;
}

Result<std::string> BlobStore::Get(const std::string& hex) const {
  if (hex.size() != 64) return Status::Invalid("sha256", "must be 64 hex digits");
  std::ifstream in(PathFor(hex), std::ios::binary);
  if (!in) return Status::NotFound("evidence file " + hex + " is missing");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string bytes = ss.str();
  if (Sha256Hex(bytes) != hex) {
    return Status::Corruption("evidence file " + hex + " does not match its hash");
  }
  return bytes;
}

}  // namespace dalil::store
