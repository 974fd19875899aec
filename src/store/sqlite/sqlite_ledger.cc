#include "store/sqlite/sqlite_ledger.h"

#include <sodium.h>

#include <unordered_map>

#include "base/text.h"
#include "store/sqlite/rows.h"

namespace dalil::store::sqlite_ledger {
namespace {

using ledger::Hash;
using nlohmann::json;
using sqlite::Database;

std::string_view AsBytes(const Hash& h) {
  return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}

Result<Hash> HashFromColumn(sqlite::Statement& st, int col, const char* what) {
  std::string b = st.Text(col);
  if (b.size() != 32) return Status::Corruption(std::string(what) + " is not a 32-byte hash");
  Hash h;
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

std::string Label(std::string_view entity, int64_t id) {
  return std::string(entity) + " " + std::to_string(id);
}

}  // namespace

Result<Hash> DbTree::Node(int level, uint64_t index) {
  if (level == 0) {
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached("SELECT hash FROM ledger_leaves WHERE idx = ?"));
    st->BindInt(1, static_cast<int64_t>(index));
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::Corruption("leaf " + std::to_string(index) + " is missing");
    return HashFromColumn(*st, 0, "leaf hash");
  }
  DALIL_ASSIGN_OR_RETURN(auto st,
                         db_->Cached("SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?"));
  st->BindInt(1, level);
  st->BindInt(2, static_cast<int64_t>(index));
  DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) {
    return Status::Corruption("tree node " + std::to_string(level) + "/" +
                              std::to_string(index) + " is missing");
  }
  return HashFromColumn(*st, 0, "tree node");
}

Status Append(Database* db, const SensitiveCodec& codec, ledger::Frontier& frontier,
              const Change& c) {
  const uint64_t idx = frontier.size();
  std::string salt, content, sealed;
  bool has_secrets = false;
  if (c.record != nullptr) {
    if (c.spec->HasSensitiveFields()) {
      salt.resize(32);
      randombytes_buf(salt.data(), salt.size());
      json secrets = json::object();
      for (const model::Field& f : c.spec->fields) {
        const json& v = (*c.record)[std::string(f.name)];
        if (f.sensitive && !v.is_null()) secrets[std::string(f.name)] = v;
      }
      if (!secrets.empty()) {
        DALIL_ASSIGN_OR_RETURN(sealed, codec.Seal({"record_versions", "secrets",
                                                   static_cast<int64_t>(idx)},
                                                  secrets.dump()));
        has_secrets = true;
      }
    }
    content = ledger::CanonicalContent(*c.spec, *c.record, salt);
  }
  ledger::Leaf leaf{.sequence = idx,
                    .time = c.time,
                    .actor = std::string(c.actor),
                    .entity = std::string(c.spec->name),
                    .record_id = static_cast<uint64_t>(c.id),
                    .op = c.op,
                    .version = static_cast<uint64_t>(c.version),
                    .content_hash = ledger::ContentHash(c.op, content)};
  const std::string data = ledger::EncodeLeaf(leaf);
  const std::vector<ledger::NodeRef> nodes = frontier.Append(ledger::LeafHash(data));

  {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
        "INSERT INTO record_versions (leaf_index, entity, entity_id, version, op, content, "
        "salt, secrets) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    st->BindInt(1, static_cast<int64_t>(idx));
    st->BindText(2, c.spec->name);
    st->BindInt(3, c.id);
    st->BindInt(4, c.version);
    st->BindInt(5, static_cast<int>(c.op));
    if (c.record) st->BindText(6, content); else st->BindNull(6);
    if (salt.empty()) st->BindNull(7); else st->BindBlob(7, salt);
    if (has_secrets) st->BindBlob(8, sealed); else st->BindNull(8);
    Status s = st->Run();
    if (s.code() == Code::kConflict) {
      return Status::Corruption("the ledger already has version " + std::to_string(c.version) +
                                " of " + Label(c.spec->name, c.id));
    }
    DALIL_RETURN_IF_ERROR(s);
  }
  for (const ledger::NodeRef& n : nodes) {
    if (n.level == 0) {
      DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
          "INSERT INTO ledger_leaves (idx, data, hash) VALUES (?, ?, ?)"));
      st->BindInt(1, static_cast<int64_t>(n.index));
      st->BindBlob(2, data);
      st->BindBlob(3, AsBytes(n.hash));
      DALIL_RETURN_IF_ERROR(st->Run());
    } else {
      DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
          "INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)"));
      st->BindInt(1, n.level);
      st->BindInt(2, static_cast<int64_t>(n.index));
      st->BindBlob(3, AsBytes(n.hash));
      DALIL_RETURN_IF_ERROR(st->Run());
    }
  }
  return Status::Ok();
}

