#include "ledger/merkle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "base/text.h"
#include "ledger/checkpoint.h"

namespace dalil::ledger {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kMerkleDir = fs::path(DALIL_SHARED_DIR) / "data" / "merkle";

std::string Hex(const Hash& h) {
  return HexEncode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

Hash ToHash(std::string_view bytes) {
  Hash h{};
  EXPECT_EQ(bytes.size(), h.size());
  std::memcpy(h.data(), bytes.data(), std::min(bytes.size(), h.size()));
  return h;
}

json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return json::parse(in);
}

// The leaves of the reference library's test tree (roots.json).
std::vector<std::string> ReferenceLeaves() {
  std::vector<std::string> leaves;
  const json roots = ReadJson(kMerkleDir / "roots.json");
  for (const auto& hex : roots["leaf_inputs_hex"]) {
    leaves.push_back(Unhex(hex.get<std::string>()));
  }
  return leaves;
}

MemoryTree TreeOf(size_t n) {
  MemoryTree tree;
  for (size_t i = 0; i < n; ++i) tree.Append(LeafHash("leaf " + std::to_string(i)));
  return tree;
}

std::vector<fs::path> JsonFilesUnder(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The vectors come from a Go library whose hashes are byte slices of any
// length; some deliberately broken cases use strings that are not 32 bytes
// ("", "don't care 1"). Roots and proof elements are only ever compared or
// hashed, so such a string stands for a distinct 32-byte value here (equal
// strings stay equal) and still goes through the verifier. A leaf hash of
// the wrong length is rejected by Go's explicit length check; our Hash type
// cannot even hold one, so those cases count as rejected before the call.
Hash VectorHash(const json& field) {
  std::optional<std::string> bytes = Base64Decode(field.get<std::string>());
  EXPECT_TRUE(bytes.has_value()) << field;
  if (bytes->size() == 32) return ToHash(*bytes);
  return Sha256("test-vector value that is not a 32-byte hash: " + *bytes);
}

std::vector<Hash> VectorProof(const json& field) {
  std::vector<Hash> proof;
  if (field.is_null()) return proof;
  for (const auto& item : field) proof.push_back(VectorHash(item));
  return proof;
}

TEST(HashTest, KnownValues) {
  EXPECT_EQ(Hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(EmptyRoot(), Sha256(""));
  EXPECT_EQ(LeafHash("abc"), Sha256(std::string("\0abc", 4)));
  Hash a = Sha256("a"), b = Sha256("b");
  std::string joined = "\x01" + std::string(a.begin(), a.end()) + std::string(b.begin(), b.end());
  EXPECT_EQ(NodeHash(a, b), Sha256(joined));
  // A leaf longer than any internal buffer.
  std::string big(1 << 20, 'x');
  EXPECT_EQ(LeafHash(big), Sha256(std::string(1, '\0') + big));
}

TEST(MerkleVectorsTest, RootsOfReferenceTree) {
  json roots = ReadJson(kMerkleDir / "roots.json");
  std::vector<std::string> leaves = ReferenceLeaves();
  ASSERT_EQ(leaves.size(), 8u);
  ASSERT_EQ(roots["roots_hex_by_size"].size(), 9u);
  MemoryTree tree;
  Frontier frontier;
  std::vector<Hash> leaf_hashes;
  for (size_t n = 0; n <= leaves.size(); ++n) {
    if (n > 0) {
      leaf_hashes.push_back(LeafHash(leaves[n - 1]));
      tree.Append(leaf_hashes.back());
      frontier.Append(leaf_hashes.back());
    }
    const std::string want = roots["roots_hex_by_size"][n].get<std::string>();
    auto root = RootAt(tree, n);
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    EXPECT_EQ(Hex(*root), want) << "size " << n;
    EXPECT_EQ(Hex(frontier.Root()), want) << "size " << n;
    EXPECT_EQ(Hex(RootFromLeafHashes(leaf_hashes)), want) << "size " << n;
  }
}

TEST(MerkleVectorsTest, AllInclusionVectors) {
  std::vector<fs::path> files = JsonFilesUnder(kMerkleDir / "testdata" / "inclusion");
  MemoryTree tree;
  for (const std::string& leaf : ReferenceLeaves()) tree.Append(LeafHash(leaf));

  int accepted = 0, rejected = 0, rejected_by_type = 0, happy_compared = 0;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    json v = ReadJson(file);
    const bool want_err = v["wantErr"].get<bool>();
    const uint64_t index = v["leafIdx"].get<uint64_t>();
    const uint64_t size = v["treeSize"].get<uint64_t>();
    std::optional<std::string> leaf = Base64Decode(v["leafHash"].get<std::string>());
    ASSERT_TRUE(leaf.has_value());
    if (leaf->size() != 32) {
      EXPECT_TRUE(want_err) << v["desc"];
      ++rejected;
      ++rejected_by_type;
      continue;
    }
    const Hash root = VectorHash(v["root"]);
    const std::vector<Hash> proof = VectorProof(v["proof"]);
    Status s = VerifyInclusion(index, size, ToHash(*leaf), proof, root);
    if (want_err) {
      EXPECT_FALSE(s.ok()) << v["desc"];
      EXPECT_TRUE(s.code() == Code::kInvalidArgument || s.code() == Code::kCorruption);
      ++rejected;
    } else {
      EXPECT_TRUE(s.ok()) << v["desc"] << ": " << s.ToString();
      ++accepted;
      // The proofs of the reference tree must be exactly what we generate.
      if (file.filename() == "happy-path.json") {
        auto ours = InclusionProof(tree, index, size);
        ASSERT_TRUE(ours.ok()) << ours.status().ToString();
        EXPECT_EQ(*ours, proof);
        EXPECT_EQ(*RootAt(tree, size), root);
        ++happy_compared;
      }
    }
  }
  EXPECT_EQ(files.size(), 98u);
  EXPECT_EQ(accepted, 6);
  EXPECT_EQ(rejected, 92);
  EXPECT_EQ(rejected_by_type, 11);  // leaf hash of 0 or 9 bytes
  EXPECT_EQ(happy_compared, 5);
}

TEST(MerkleVectorsTest, AllConsistencyVectors) {
  std::vector<fs::path> files = JsonFilesUnder(kMerkleDir / "testdata" / "consistency");
  MemoryTree tree;
  for (const std::string& leaf : ReferenceLeaves()) tree.Append(LeafHash(leaf));

  int accepted = 0, rejected = 0, happy_compared = 0;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    json v = ReadJson(file);
    const bool want_err = v["wantErr"].get<bool>();
    const uint64_t size1 = v["size1"].get<uint64_t>();
    const uint64_t size2 = v["size2"].get<uint64_t>();
    const Hash root1 = VectorHash(v["root1"]);
    const Hash root2 = VectorHash(v["root2"]);
    const std::vector<Hash> proof = VectorProof(v["proof"]);
    Status s = VerifyConsistency(size1, size2, root1, root2, proof);
    if (want_err) {
      EXPECT_FALSE(s.ok()) << v["desc"];
      EXPECT_TRUE(s.code() == Code::kInvalidArgument || s.code() == Code::kCorruption);
      ++rejected;
    } else {
      EXPECT_TRUE(s.ok()) << v["desc"] << ": " << s.ToString();
      ++accepted;
      if (file.filename() == "happy-path.json") {
        auto ours = ConsistencyProof(tree, size1, size2);
        ASSERT_TRUE(ours.ok()) << ours.status().ToString();
        EXPECT_EQ(*ours, proof);
        EXPECT_EQ(*RootAt(tree, size1), root1);
        EXPECT_EQ(*RootAt(tree, size2), root2);
        ++happy_compared;
      }
    }
  }
  EXPECT_EQ(files.size(), 98u);
  EXPECT_EQ(accepted, 6);
  EXPECT_EQ(rejected, 92);
  EXPECT_EQ(happy_compared, 5);
}

// The worked examples of RFC 6962 section 2.1.3, tree of 7 leaves:
// leaves a b c d e f j; g = (a,b), h = (c,d), i = (e,f), k = (g,h),
// l = (i,j).
TEST(MerkleTest, Rfc6962Examples) {
  MemoryTree tree = TreeOf(7);
  auto leaf = [&](uint64_t i) { return *tree.Node(0, i); };
  const Hash a = leaf(0), b = leaf(1), c = leaf(2), d = leaf(3), e = leaf(4),
             f = leaf(5), j = leaf(6);
  const Hash g = NodeHash(a, b), h = NodeHash(c, d), i = NodeHash(e, f),
             k = NodeHash(g, h), l = NodeHash(i, j);
  EXPECT_EQ(*RootAt(tree, 7), NodeHash(k, l));
  EXPECT_EQ(*InclusionProof(tree, 0, 7), (std::vector<Hash>{b, h, l}));
  EXPECT_EQ(*InclusionProof(tree, 3, 7), (std::vector<Hash>{c, g, l}));
  EXPECT_EQ(*InclusionProof(tree, 4, 7), (std::vector<Hash>{f, j, k}));
  EXPECT_EQ(*InclusionProof(tree, 6, 7), (std::vector<Hash>{i, k}));
  EXPECT_EQ(*ConsistencyProof(tree, 3, 7), (std::vector<Hash>{c, d, g, l}));
  EXPECT_EQ(*ConsistencyProof(tree, 4, 7), (std::vector<Hash>{l}));
  EXPECT_EQ(*ConsistencyProof(tree, 6, 7), (std::vector<Hash>{i, j, k}));
  EXPECT_TRUE(ConsistencyProof(tree, 7, 7)->empty());
}

TEST(MerkleTest, ArgumentErrors) {
  MemoryTree tree = TreeOf(5);
  EXPECT_EQ(InclusionProof(tree, 5, 5).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(InclusionProof(tree, 0, 0).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(tree, 0, 3).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(tree, 0, 0).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(tree, 4, 3).status().code(), Code::kInvalidArgument);
  // Beyond the stored tree: the reader's error comes through.
  EXPECT_EQ(RootAt(tree, 6).status().code(), Code::kNotFound);
  EXPECT_EQ(InclusionProof(tree, 2, 9).status().code(), Code::kNotFound);
  EXPECT_EQ(ConsistencyProof(tree, 2, 6).status().code(), Code::kNotFound);
  EXPECT_EQ(Frontier::Load(tree, 6).status().code(), Code::kNotFound);
  EXPECT_EQ(*RootAt(tree, 0), EmptyRoot());

  const Hash x = Sha256("x");
  Status s = VerifyInclusion(5, 5, x, {}, x);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(VerifyInclusion(0, 0, x, {}, x).code(), Code::kInvalidArgument);
  EXPECT_EQ(VerifyConsistency(0, 0, x, x, {}).code(), Code::kInvalidArgument);
  EXPECT_EQ(VerifyConsistency(0, 5, x, x, {}).code(), Code::kInvalidArgument);
  EXPECT_EQ(VerifyConsistency(5, 4, x, x, {}).code(), Code::kInvalidArgument);
  EXPECT_TRUE(VerifyConsistency(5, 5, x, x, {}).ok());
  s = VerifyConsistency(5, 5, x, Sha256("y"), {});
  EXPECT_EQ(s.code(), Code::kCorruption);
  std::vector<Hash> one{x};
  EXPECT_EQ(VerifyConsistency(5, 5, x, x, one).code(), Code::kInvalidArgument);
  // Sizes near 2^64 must not overflow or shift out of range.
  EXPECT_EQ(VerifyInclusion(UINT64_MAX - 1, UINT64_MAX, x, one, x).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(VerifyInclusion(0, UINT64_MAX, x, one, x).code(), Code::kInvalidArgument);
  EXPECT_EQ(VerifyInclusion(uint64_t{1} << 63, UINT64_MAX, x, one, x).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(VerifyConsistency(1, UINT64_MAX, x, x, one).code(), Code::kInvalidArgument);
  // From the perfect tree of 2^63 leaves to 2^64 - 1 the proof is the one
  // hash of the new right half: root2 = H(root1, that hash).
  const Hash right = Sha256("right half");
  std::vector<Hash> half{right};
  EXPECT_TRUE(VerifyConsistency(uint64_t{1} << 63, UINT64_MAX, x, NodeHash(x, right), half).ok());
  EXPECT_EQ(VerifyConsistency(uint64_t{1} << 63, UINT64_MAX, x, x, half).code(),
            Code::kCorruption);
  std::vector<Hash> two{x, x};
  EXPECT_EQ(VerifyConsistency(uint64_t{1} << 63, UINT64_MAX, x, x, two).code(),
            Code::kInvalidArgument);
}

TEST(MerkleTest, VerifierMessages) {
  MemoryTree tree = TreeOf(10);
  std::vector<Hash> proof = *InclusionProof(tree, 3, 10);
  const Hash root = *RootAt(tree, 10);
  Status s = VerifyInclusion(3, 10, *tree.Node(0, 3), proof, Sha256("other"));
  EXPECT_EQ(s.code(), Code::kCorruption);
  EXPECT_NE(s.message().find("proof does not match root"), std::string::npos) << s.message();
  proof.pop_back();
  s = VerifyInclusion(3, 10, *tree.Node(0, 3), proof, root);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "proof");
  EXPECT_NE(s.message().find("needs 4"), std::string::npos) << s.message();

  std::vector<Hash> cproof = *ConsistencyProof(tree, 3, 10);
  s = VerifyConsistency(3, 10, Sha256("old"), root, cproof);
  EXPECT_EQ(s.code(), Code::kCorruption);
  EXPECT_NE(s.message().find("proof does not match root1"), std::string::npos) << s.message();
  s = VerifyConsistency(3, 10, *RootAt(tree, 3), Sha256("new"), cproof);
  EXPECT_NE(s.message().find("proof does not match root2"), std::string::npos) << s.message();
}

// Every proof of every (index or old size, size) pair for sizes up to 300
// verifies; flipping a bit of any element, a wrong leaf, index or root, or
// a proof one hash too long or short, fails. Reads stay logarithmic. (A
// wrong size alone is not always caught: the path of leaf 0 in a tree of 3
// also "verifies" leaf 0 of 4 against the root of 3, since only the shape
// of the path depends on the size.)
TEST(MerkleTest, PropertyAllProofsUpTo300) {
  constexpr uint64_t kMax = 300;
  MemoryTree tree = TreeOf(kMax);
  std::vector<Hash> roots(kMax + 1);
  for (uint64_t n = 0; n <= kMax; ++n) roots[n] = *RootAt(tree, n);
  std::mt19937_64 rng(6962);
  // Every size gets checked; bit flips in every element for a sample of
  // sizes (all small ones, a random third of the rest) to keep ASan runs
  // short.
  auto flip_all = [&](uint64_t n) { return n <= 40 || rng() % 3 == 0; };

  for (uint64_t n = 1; n <= kMax; ++n) {
    const bool flips = flip_all(n);
    const uint64_t max_reads = 2 * std::bit_width(n) + 2;
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t reads_before = tree.reads();
      auto proof = InclusionProof(tree, i, n);
      ASSERT_TRUE(proof.ok());
      ASSERT_LE(tree.reads() - reads_before, max_reads) << i << "/" << n;
      const Hash leaf = *tree.Node(0, i);
      ASSERT_TRUE(VerifyInclusion(i, n, leaf, *proof, roots[n]).ok()) << i << "/" << n;
      if (!flips) continue;
      for (size_t e = 0; e < proof->size(); ++e) {
        std::vector<Hash> bad = *proof;
        const size_t bit = rng() % 256;
        bad[e][bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        ASSERT_EQ(VerifyInclusion(i, n, leaf, bad, roots[n]).code(), Code::kCorruption)
            << i << "/" << n << " element " << e;
      }
      Hash bad_leaf = leaf;
      bad_leaf[0] ^= 0x80;
      EXPECT_FALSE(VerifyInclusion(i, n, bad_leaf, *proof, roots[n]).ok());
      if (i + 1 < n) {
        EXPECT_FALSE(VerifyInclusion(i + 1, n, leaf, *proof, roots[n]).ok());
      }
      std::vector<Hash> longer = *proof;
      longer.push_back(roots[n]);
      EXPECT_EQ(VerifyInclusion(i, n, leaf, longer, roots[n]).code(), Code::kInvalidArgument);
      if (!proof->empty()) {
        std::vector<Hash> shorter(proof->begin(), proof->end() - 1);
        EXPECT_EQ(VerifyInclusion(i, n, leaf, shorter, roots[n]).code(),
                  Code::kInvalidArgument);
      }
    }
    for (uint64_t m = 1; m <= n; ++m) {
      const uint64_t reads_before = tree.reads();
      auto proof = ConsistencyProof(tree, m, n);
      ASSERT_TRUE(proof.ok());
      ASSERT_LE(tree.reads() - reads_before, max_reads) << m << "->" << n;
      ASSERT_TRUE(VerifyConsistency(m, n, roots[m], roots[n], *proof).ok()) << m << "->" << n;
      if (!flips) continue;
      for (size_t e = 0; e < proof->size(); ++e) {
        std::vector<Hash> bad = *proof;
        const size_t bit = rng() % 256;
        bad[e][bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        ASSERT_EQ(VerifyConsistency(m, n, roots[m], roots[n], bad).code(), Code::kCorruption)
            << m << "->" << n << " element " << e;
      }
      if (m < n) {
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m + 1], roots[n], *proof).ok());
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n - 1], *proof).ok());
        std::vector<Hash> longer = *proof;
        longer.push_back(roots[n]);
        EXPECT_EQ(VerifyConsistency(m, n, roots[m], roots[n], longer).code(),
                  Code::kInvalidArgument);
        std::vector<Hash> shorter(proof->begin(), proof->end() - 1);
        EXPECT_EQ(VerifyConsistency(m, n, roots[m], roots[n], shorter).code(),
                  Code::kInvalidArgument);
      }
    }
  }
}

