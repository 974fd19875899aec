// The Merkle tree of the tamper-evident ledger: RFC 6962 / RFC 9162 hashing,
// inclusion and consistency proofs, and their verification.
//
// Hashing (RFC 6962 section 2.1):
//   leaf hash   = SHA-256(0x00 || leaf)
//   node hash   = SHA-256(0x01 || left || right)
//   empty root  = SHA-256("")
//   MTH(D[n])   = NodeHash(MTH(D[0:k]), MTH(D[k:n])), k the largest power of
//                 two smaller than n.
//
// Storage model: a tree is kept as the hashes of its *perfect subtrees*.
// Node (level L, index i) is the root of leaves [i * 2^L, (i + 1) * 2^L);
// level 0 holds the leaf hashes. A node exists once all of its leaves do and
// never changes afterwards, so a store only ever appends nodes. Any subtree
// hash MTH(D[a:b]) that RFC 6962 needs is composed from at most
// 64 such nodes, so roots and proofs cost O(log n) node reads, never a
// rebuild.
//
// Thread safety: the free functions are safe to call from any thread (each
// thread hashes with its own OpenSSL context); a TreeReader, MemoryTree or
// Frontier must be used by one thread at a time.
//
// Nothing here throws; functions that read a TreeReader return its errors.
// The pure hash functions cannot fail except by running out of memory inside
// OpenSSL, which aborts the process.
#ifndef DALIL_LEDGER_MERKLE_H_
#define DALIL_LEDGER_MERKLE_H_

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dalil::ledger {

using Hash = std::array<uint8_t, 32>;

// SHA-256 of `bytes` (OpenSSL, so SHA-NI where the CPU has it). Thread safe.
Hash Sha256(std::string_view bytes);
// SHA-256(0x00 || leaf): the hash of one log entry.
Hash LeafHash(std::string_view leaf);
// SHA-256(0x01 || left || right): an interior node.
Hash NodeHash(const Hash& left, const Hash& right);
// SHA-256(""): the root of the empty tree.
Hash EmptyRoot();

// Read access to the stored perfect-subtree nodes of one tree.
class TreeReader {
 public:
  virtual ~TreeReader() = default;
  // The node at (level, index), 0 <= level < 64. Must return an error
  // (kNotFound is conventional) for a node that is not complete in the
  // stored tree; other codes (kIoError, kCorruption) pass through every
  // function below unchanged.
  virtual Result<Hash> Node(int level, uint64_t index) = 0;
};

// One stored node: the root of leaves [index << level, (index + 1) << level).
struct NodeRef {
  int level = 0;
  uint64_t index = 0;
  Hash hash{};
  bool operator==(const NodeRef&) const = default;
};

// A whole tree in memory, every level in a vector: for tests, benchmarks and
// small in-process logs. Memory is about 2 * 32 bytes per leaf. Not thread
// safe.
class MemoryTree : public TreeReader {
 public:
  // Adds a leaf hash and every node it completes: amortised O(1) hashes.
  void Append(const Hash& leaf_hash);
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  // kNotFound for a level or index outside the current tree.
  Result<Hash> Node(int level, uint64_t index) override;
  // How many Node() calls were made so far (to check read costs in tests).
  uint64_t reads() const { return reads_; }

 private:
  std::vector<std::vector<Hash>> levels_;
  uint64_t reads_ = 0;
};

// The compact range of a tree of size n: the roots of the perfect subtrees on
// its right edge, one per set bit of n, largest (leftmost) first. Enough to
// append leaves and compute the root without reading the store. At most 64
// hashes.
class Frontier {
 public:
  Frontier() = default;  // the empty tree

  // Rebuilds the frontier of the first `size` leaves of `tree` with
  // popcount(size) <= 64 reads. Errors: those of the reader (a size larger
  // than the stored tree reads missing nodes).
  static Result<Frontier> Load(TreeReader& tree, uint64_t size);

  // Appends one leaf hash and returns every node this completes, bottom-up:
  // the leaf itself {0, size, leaf_hash} first, then each parent it
  // finished, so a store can persist exactly these. O(log n) hashes worst
  // case, amortised O(1). The tree must hold fewer than 2^64 - 1 leaves.
  std::vector<NodeRef> Append(const Hash& leaf_hash);

  // The RFC 6962 root of the current size; EmptyRoot() for size 0.
  // popcount(size) - 1 hashes.
  Hash Root() const;
  uint64_t size() const { return size_; }
  // The frontier hashes, largest subtree first; hashes()[j] is the node at
  // the level of the j-th highest set bit of size().
  std::span<const Hash> hashes() const { return hashes_; }

  bool operator==(const Frontier&) const = default;

 private:
  uint64_t size_ = 0;
  std::vector<Hash> hashes_;
};

// The root of the first `size` leaves of `tree` (EmptyRoot() for 0), from at
// most popcount(size) reads. Errors: those of the reader.
Result<Hash> RootAt(TreeReader& tree, uint64_t size);

// The audit path PATH(index, D[0:size]) of RFC 6962 section 2.1.1, ordered
// from the leaf's sibling up to the child of the root. At most ~2 log2(size)
// reads. Errors: kInvalidArgument if index >= size (so always for size 0);
// otherwise those of the reader.
Result<std::vector<Hash>> InclusionProof(TreeReader& tree, uint64_t index,
                                         uint64_t size);

// The consistency proof PROOF(size1, D[0:size2]) of RFC 6962 section 2.1.2,
// in RFC order. Empty when size1 == size2. At most ~2 log2(size2) reads.
// Errors: kInvalidArgument if size1 > size2, or if size1 == 0: like the
// reference implementation (transparency-dev/merkle) a proof from the empty
// tree is refused, even 0 -> 0, as it proves nothing. Otherwise those of the
// reader.
Result<std::vector<Hash>> ConsistencyProof(TreeReader& tree, uint64_t size1,
                                           uint64_t size2);

// Checks that `leaf_hash` is leaf `index` of the tree of `size` leaves whose
// root is `root`, by RFC 9162 section 2.1.3.2. O(log size) hashes.
// OK, or:
//   kInvalidArgument  index >= size, or proof.size() is not exactly the
//                     length of a path for (index, size);
//   kCorruption       "proof does not match root".
Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root);

// Checks that the tree of size2 leaves with root `root2` extends the tree of
// size1 leaves with root `root1`, by RFC 9162 section 2.1.4.2. O(log size2)
// hashes. OK, or:
//   kInvalidArgument  size1 == 0 (refused, see ConsistencyProof),
//                     size1 > size2, or proof.size() is not exactly the
//                     length of a proof for (size1, size2) (for
//                     size1 == size2 that length is 0);
//   kCorruption       "proof does not match root" (root1 or root2), or for
//                     size1 == size2, "roots differ for equal sizes".
Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1,
                         const Hash& root2, std::span<const Hash> proof);

// The RFC 6962 root of a whole list of leaf hashes (EmptyRoot() for none),
// computed bottom-up with an O(log n) stack: exactly n - 1 node hashes, no
// recursion, no copy of the input. From 2^16 leaves on the work is split over
// two threads (falling back to one if a thread cannot be started).
Hash RootFromLeafHashes(std::span<const Hash> leaf_hashes);

}  // namespace dalil::ledger

#endif  // DALIL_LEDGER_MERKLE_H_