Result<uint64_t> Size(Database* db) {
  DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_leaves"));
  DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
  (void)row;
  return static_cast<uint64_t>(st->Int(0));
}

Result<std::vector<LeafEntry>> Leaves(Database* db, uint64_t start, uint64_t end) {
  DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
      "SELECT idx, data, hash FROM ledger_leaves WHERE idx >= ? AND idx < ? ORDER BY idx"));
  st->BindInt(1, static_cast<int64_t>(start));
  st->BindInt(2, static_cast<int64_t>(end));
  std::vector<LeafEntry> out;
  while (true) {
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    LeafEntry e;
    e.index = static_cast<uint64_t>(st->Int(0));
    e.data = st->Text(1);
    DALIL_ASSIGN_OR_RETURN(e.hash, HashFromColumn(*st, 2, "leaf hash"));
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<VersionEntry>> History(Database* db, const model::EntitySpec& spec,
                                          int64_t id) {
  DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
      "SELECT v.leaf_index, v.version, v.op, v.content, l.data FROM record_versions v "
      "LEFT JOIN ledger_leaves l ON l.idx = v.leaf_index "
      "WHERE v.entity = ? AND v.entity_id = ? ORDER BY v.version"));
  st->BindText(1, spec.name);
  st->BindInt(2, id);
  std::vector<VersionEntry> out;
  while (true) {
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    VersionEntry v;
    v.leaf_index = static_cast<uint64_t>(st->Int(0));
    v.version = st->Int(1);
    v.op = static_cast<ledger::Op>(st->Int(2));
    v.content = st->IsNull(3) ? "" : st->Text(3);
    auto leaf = ledger::DecodeLeaf(st->Text(4));
    if (!leaf.ok()) {
      return Status::Corruption("leaf " + std::to_string(v.leaf_index) + " of " +
                                Label(spec.name, id) + " is damaged; run dalil verify");
    }
    v.time = leaf->time;
    v.actor = leaf->actor;
    v.content_hash = leaf->content_hash;
    out.push_back(std::move(v));
  }
  if (out.empty()) return Status::NotFound("no " + Label(spec.name, id) + " in the ledger");
  return out;
}

Result<std::optional<SignedCheckpoint>> Latest(Database* db) {
  DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
      "SELECT size, root, note, signed_at FROM ledger_checkpoints ORDER BY size DESC LIMIT 1"));
  DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<SignedCheckpoint>();
  SignedCheckpoint cp;
  cp.note = st->Text(2);
  cp.signed_at = st->Text(3);
  auto body_end = cp.note.find("\n\n");
  auto parsed = ledger::ParseCheckpointBody(
      body_end == std::string::npos ? cp.note : cp.note.substr(0, body_end + 1));
  if (!parsed.ok()) return Status::Corruption("the latest stored checkpoint is damaged");
  cp.checkpoint = *parsed;
  return std::optional<SignedCheckpoint>(std::move(cp));
}