TEST(FrontierTest, MatchesTreeAtEverySize) {
  constexpr uint64_t kMax = 300;
  MemoryTree tree;
  Frontier frontier;
  std::vector<Hash> leaves;
  EXPECT_EQ(frontier.Root(), EmptyRoot());
  EXPECT_EQ(*Frontier::Load(tree, 0), frontier);
  for (uint64_t n = 0; n < kMax; ++n) {
    const Hash leaf = LeafHash("entry " + std::to_string(n));
    leaves.push_back(leaf);
    tree.Append(leaf);
    std::vector<NodeRef> completed = frontier.Append(leaf);
    const uint64_t size = n + 1;
    ASSERT_EQ(frontier.size(), size);
    // Exactly the nodes whose last leaf is this one, bottom-up.
    ASSERT_EQ(completed.size(), static_cast<size_t>(std::countr_zero(size)) + 1);
    for (size_t l = 0; l < completed.size(); ++l) {
      const NodeRef& node = completed[l];
      EXPECT_EQ(node.level, static_cast<int>(l));
      EXPECT_EQ((node.index + 1) << node.level, size);
      EXPECT_EQ(node.hash, *tree.Node(node.level, node.index));
    }
    EXPECT_EQ(frontier.hashes().size(), static_cast<size_t>(std::popcount(size)));
    const Hash root = *RootAt(tree, size);
    ASSERT_EQ(frontier.Root(), root) << size;
    ASSERT_EQ(RootFromLeafHashes(leaves), root) << size;
    const uint64_t reads_before = tree.reads();
    auto loaded = Frontier::Load(tree, size);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(tree.reads() - reads_before, static_cast<uint64_t>(std::popcount(size)));
    ASSERT_EQ(*loaded, frontier) << size;
    // A frontier loaded at an older size continues to the same state.
    if (size % 37 == 0) {
      Frontier resumed = *Frontier::Load(tree, size / 2);
      for (uint64_t i = size / 2; i < size; ++i) resumed.Append(leaves[i]);
      EXPECT_EQ(resumed, frontier);
    }
  }
}

TEST(RootFromLeafHashesTest, LargeInputsUseTwoThreadsCorrectly) {
  // Sizes around the parallel threshold and with awkward split points.
  for (size_t n : {size_t{1} << 16, (size_t{1} << 16) + 1, size_t{98765},
                   size_t{1} << 17, (size_t{1} << 17) + 12345}) {
    std::vector<Hash> leaves;
    leaves.reserve(n);
    Frontier frontier;
    for (size_t i = 0; i < n; ++i) {
      Hash h{};
      std::memcpy(h.data(), &i, sizeof(i));
      leaves.push_back(h);
      frontier.Append(h);
    }
    EXPECT_EQ(RootFromLeafHashes(leaves), frontier.Root()) << n;
  }
}

}  // namespace
}  // namespace dalil::ledger
