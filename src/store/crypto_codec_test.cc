// The encrypting codec: a sealed field opens only in the slot (table,
// column, row) it was sealed for; encrypted evidence files open only under
// their own name.
#include "store/crypto_codec.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>

#include "store/blob_store.h"

namespace dalil::store {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<security::Keyring> TestKeyring() {
  EXPECT_GE(sodium_init(), 0);
  auto ring = std::make_shared<security::Keyring>(security::SecretKey::Random());
  ring->Add(1, security::SecretKey::Random());
  ring->SetCurrent(1);
  return ring;
}

TEST(CryptoCodecTest, OpensOnlyInTheSlotItWasSealedFor) {
  auto codec = NewEncryptingCodec(TestKeyring());
  const FieldSlot slot{"persons", "name", 5};
  auto sealed = codec->Seal(slot, "CANARY-codec-name");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("CANARY"), std::string::npos);
  EXPECT_EQ(*codec->Open(slot, *sealed), "CANARY-codec-name");
  for (const FieldSlot& other : {FieldSlot{"persons", "name", 6}, FieldSlot{"persons", "contact", 5},
                                 FieldSlot{"sources", "name", 5},
                                 FieldSlot{"ledger", "secrets", 5}}) {
    auto r = codec->Open(other, *sealed);
    ASSERT_EQ(r.status().code(), Code::kCorruption) << other.table << "." << other.column;
    // The error names where, never what.
    EXPECT_NE(r.status().message().find(std::string(other.table) + "." +
                                        std::string(other.column) + " of row " +
                                        std::to_string(other.row_id)),
              std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find("moved here from another field"), std::string::npos);
    EXPECT_EQ(r.status().message().find("CANARY"), std::string::npos);
  }
  // Plaintext stored behind Dalil's back is refused, not returned.
  EXPECT_EQ(codec->Open(slot, "CANARY-planted").status().code(), Code::kCorruption);
}

TEST(CryptoCodecTest, EvidenceFilesAreSealedAndBoundToTheirName) {
  fs::path dir = fs::temp_directory_path() / ("dalil_sealed_blobs_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto ring = TestKeyring();
  BlobStore blobs(dir.string(), ring);
  const std::string a = "CANARY-evidence-file-a", b = "CANARY-evidence-file-b";
  auto sha_a = blobs.Put(a);
  auto sha_b = blobs.Put(b);
  ASSERT_TRUE(sha_a.ok() && sha_b.ok());
  EXPECT_EQ(*sha_a, Sha256Hex(a));  // still addressed by the plaintext's hash
  const fs::path file_a = dir / sha_a->substr(0, 2) / *sha_a;
  const fs::path file_b = dir / sha_b->substr(0, 2) / *sha_b;
  std::ifstream in(file_a, std::ios::binary);
  std::string on_disk((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(on_disk.find("CANARY"), std::string::npos);
  EXPECT_EQ(security::SealedVersion(on_disk), 1u);
  EXPECT_EQ(*blobs.Get(*sha_a), a);
  // Without the key the file is useless, and never passes its hash check.
  EXPECT_EQ(BlobStore(dir.string()).Get(*sha_a).status().code(), Code::kCorruption);
  // File b's bytes put under a's name do not open.
  fs::copy_file(file_b, file_a, fs::copy_options::overwrite_existing);
  auto moved = blobs.Get(*sha_a);
  EXPECT_EQ(moved.status().code(), Code::kCorruption);
  EXPECT_EQ(moved.status().message().find("CANARY"), std::string::npos);
  fs::remove_all(dir);
}

TEST(CryptoCodecTest, ResealMovesFilesToTheCurrentKey) {
  fs::path dir = fs::temp_directory_path() / ("dalil_reseal_blobs_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto ring = TestKeyring();
  BlobStore plain(dir.string());
  BlobStore sealed(dir.string(), ring);
  auto old_sha = plain.Put("from before encryption");
  auto v1_sha = sealed.Put("sealed with key 1");
  ASSERT_TRUE(old_sha.ok() && v1_sha.ok());
  EXPECT_EQ((*sealed.CountByVersion()), (std::map<uint32_t, int64_t>{{0, 1}, {1, 1}}));
  ring->Add(2, security::SecretKey::Random());
  ring->SetCurrent(2);
  EXPECT_EQ(*sealed.ResealAll(), 2);
  EXPECT_EQ(*sealed.ResealAll(), 0);
  EXPECT_EQ((*sealed.CountByVersion()), (std::map<uint32_t, int64_t>{{2, 2}}));
  EXPECT_EQ(*sealed.Get(*old_sha), "from before encryption");
  EXPECT_EQ(*sealed.Get(*v1_sha), "sealed with key 1");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dalil::store