Result<SignedCheckpoint> Sign(Database* db, const ledger::Frontier& frontier,
                              const ledger::SigningKey& key, const std::string& now) {
  DALIL_ASSIGN_OR_RETURN(auto latest, Latest(db));
  const uint64_t n = frontier.size();
  if (latest) {
    const ledger::Checkpoint& old = latest->checkpoint;
    if (old.size == n && old.root == frontier.Root()) return *latest;
    if (old.size > n) {
      return Status::Corruption("the log has " + std::to_string(n) +
                                " leaves but a checkpoint was signed at size " +
                                std::to_string(old.size) + "; refusing to sign");
    }
    DbTree tree(db);
    auto root = ledger::RootAt(tree, old.size);
    if (!root.ok() || *root != old.root) {
      return Status::Corruption("the log no longer matches the checkpoint signed at size " +
                                std::to_string(old.size) +
                                "; refusing to sign an inconsistent checkpoint (run dalil verify)");
    }
  }
  SignedCheckpoint cp;
  cp.checkpoint = {key.name, n, frontier.Root()};
  cp.note = ledger::SignNote(key, ledger::CheckpointBody(cp.checkpoint));
  cp.signed_at = now;
  DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
      "INSERT INTO ledger_checkpoints (size, root, note, signed_at) VALUES (?, ?, ?, ?)"));
  st->BindInt(1, static_cast<int64_t>(n));
  st->BindBlob(2, AsBytes(cp.checkpoint.root));
  st->BindText(3, cp.note);
  st->BindText(4, now);
  DALIL_RETURN_IF_ERROR(st->Run());
  return cp;
}

namespace {

struct LeafInfo {
  uint8_t entity = 0xFF;  // index into AllEntities, 0xFF if unknown
  bool ok = false;        // decoded
  bool matched = false;   // has its version row
  ledger::Op op = ledger::Op::kCreate;
  int64_t id = 0;
  int64_t version = 0;
  Hash content_hash{};
};

struct RecordState {
  int64_t last_version = 0;
  uint64_t latest_leaf = 0;
  bool deleted = false;
  bool seen_row = false;
};

uint64_t Key(uint8_t entity, int64_t id) {
  return (static_cast<uint64_t>(entity) << 56) | (static_cast<uint64_t>(id) & ((1ull << 56) - 1));
}

int EntityIndex(std::string_view name) {
  auto all = model::AllEntities();
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i]->name == name) return static_cast<int>(i);
  }
  return -1;
}

// Names the fields where two canonical contents differ.
std::string DifferingFields(const std::string& a, const std::string& b) {
  json ja = json::parse(a, nullptr, false), jb = json::parse(b, nullptr, false);
  if (ja.is_discarded() || jb.is_discarded()) return "content";
  std::string out;
  auto add = [&](const std::string& k) { out += (out.empty() ? "" : ", ") + k; };
  for (auto& [k, v] : ja.items()) {
    if (k == "fields") continue;
    if (jb[k] != v) add(k);
  }
  for (auto& [k, v] : ja["fields"].items()) {
    if (jb["fields"][k] != v) add(k);
  }
  return out.empty() ? "content" : out;
}

}  // namespace

