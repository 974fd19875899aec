#include "ledger/merkle.h"

#include <openssl/evp.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <thread>

namespace dalil::ledger {
namespace {

// OpenSSL 3 looks an algorithm up on every implicit use; fetching it once and
// reusing one context per thread makes a 65-byte node hash about 3x faster
// than the one-shot SHA256().
const EVP_MD* Sha256Md() {
  static const EVP_MD* const md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) std::abort();  // no default provider: unusable
    return fetched;
  }();
  return md;
}

struct CtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// Hashes with this thread's context. Instances must not overlap on a thread.
class Sha256Stream {
 public:
  Sha256Stream() : ctx_(ThreadContext()) {
    Check(EVP_DigestInit_ex2(ctx_, Sha256Md(), nullptr));
  }
  void Update(const void* data, size_t size) {
    Check(EVP_DigestUpdate(ctx_, data, size));
  }
  Hash Final() {
    Hash out;
    unsigned int len = 0;
    Check(EVP_DigestFinal_ex(ctx_, out.data(), &len));
    return out;
  }

 private:
  static EVP_MD_CTX* ThreadContext() {
    thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
    if (ctx == nullptr) std::abort();
    return ctx.get();
  }
  // These fail only on allocation failure inside OpenSSL.
  static void Check(int ok) {
    if (ok != 1) std::abort();
  }
  EVP_MD_CTX* ctx_;
};

// The root of hashes of adjacent subtrees, largest first, folded from the
// right as RFC 6962 does: H(a, H(b, H(c, d))).
Hash FoldRight(std::span<const Hash> hashes) {
  assert(!hashes.empty());
  Hash root = hashes.back();
  for (size_t i = hashes.size() - 1; i-- > 0;) root = NodeHash(hashes[i], root);
  return root;
}

// Reads the perfect subtrees that make up leaves [begin, end), largest
// first, for a range where RFC 6962 takes an MTH: begin is a multiple of the
// largest power of two <= end - begin, so each piece is a stored node.
// popcount(end - begin) reads.
Result<std::vector<Hash>> ReadRange(TreeReader& tree, uint64_t begin,
                                    uint64_t end) {
  assert(begin <= end);
  const uint64_t n = end - begin;
  assert(n == 0 || begin % std::bit_floor(n) == 0);
  std::vector<Hash> hashes;
  hashes.reserve(std::popcount(n));
  uint64_t pos = begin;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((n & width) == 0) continue;
    DALIL_ASSIGN_OR_RETURN(Hash h, tree.Node(level, pos >> level));
    hashes.push_back(h);
    pos += width;
  }
  return hashes;
}

// MTH(D[begin:end]) for a non-empty range aligned as ReadRange requires.
Result<Hash> SubtreeRoot(TreeReader& tree, uint64_t begin, uint64_t end) {
  DALIL_ASSIGN_OR_RETURN(std::vector<Hash> parts, ReadRange(tree, begin, end));
  return FoldRight(parts);
}

// Length of an RFC 9162 inclusion path for index < size: the "inner" part
// below the point where the paths to index and to size - 1 meet, and the
// "border" part above it (one hash per left turn).
struct PathShape {
  int inner;
  int border;
};
PathShape InclusionShape(uint64_t index, uint64_t size) {
  const int inner = std::bit_width(index ^ (size - 1));
  // inner can be 64 only if index and size - 1 differ in bit 63; shifting
  // by 64 is undefined, and the border is then empty.
  const int border = inner >= 64 ? 0 : std::popcount(index >> inner);
  return {inner, border};
}

// A run of adjacent perfect subtrees, merged greedily: pushing a node whose
// left sibling is on top replaces both by their parent. Pushing the nodes
// of [a, b) and then of [b, c) gives the same stack as pushing [a, c).
class NodeStack {
 public:
  NodeStack() { nodes_.reserve(130); }
  void Push(NodeRef node) {
    while (!nodes_.empty() && nodes_.back().level == node.level &&
           (node.index & 1) != 0) {
      assert(nodes_.back().index + 1 == node.index);
      node.hash = NodeHash(nodes_.back().hash, node.hash);
      ++node.level;
      node.index >>= 1;
      nodes_.pop_back();
    }
    nodes_.push_back(node);
  }
  void PushLeaves(std::span<const Hash> leaves, uint64_t first_index) {
    for (size_t i = 0; i < leaves.size(); ++i) {
      Push(NodeRef{0, first_index + i, leaves[i]});
    }
  }
  const std::vector<NodeRef>& nodes() const { return nodes_; }

 private:
  std::vector<NodeRef> nodes_;
};

std::string U64(uint64_t v) { return std::to_string(v); }

}  // namespace

