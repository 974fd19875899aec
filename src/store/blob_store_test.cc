#include "store/blob_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace dalil::store {
namespace {

namespace fs = std::filesystem;

TEST(Sha256Test, KnownVectors) {
  // FIPS 180-2 examples.
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(BlobStoreTest, PutGetAndDetectCorruption) {
  fs::path dir = fs::temp_directory_path() / ("dalil_blob_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  BlobStore blobs(dir.string());
  auto sha = blobs.Put("photo bytes");
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(*sha, Sha256Hex("photo bytes"));
  EXPECT_EQ(*blobs.Put("photo bytes"), *sha);  // idempotent
  EXPECT_EQ(*blobs.Get(*sha), "photo bytes");
  EXPECT_EQ(fs::status(dir / sha->substr(0, 2) / *sha).permissions() & fs::perms::others_read,
            fs::perms::none);

  // Flip a byte on disk: the read must notice.
  {
    std::fstream f(dir / sha->substr(0, 2) / *sha, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f.put('P');
  }
  EXPECT_EQ(blobs.Get(*sha).status().code(), Code::kCorruption);
  EXPECT_EQ(blobs.Get(std::string(64, '0')).status().code(), Code::kNotFound);
  EXPECT_EQ(blobs.Get("short").status().code(), Code::kInvalidArgument);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dalil::store