Result<VerifyReport> Verify(Database* db, const SensitiveCodec& codec,
                            const ledger::Verifier& key,
                            const std::optional<std::string>& saved_note) {
  VerifyReport report;
  auto problem = [&](std::string p) {
    // Past a few thousand findings more lines do not help anyone.
    if (report.problems.size() < 10000) report.problems.push_back(std::move(p));
  };
  const auto entities = model::AllEntities();

  // 1. Leaves.
  std::vector<LeafInfo> leaves;
  ledger::MemoryTree tree;
  {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("SELECT idx, data, hash FROM ledger_leaves ORDER BY idx"));
    uint64_t expected = 0;
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      const uint64_t idx = static_cast<uint64_t>(st->Int(0));
      if (idx != expected) {
        problem("leaves " + std::to_string(expected) + " to " + std::to_string(idx - 1) +
                " are missing (removed from the log)");
        // Keep positions aligned with indexes so later checks name the right leaf.
        while (expected < idx) {
          leaves.emplace_back();
          tree.Append(Hash{});
          ++expected;
        }
      }
      ++expected;
      const std::string data = st->Text(1);
      const Hash hash = ledger::LeafHash(data);
      tree.Append(hash);
      if (st->Text(2) != AsBytes(hash)) {
        problem("leaf " + std::to_string(idx) + ": its stored hash does not match its bytes");
      }
      LeafInfo info;
      auto leaf = ledger::DecodeLeaf(data);
      if (!leaf.ok()) {
        problem("leaf " + std::to_string(idx) + " is damaged: " + leaf.status().message());
      } else {
        info.ok = true;
        if (leaf->sequence != idx) {
          problem("leaf " + std::to_string(idx) + " holds sequence number " +
                  std::to_string(leaf->sequence) + " (leaves reordered or replaced)");
        }
        int e = EntityIndex(leaf->entity);
        if (e < 0) problem("leaf " + std::to_string(idx) + " names an unknown kind of record");
        info.entity = e < 0 ? 0xFF : static_cast<uint8_t>(e);
        info.op = leaf->op;
        info.id = static_cast<int64_t>(leaf->record_id);
        info.version = static_cast<int64_t>(leaf->version);
        info.content_hash = leaf->content_hash;
      }
      leaves.push_back(info);
    }
    report.leaves = leaves.size();
  }

  // 2. Versions against leaves, and each record's sequence of versions.
  std::unordered_map<uint64_t, RecordState> records;
  records.reserve(leaves.size());
  {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
        "SELECT leaf_index, entity, entity_id, version, op, content FROM record_versions "
        "ORDER BY leaf_index"));
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      ++report.versions;
      const uint64_t li = static_cast<uint64_t>(st->Int(0));
      const std::string entity = st->Text(1);
      const int64_t id = st->Int(2), version = st->Int(3);
      const int op = static_cast<int>(st->Int(4));
      const std::string what = Label(entity, id) + " version " + std::to_string(version);
      int e = EntityIndex(entity);
      if (e < 0) {
        problem("a version names an unknown kind of record: " + entity);
        continue;
      }
      if (li >= leaves.size() || !leaves[li].ok) {
        problem(what + " is recorded at leaf " + std::to_string(li) +
                ", which is missing or damaged (log truncated or altered)");
      } else {
        LeafInfo& leaf = leaves[li];
        leaf.matched = true;
        if (leaf.entity != e || leaf.id != id || leaf.version != version ||
            static_cast<int>(leaf.op) != op) {
          problem("leaf " + std::to_string(li) + " does not record " + what +
                  " (version row or leaf altered)");
        } else {
          const Hash h = ledger::ContentHash(static_cast<ledger::Op>(op),
                                             st->IsNull(5) ? "" : st->Text(5));
          if (h != leaf.content_hash) {
            problem(what + ": its stored content does not match the hash in leaf " +
                    std::to_string(li) + " (version altered)");
          }
        }
      }
      RecordState& rs = records[Key(static_cast<uint8_t>(e), id)];
      if (rs.deleted) problem(what + " comes after the record was deleted");
      if (version != rs.last_version + 1) {
        problem(Label(entity, id) + ": version " + std::to_string(version) + " follows version " +
                std::to_string(rs.last_version) + " (a version is missing)");
      }
      if ((version == 1) != (op == static_cast<int>(ledger::Op::kCreate))) {
        problem(what + " has operation " + std::to_string(op) +
                " but a record's first version, and only it, is its creation");
      }
      rs.last_version = version;
      rs.latest_leaf = li;
      rs.deleted = op == static_cast<int>(ledger::Op::kDelete);
    }
  }
  for (size_t i = 0; i < leaves.size(); ++i) {
    const LeafInfo& l = leaves[i];
    if (l.ok && !l.matched && l.entity != 0xFF) {
      problem("leaf " + std::to_string(i) + " records " + Label(entities[l.entity]->name, l.id) +
              " version " + std::to_string(l.version) + " (" +
              std::string(ledger::OpName(l.op)) + "), but that version is gone (version deleted)");
    }
  }

  // 3. Every record against its latest version.
  for (size_t e = 0; e < entities.size(); ++e) {
    const model::EntitySpec& spec = *entities[e];
    DALIL_ASSIGN_OR_RETURN(auto rows, db->Cached("SELECT " + SelectColumns(spec) + " FROM " +
                                                 std::string(spec.table) + " ORDER BY id"));
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, rows->Step());
      if (!row) break;
      ++report.records;
      const int64_t id = rows->Int(0);
      auto it = records.find(Key(static_cast<uint8_t>(e), id));
      if (it == records.end()) {
        problem(Label(spec.name, id) + " has no recorded version (inserted outside Dalil)");
        continue;
      }
      RecordState& rs = it->second;
      rs.seen_row = true;
      if (rs.deleted) {
        problem(Label(spec.name, id) + " was deleted at leaf " + std::to_string(rs.latest_leaf) +
                " but is still in the database (restored outside Dalil)");
        continue;
      }
      auto record = RowToJson(*rows, spec, codec);
      if (!record.ok()) {
        problem(Label(spec.name, id) + " cannot be read: " + record.status().message());
        continue;
      }
      DALIL_ASSIGN_OR_RETURN(auto v, db->Cached(
          "SELECT content, salt FROM record_versions WHERE leaf_index = ?"));
      v->BindInt(1, static_cast<int64_t>(rs.latest_leaf));
      DALIL_ASSIGN_OR_RETURN(bool found, v->Step());
      if (!found) continue;
      const std::string stored = v->Text(0);
      const std::string now = ledger::CanonicalContent(spec, *record, v->Text(1));
      if (now != stored) {
        problem(Label(spec.name, id) + " differs from its latest recorded version " +
                std::to_string(rs.last_version) + " (edited outside Dalil): " +
                DifferingFields(stored, now));
      }
    }
  }
  for (const auto& [key, rs] : records) {
    if (!rs.deleted && !rs.seen_row) {
      const auto* spec = entities[key >> 56];
      const int64_t id = static_cast<int64_t>(key & ((1ull << 56) - 1));
      problem(Label(spec->name, id) + " (version " + std::to_string(rs.last_version) +
              ") is missing from the database (deleted outside Dalil)");
    }
  }

  // A saved checkpoint that is not even a signed note cannot be checked.
  if (saved_note) {
    auto cp = ledger::OpenSignedCheckpoint(*saved_note, key);
    if (!cp.ok() && cp.status().code() == Code::kInvalidArgument) {
      return Status::Invalid("checkpoint", cp.status().message());
    }
  }

  // 4. The stored tree and the signed checkpoints.
  const uint64_t n = leaves.size();
  DALIL_ASSIGN_OR_RETURN(Hash rebuilt, ledger::RootAt(tree, n));
  {
    DbTree stored(db);
    auto root = ledger::RootAt(stored, n);
    if (!root.ok()) {
      problem("the stored tree is damaged: " + root.status().message());
    } else if (*root != rebuilt) {
      problem("the stored tree nodes do not match the leaves");
    }
  }
  auto check_checkpoint = [&](const std::string& note, const std::string& what) {
    auto cp = ledger::OpenSignedCheckpoint(note, key);
    if (!cp.ok()) {
      problem(what + ": " + cp.status().message());
      return std::optional<ledger::Checkpoint>();
    }
    if (cp->origin != key.name) problem(what + " is for another log (" + cp->origin + ")");
    if (cp->size > n) {
      problem("the log has " + std::to_string(n) + " leaves but " + what + " is of size " +
              std::to_string(cp->size) + " (log truncated)");
    } else if (*ledger::RootAt(tree, cp->size) != cp->root) {
      problem("the first " + std::to_string(cp->size) + " leaves no longer have the root of " +
              what + " (leaves altered)");
    }
    return std::optional<ledger::Checkpoint>(*cp);
  };
  {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
        "SELECT size, root, note FROM ledger_checkpoints ORDER BY size"));
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      ++report.checkpoints;
      const std::string what = "the checkpoint signed at size " + std::to_string(st->Int(0));
      auto cp = check_checkpoint(st->Text(2), what);
      if (cp && (cp->size != static_cast<uint64_t>(st->Int(0)) || st->Text(1) != AsBytes(cp->root))) {
        problem(what + " is stored with a size or root that differs from its signed note");
      }
      if (cp) report.latest_checkpoint = cp;
    }
  }
  if (saved_note) check_checkpoint(*saved_note, "the saved checkpoint");
  return report;
}

}  // namespace dalil::store::sqlite_ledger