Hash Sha256(std::string_view bytes) {
  Sha256Stream s;
  s.Update(bytes.data(), bytes.size());
  return s.Final();
}

Hash LeafHash(std::string_view leaf) {
  Sha256Stream s;
  const uint8_t prefix = 0x00;
  s.Update(&prefix, 1);
  s.Update(leaf.data(), leaf.size());
  return s.Final();
}

Hash NodeHash(const Hash& left, const Hash& right) {
  uint8_t buf[65];
  buf[0] = 0x01;
  std::memcpy(buf + 1, left.data(), 32);
  std::memcpy(buf + 33, right.data(), 32);
  Sha256Stream s;
  s.Update(buf, sizeof(buf));
  return s.Final();
}

Hash EmptyRoot() {
  static const Hash empty = Sha256("");
  return empty;
}

void MemoryTree::Append(const Hash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  for (size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    const std::vector<Hash>& row = levels_[level];
    const Hash parent = NodeHash(row[row.size() - 2], row.back());
    if (levels_.size() == level + 1) levels_.emplace_back();  // moves rows
    levels_[level + 1].push_back(parent);
  }
}

Result<Hash> MemoryTree::Node(int level, uint64_t index) {
  ++reads_;
  if (level < 0 || static_cast<size_t>(level) >= levels_.size() ||
      index >= levels_[level].size()) {
    return Status::NotFound("no node at level " + std::to_string(level) +
                            " index " + U64(index) + " in a tree of size " +
                            U64(size()));
  }
  return levels_[level][index];
}

Result<Frontier> Frontier::Load(TreeReader& tree, uint64_t size) {
  Frontier f;
  DALIL_ASSIGN_OR_RETURN(f.hashes_, ReadRange(tree, 0, size));
  f.size_ = size;
  return f;
}

std::vector<NodeRef> Frontier::Append(const Hash& leaf_hash) {
  assert(size_ != UINT64_MAX);
  std::vector<NodeRef> completed;
  completed.reserve(std::countr_one(size_) + 1);
  NodeRef node{0, size_, leaf_hash};
  completed.push_back(node);
  // Each set low bit of size_ is a frontier node of that level waiting for
  // its right sibling, which the new node has just become.
  for (uint64_t bits = size_; (bits & 1) != 0; bits >>= 1) {
    node.hash = NodeHash(hashes_.back(), node.hash);
    hashes_.pop_back();
    ++node.level;
    node.index >>= 1;
    completed.push_back(node);
  }
  hashes_.push_back(node.hash);
  ++size_;
  return completed;
}

Hash Frontier::Root() const {
  return hashes_.empty() ? EmptyRoot() : FoldRight(hashes_);
}

Result<Hash> RootAt(TreeReader& tree, uint64_t size) {
  if (size == 0) return EmptyRoot();
  return SubtreeRoot(tree, 0, size);
}

Result<std::vector<Hash>> InclusionProof(TreeReader& tree, uint64_t index,
                                         uint64_t size) {
  if (index >= size) {
    return Status::Invalid("index", "leaf index " + U64(index) +
                                        " is not below the tree size " +
                                        U64(size));
  }
  // RFC 6962 2.1.1, unrolled: walk down from the root of D[begin:end],
  // collecting the sibling of the half holding `index`; the path lists
  // them bottom-up. Only the first right-hand sibling can be an imperfect
  // subtree (after it the range is a power of two), so reads stay O(log n).
  std::vector<Hash> path;
  uint64_t begin = 0;
  uint64_t end = size;
  while (end - begin > 1) {
    const uint64_t k = std::bit_floor(end - begin - 1);
    if (index < begin + k) {
      DALIL_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(tree, begin + k, end));
      path.push_back(h);
      end = begin + k;
    } else {
      DALIL_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(tree, begin, begin + k));
      path.push_back(h);
      begin += k;
    }
  }
  std::reverse(path.begin(), path.end());
  return path;
}

Result<std::vector<Hash>> ConsistencyProof(TreeReader& tree, uint64_t size1,
                                           uint64_t size2) {
  if (size1 == 0) {
    return Status::Invalid("size1",
                           "a consistency proof from the empty tree is not "
                           "defined; size1 must be at least 1");
  }
  if (size1 > size2) {
    return Status::Invalid("size1", "old tree size " + U64(size1) +
                                        " is larger than new tree size " +
                                        U64(size2));
  }
  // RFC 6962 2.1.2 SUBPROOF(m, D[begin:end], b), unrolled top-down; the
  // proof lists the collected hashes bottom-up.
  std::vector<Hash> proof;
  uint64_t begin = 0;
  uint64_t end = size2;
  bool whole_old_tree = true;  // the RFC's b: D[begin:end] ends at the root
  while (size1 != end) {
    const uint64_t k = std::bit_floor(end - begin - 1);
    if (size1 - begin <= k) {
      DALIL_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(tree, begin + k, end));
      proof.push_back(h);
      end = begin + k;
    } else {
      DALIL_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(tree, begin, begin + k));
      proof.push_back(h);
      begin += k;
      whole_old_tree = false;
    }
  }
  if (!whole_old_tree) {
    DALIL_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(tree, begin, end));
    proof.push_back(h);
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root) {
  if (index >= size) {
    return Status::Invalid("index", "leaf index " + U64(index) +
                                        " is not below the tree size " +
                                        U64(size));
  }
  const PathShape shape = InclusionShape(index, size);
  const size_t want = static_cast<size_t>(shape.inner + shape.border);
  if (proof.size() != want) {
    return Status::Invalid(
        "proof", "inclusion proof has " + std::to_string(proof.size()) +
                     " hashes; leaf " + U64(index) + " of a tree of size " +
                     U64(size) + " needs " + std::to_string(want));
  }
  // RFC 9162 2.1.3.2.
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    assert(sn != 0);  // excluded by the length check
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  assert(sn == 0);
  if (r != root) return Status::Corruption("inclusion proof does not match root");
  return Status::Ok();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1,
                         const Hash& root2, std::span<const Hash> proof) {
  if (size1 == 0) {
    return Status::Invalid("size1",
                           "consistency with the empty tree is not checked; "
                           "size1 must be at least 1");
  }
  if (size1 > size2) {
    return Status::Invalid("size1", "old tree size " + U64(size1) +
                                        " is larger than new tree size " +
                                        U64(size2));
  }
  if (size1 == size2) {
    if (!proof.empty()) {
      return Status::Invalid("proof",
                             "consistency proof between equal tree sizes must "
                             "be empty, has " +
                                 std::to_string(proof.size()) + " hashes");
    }
    if (root1 != root2) {
      return Status::Corruption("roots differ for equal tree sizes " +
                                U64(size1));
    }
    return Status::Ok();
  }

  // The proof is the inclusion path of leaf size1 - 1 in the new tree, minus
  // the levels below the largest perfect subtree that ends at size1 (its root
  // is the first hash, or root1 itself if size1 is a power of two).
  const PathShape shape = InclusionShape(size1 - 1, size2);
  const int shift = std::countr_zero(size1);
  const bool old_is_perfect = std::has_single_bit(size1);
  const size_t want = static_cast<size_t>(shape.inner - shift + shape.border +
                                          (old_is_perfect ? 0 : 1));
  if (proof.size() != want) {
    return Status::Invalid(
        "proof", "consistency proof has " + std::to_string(proof.size()) +
                     " hashes; sizes " + U64(size1) + " -> " + U64(size2) +
                     " need " + std::to_string(want));
  }

  // RFC 9162 2.1.4.2, with root1 standing in as the first element when
  // size1 is a power of two.
  const Hash& first = old_is_perfect ? root1 : proof[0];
  std::span<const Hash> rest = old_is_perfect ? proof : proof.subspan(1);
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = first;
  Hash sr = first;
  for (const Hash& c : rest) {
    assert(sn != 0);  // excluded by the length check
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  assert(sn == 0);
  if (fr != root1) {
    return Status::Corruption("consistency proof does not match root1 (size " +
                              U64(size1) + ")");
  }
  if (sr != root2) {
    return Status::Corruption("consistency proof does not match root2 (size " +
                              U64(size2) + ")");
  }
  return Status::Ok();
}

Hash RootFromLeafHashes(std::span<const Hash> leaf_hashes) {
  const size_t n = leaf_hashes.size();
  if (n == 0) return EmptyRoot();
  NodeStack left;
  constexpr size_t kParallelFrom = size_t{1} << 16;
  bool done = false;
  if (n >= kParallelFrom) {
    // Any split point works: the right half's stack is pushed onto the left
    // one, which finishes the nodes straddling the split.
    const size_t split = n / 2;
    NodeStack right;
    try {
      std::thread worker([&right, leaf_hashes, split] {
        right.PushLeaves(leaf_hashes.subspan(split), split);
      });
      left.PushLeaves(leaf_hashes.first(split), 0);
      worker.join();
      for (const NodeRef& node : right.nodes()) left.Push(node);
      done = true;
    } catch (const std::system_error&) {
      left = NodeStack();  // no thread: do it all here
    }
  }
  if (!done) left.PushLeaves(leaf_hashes, 0);

  // The stack is now the frontier of [0, n): perfect subtrees, largest first.
  const std::vector<NodeRef>& nodes = left.nodes();
  Hash root = nodes.back().hash;
  for (size_t i = nodes.size() - 1; i-- > 0;) root = NodeHash(nodes[i].hash, root);
  return root;
}

}  // namespace dalil::ledger
