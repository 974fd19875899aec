#include "store/sqlite/sqlite_ledger.h"

#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <map>
#include <thread>
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

Result<Hash> HashAt(std::string_view bytes, size_t offset, const char* what) {
  if (bytes.size() < offset + 32) return Status::Corruption(std::string(what) + " is missing");
  Hash h;
  std::copy(bytes.begin() + offset, bytes.begin() + offset + 32, h.begin());
  return h;
}

std::string Label(std::string_view entity, int64_t id) {
  return std::string(entity) + " " + std::to_string(id);
}

std::string Leaf(uint64_t i) { return "leaf " + std::to_string(i); }

}  // namespace

// Node (level, index) is completed by leaf (index + 1) * 2^level - 1 and is
// stored at offset 32 * level of that leaf's hashes.
Result<Hash> DbTree::Node(int level, uint64_t index) {
  const uint64_t row = ((index + 1) << level) - 1;
  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached("SELECT substr(hashes, ?, 32) FROM ledger WHERE idx = ?"));
  st->BindInt(1, 32 * level + 1);
  st->BindInt(2, static_cast<int64_t>(row));
  DALIL_ASSIGN_OR_RETURN(bool found, st->Step());
  if (!found) return Status::Corruption(Leaf(row) + " is missing");
  return HashAt(st->Text(0), 0, ("tree node " + std::to_string(level) + "/" +
                                 std::to_string(index)).c_str());
}

namespace {

// Writes the ledger row of `leaf` (whose sequence is frontier.size()) with
// the tree nodes it completes, and advances `frontier`.
Status InsertLeaf(Database* db, ledger::Frontier& frontier, const ledger::Leaf& leaf,
                  std::optional<uint64_t> prev, const std::string* content, std::string_view salt,
                  const std::string* sealed) {
  const std::string data = ledger::EncodeLeaf(leaf);
  std::string hashes;
  for (const ledger::NodeRef& n : frontier.Append(ledger::LeafHash(data))) {
    hashes.append(AsBytes(n.hash));
  }
  DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
      "INSERT INTO ledger (idx, leaf, hashes, prev, content, salt, secrets) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  st->BindInt(1, static_cast<int64_t>(leaf.sequence));
  st->BindBlob(2, data);
  st->BindBlob(3, hashes);
  if (prev) st->BindInt(4, static_cast<int64_t>(*prev)); else st->BindNull(4);
  if (content) st->BindText(5, *content); else st->BindNull(5);
  if (salt.empty()) st->BindNull(6); else st->BindBlob(6, salt);
  if (sealed) st->BindBlob(7, *sealed); else st->BindNull(7);
  return st->Run();
}

}  // namespace

Status Append(Database* db, const SensitiveCodec& codec, ledger::Frontier& frontier,
              const Change& c) {
  const uint64_t idx = frontier.size();
  std::string salt, content, sealed;
  bool has_secrets = false;
  auto seal = [&](const json& secrets) -> Status {
    if (secrets.is_null() || secrets.empty()) return Status::Ok();
    DALIL_ASSIGN_OR_RETURN(sealed, codec.Seal({"ledger", "secrets", static_cast<int64_t>(idx)},
                                              secrets.dump()));
    has_secrets = true;
    return Status::Ok();
  };
  if (c.content != nullptr) {
    salt = c.salt;
    if (c.secrets != nullptr) DALIL_RETURN_IF_ERROR(seal(*c.secrets));
    content = *c.content;
  } else if (c.record != nullptr) {
    if (c.spec->HasSensitiveFields()) {
      salt.resize(32);
      randombytes_buf(salt.data(), salt.size());
      json secrets = json::object();
      for (const model::Field& f : c.spec->fields) {
        const json& v = (*c.record)[std::string(f.name)];
        if (f.sensitive && !v.is_null()) secrets[std::string(f.name)] = v;
      }
      DALIL_RETURN_IF_ERROR(seal(secrets));
    }
    content = ledger::CanonicalContent(*c.spec, *c.record, salt);
  }
  const ledger::Leaf leaf{.sequence = idx,
                          .time = c.time,
                          .actor = std::string(c.actor),
                          .entity = std::string(c.spec->name),
                          .record_id = static_cast<uint64_t>(c.id),
                          .op = c.op,
                          .version = static_cast<uint64_t>(c.version),
                          .content_hash = ledger::ContentHash(c.op, content)};
  const bool has_content = c.record != nullptr || c.content != nullptr;
  DALIL_RETURN_IF_ERROR(InsertLeaf(db, frontier, leaf, c.prev, has_content ? &content : nullptr, salt,
                                   has_secrets ? &sealed : nullptr));
  if (c.op == ledger::Op::kDelete) {
    DALIL_ASSIGN_OR_RETURN(auto t, db->Cached(
        "INSERT INTO ledger_tombstones (entity, entity_id, leaf) VALUES (?, ?, ?)"));
    t->BindText(1, c.spec->name);
    t->BindInt(2, c.id);
    t->BindInt(3, static_cast<int64_t>(idx));
    DALIL_RETURN_IF_ERROR(t->Run());
  }
  return Status::Ok();
}

Status CatchUp(Database* db, ledger::Frontier& frontier) {
  DALIL_ASSIGN_OR_RETURN(uint64_t n, Size(db));
  if (n == frontier.size()) return Status::Ok();
  DbTree tree(db);
  auto loaded = ledger::Frontier::Load(tree, n);
  if (!loaded.ok()) {
    return Status::Corruption("the ledger's tree cannot be loaded (" + loaded.status().message() +
                              "); run dalil verify");
  }
  frontier = std::move(loaded).value();
  return Status::Ok();
}

const std::vector<EventTable>& EventTables() {
  static const std::vector<EventTable> kTables = {
      {ledger::kAccountEvent, "account_audit", {"action", "user_id", "organisation_id", "detail"},
       {"detail"}},
      {ledger::kReveal, "reveals", {"user_id", "organisation_id", "entity", "record_id", "fields"},
       {"fields"}},
  };
  return kTables;
}

namespace {

const EventTable* FindEventTable(std::string_view kind) {
  for (const EventTable& t : EventTables()) {
    if (t.kind == kind) return &t;
  }
  return nullptr;
}

std::string EventSelect(const EventTable& t) {
  std::string sql = "SELECT id, at, actor";
  for (std::string_view c : t.columns) sql += ", " + std::string(c);
  return sql + " FROM " + std::string(t.table);
}

// The canonical content of the event row `st` points at (EventSelect).
Result<std::string> EventRowContent(const EventTable& t, const sqlite::Statement& st) {
  json event = json::object();
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const int col = 3 + static_cast<int>(i);
    const std::string name(t.columns[i]);
    if (st.IsNull(col)) continue;
    const bool is_json = std::find(t.json_columns.begin(), t.json_columns.end(), t.columns[i]) !=
                         t.json_columns.end();
    if (is_json) {
      json v = json::parse(st.Text(col), nullptr, /*allow_exceptions=*/false);
      if (v.is_discarded()) {
        return Status::Corruption(std::string(t.table) + " row " + std::to_string(st.Int(0)) +
                                  ": column " + name + " is not JSON");
      }
      event[name] = std::move(v);
    } else if (st.ColumnType(col) == SQLITE_INTEGER) {
      event[name] = st.Int(col);
    } else {
      event[name] = st.Text(col);
    }
  }
  return ledger::EventContent(t.kind, st.Int(0), st.Int(1), st.Text(2), event);
}

// Appends the leaf of the event row `st` points at.
Result<uint64_t> AppendEventRow(Database* db, ledger::Frontier& frontier, const EventTable& t,
                                const sqlite::Statement& st) {
  DALIL_ASSIGN_OR_RETURN(std::string content, EventRowContent(t, st));
  const uint64_t idx = frontier.size();
  const ledger::Leaf leaf{.sequence = idx,
                          .time = static_cast<uint64_t>(st.Int(1)),
                          .actor = st.Text(2),
                          .entity = std::string(t.kind),
                          .record_id = static_cast<uint64_t>(st.Int(0)),
                          .op = ledger::Op::kCreate,
                          .version = 1,
                          .content_hash = ledger::ContentHash(ledger::Op::kCreate, content)};
  DALIL_RETURN_IF_ERROR(InsertLeaf(db, frontier, leaf, std::nullopt, &content, "", nullptr));
  return idx;
}

}  // namespace

Result<uint64_t> AppendEvent(Database* db, ledger::Frontier& frontier, std::string_view kind,
                             int64_t id) {
  const EventTable* t = FindEventTable(kind);
  if (t == nullptr) return Status::Internal("no event table for " + std::string(kind));
  DALIL_RETURN_IF_ERROR(CatchUp(db, frontier));
  DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(EventSelect(*t) + " WHERE id = ?"));
  st->BindInt(1, id);
  DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return Status::Internal(std::string(t->table) + " has no row " + std::to_string(id));
  return AppendEventRow(db, frontier, *t, *st);
}

Status AppendAllEvents(Database* db, ledger::Frontier& frontier, std::string_view kind) {
  const EventTable* t = FindEventTable(kind);
  if (t == nullptr) return Status::Internal("no event table for " + std::string(kind));
  DALIL_RETURN_IF_ERROR(CatchUp(db, frontier));
  DALIL_ASSIGN_OR_RETURN(sqlite::Statement st, db->Prepare(EventSelect(*t) + " ORDER BY id"));
  while (true) {
    DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::Ok();
    DALIL_ASSIGN_OR_RETURN(uint64_t idx, AppendEventRow(db, frontier, *t, st));
    (void)idx;
  }
}

Result<int64_t> MaxIdEver(Database* db, const model::EntitySpec& spec) {
  DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
      "SELECT MAX(COALESCE((SELECT MAX(id) FROM " + std::string(spec.table) +
      "), 0), COALESCE((SELECT MAX(entity_id) FROM ledger_tombstones WHERE entity = ?), 0))"));
  st->BindText(1, spec.name);
  DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
  (void)row;
  return st->Int(0);
}

Result<uint64_t> Size(Database* db) {
  DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger"));
  DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
  (void)row;
  return static_cast<uint64_t>(st->Int(0));
}

Result<std::vector<LeafEntry>> Leaves(Database* db, uint64_t start, uint64_t end) {
  DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
      "SELECT idx, leaf, substr(hashes, 1, 32) FROM ledger WHERE idx >= ? AND idx < ? ORDER BY idx"));
  st->BindInt(1, static_cast<int64_t>(start));
  st->BindInt(2, static_cast<int64_t>(end));
  std::vector<LeafEntry> out;
  while (true) {
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    LeafEntry e;
    e.index = static_cast<uint64_t>(st->Int(0));
    e.data = st->Text(1);
    DALIL_ASSIGN_OR_RETURN(e.hash, HashAt(st->Text(2), 0, "leaf hash"));
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<VersionEntry>> History(Database* db, const model::EntitySpec& spec, int64_t id) {
  // The chain starts at the live record's latest leaf, or at its tombstone.
  std::optional<uint64_t> head;
  {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("SELECT ledger_leaf FROM " + std::string(spec.table) +
                                               " WHERE id = ?"));
    st->BindInt(1, id);
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (row && !st->IsNull(0)) head = static_cast<uint64_t>(st->Int(0));
  }
  if (!head) {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
        "SELECT leaf FROM ledger_tombstones WHERE entity = ? AND entity_id = ?"));
    st->BindText(1, spec.name);
    st->BindInt(2, id);
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (row) head = static_cast<uint64_t>(st->Int(0));
  }
  if (!head) return Status::NotFound("no " + Label(spec.name, id) + " in the ledger");
  std::vector<VersionEntry> out;
  std::optional<uint64_t> next = head;
  DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("SELECT leaf, prev, content FROM ledger WHERE idx = ?"));
  while (next) {
    st->Reset();
    st->BindInt(1, static_cast<int64_t>(*next));
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    auto leaf = row ? ledger::DecodeLeaf(st->Text(0)) : Result<ledger::Leaf>(Status::Corruption("missing"));
    if (!leaf.ok() || leaf->entity != spec.name || leaf->record_id != static_cast<uint64_t>(id) ||
        out.size() > 1000000) {
      return Status::Corruption("the history of " + Label(spec.name, id) + " is damaged at " +
                                Leaf(*next) + "; run dalil verify");
    }
    VersionEntry v;
    v.leaf_index = *next;
    v.version = static_cast<int64_t>(leaf->version);
    v.op = leaf->op;
    v.time = leaf->time;
    v.actor = leaf->actor;
    v.content = st->IsNull(2) ? "" : st->Text(2);
    v.content_hash = leaf->content_hash;
    out.push_back(std::move(v));
    next = st->IsNull(1) ? std::nullopt : std::optional<uint64_t>(st->Int(1));
    if (next && *next >= out.back().leaf_index) {
      return Status::Corruption("the history of " + Label(spec.name, id) + " loops; run dalil verify");
    }
  }
  std::reverse(out.begin(), out.end());
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

// What the ledger says about one record.
struct RecordState {
  uint64_t latest_leaf = 0;
  int64_t last_version = 0;
  Hash content_hash{};
  bool deleted = false;
  bool seen_row = false;
};

// What the records table says about one record.
struct RowDigest {
  uint8_t entity = 0;
  int64_t id = 0;
  std::optional<uint64_t> leaf;
  Hash content_hash{};
  std::string error;  // the row could not be read
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

class Problems {
 public:
  void Add(std::string p) {
    // Past a few thousand findings more lines do not help anyone.
    if (list_.size() < 10000) list_.push_back(std::move(p));
  }
  std::vector<std::string>& list() { return list_; }

 private:
  std::vector<std::string> list_;
};

// Names the fields where two canonical contents differ.
std::string DifferingFields(const std::string& a, const std::string& b) {
  json ja = json::parse(a, nullptr, false), jb = json::parse(b, nullptr, false);
  if (ja.is_discarded() || jb.is_discarded()) return "content";
  std::string out;
  auto add = [&](const std::string& k) { out += (out.empty() ? "" : ", ") + k; };
  for (auto& [k, v] : ja.items()) {
    if (k != "fields" && jb[k] != v) add(k);
  }
  for (auto& [k, v] : ja["fields"].items()) {
    if (jb["fields"][k] != v) add(k);
  }
  return out.empty() ? "content" : out;
}

// Hashes the canonical content of every record (the second thread).
Status DigestRecords(Database* db, const SensitiveCodec& codec, std::vector<RowDigest>* out) {
  const auto entities = model::AllEntities();
  for (size_t e = 0; e < entities.size(); ++e) {
    const model::EntitySpec& spec = *entities[e];
    DALIL_ASSIGN_OR_RETURN(auto rows, db->Cached("SELECT " + SelectColumns(spec) + ", ledger_leaf FROM " +
                                                 std::string(spec.table) + " ORDER BY id"));
    const int leaf_col = 6 + static_cast<int>(spec.fields.size());
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, rows->Step());
      if (!row) break;
      RowDigest d;
      d.entity = static_cast<uint8_t>(e);
      d.id = rows->Int(0);
      if (!rows->IsNull(leaf_col)) d.leaf = static_cast<uint64_t>(rows->Int(leaf_col));
      auto record = RowToJson(*rows, spec, codec);
      if (!record.ok()) {
        d.error = record.status().message();
        out->push_back(std::move(d));
        continue;
      }
      std::string salt;
      if (spec.HasSensitiveFields() && d.leaf) {
        DALIL_ASSIGN_OR_RETURN(auto s, db->Cached("SELECT salt FROM ledger WHERE idx = ?"));
        s->BindInt(1, static_cast<int64_t>(*d.leaf));
        DALIL_ASSIGN_OR_RETURN(bool found, s->Step());
        if (found && !s->IsNull(0)) salt = s->Text(0);
      }
      d.content_hash = ledger::Sha256(ledger::CanonicalContent(spec, *record, salt));
      out->push_back(std::move(d));
    }
  }
  return Status::Ok();
}

// What an event table says about one event.
struct EventDigest {
  size_t table = 0;  // index in EventTables()
  int64_t id = 0;
  Hash content_hash{};
  std::string error;  // the row could not be read
};

// What the log says about one event.
struct EventLeaf {
  uint64_t leaf = 0;
  Hash content_hash{};
  bool seen_row = false;
};

Status DigestEvents(Database* db, std::vector<EventDigest>* out) {
  const auto& tables = EventTables();
  for (size_t t = 0; t < tables.size(); ++t) {
    DALIL_ASSIGN_OR_RETURN(sqlite::Statement st, db->Prepare(EventSelect(tables[t]) + " ORDER BY id"));
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      EventDigest d{.table = t, .id = st.Int(0)};
      auto content = EventRowContent(tables[t], st);
      if (content.ok()) d.content_hash = ledger::Sha256(*content);
      else d.error = content.status().message();
      out->push_back(std::move(d));
    }
  }
  return Status::Ok();
}

// Section 5, check 2, for an event leaf: a create at version 1 pointing
// back at nothing, with content hashing to the leaf's content hash, and
// each event recorded once.
void CheckEventLeaf(uint64_t idx, const ledger::Leaf& leaf, bool no_prev,
                    const std::optional<std::string>& content,
                    std::map<std::pair<std::string, int64_t>, EventLeaf>& events,
                    Problems& problems) {
  const int64_t id = static_cast<int64_t>(leaf.record_id);
  const std::string what = Label(leaf.entity, id) + " at " + Leaf(idx);
  if (leaf.op != ledger::Op::kCreate || leaf.version != 1 || !no_prev) {
    problems.Add(what + " is not a single create at version 1 (an event is never changed)");
  }
  if (!content) {
    problems.Add(what + ": its content is missing");
  } else if (ledger::Sha256(*content) != leaf.content_hash) {
    problems.Add(what + ": its stored content does not match the hash in " + Leaf(idx) +
                 " (event altered)");
  }
  auto [it, inserted] = events.try_emplace({leaf.entity, id}, EventLeaf{idx, leaf.content_hash});
  if (!inserted) {
    problems.Add(what + " records the same event as " + Leaf(it->second.leaf) +
                 " (event recorded twice)");
  }
}

struct CheckpointRow {
  uint64_t size;
  std::string root;
  std::string note;
};

}  // namespace

Result<VerifyReport> Verify(Database* log_db, Database* records_db, const SensitiveCodec& codec,
                            const ledger::Verifier& key, const std::optional<std::string>& saved_note) {
  VerifyReport report;
  Problems problems;
  const auto entities = model::AllEntities();

  // A saved checkpoint that is not even a signed note cannot be checked.
  std::optional<ledger::Checkpoint> saved;
  Status saved_status;
  if (saved_note) {
    auto cp = ledger::OpenSignedCheckpoint(*saved_note, key);
    if (!cp.ok() && cp.status().code() == Code::kInvalidArgument) {
      return Status::Invalid("checkpoint", cp.status().message());
    }
    if (cp.ok()) saved = *cp; else saved_status = cp.status();
  }

  // The records are hashed on a second thread while this one reads the log.
  std::vector<RowDigest> digests;
  std::vector<EventDigest> event_digests;
  Status digest_status;
  std::thread digester([&] {
    digest_status = DigestRecords(records_db, codec, &digests);
    if (digest_status.ok()) digest_status = DigestEvents(records_db, &event_digests);
  });

  std::vector<CheckpointRow> checkpoints;
  {
    DALIL_ASSIGN_OR_RETURN(auto st, log_db->Cached(
        "SELECT size, root, note FROM ledger_checkpoints ORDER BY size"));
    while (true) {
      auto row = st->Step();
      if (!row.ok()) {
        digester.join();
        return row.status();
      }
      if (!*row) break;
      checkpoints.push_back({static_cast<uint64_t>(st->Int(0)), st->Text(1), st->Text(2)});
    }
  }
  // Roots the scan must remember: at each checkpoint's size.
  std::map<uint64_t, std::optional<Hash>> roots_at;
  for (const auto& c : checkpoints) roots_at[c.size];
  if (saved) roots_at[saved->size];
  if (roots_at.count(0)) roots_at[0] = ledger::EmptyRoot();

  // 1. The log, leaf by leaf.
  std::unordered_map<uint64_t, RecordState> records;
  std::map<std::pair<std::string, int64_t>, EventLeaf> events;  // (kind, id)
  ledger::Frontier frontier;
  bool tree_intact = true;  // false after a missing leaf: the tree cannot be rebuilt
  uint64_t node_mismatches = 0;
  uint64_t expected = 0;
  Status scan = [&]() -> Status {
    DALIL_ASSIGN_OR_RETURN(auto st, log_db->Cached(
        "SELECT idx, leaf, hashes, prev, content FROM ledger ORDER BY idx"));
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      const uint64_t idx = static_cast<uint64_t>(st->Int(0));
      if (idx != expected) {
        problems.Add("leaves " + std::to_string(expected) + " to " + std::to_string(idx - 1) +
                     " are missing (removed from the log)");
        tree_intact = false;
      }
      expected = idx + 1;
      ++report.leaves;
      const std::string data = st->Text(1);
      const std::string stored = st->Text(2);
      const Hash leaf_hash = ledger::LeafHash(data);
      if (tree_intact) {
        std::string want;
        for (const auto& n : frontier.Append(leaf_hash)) want.append(AsBytes(n.hash));
        if (stored.substr(0, 32) != want.substr(0, 32)) {
          problems.Add(Leaf(idx) + ": its stored hash does not match its bytes");
        } else if (stored != want) {
          // One altered leaf changes every node above it: name the first
          // few, count the rest.
          if (++node_mismatches <= 3) {
            problems.Add(Leaf(idx) + ": the tree nodes stored with it do not match the leaves "
                         "(tree altered)");
          }
        }
        auto r = roots_at.find(frontier.size());
        if (r != roots_at.end()) r->second = frontier.Root();
      }
      auto leaf = ledger::DecodeLeaf(data);
      if (!leaf.ok()) {
        problems.Add(Leaf(idx) + " is damaged: " + leaf.status().message());
        continue;
      }
      if (leaf->sequence != idx) {
        problems.Add(Leaf(idx) + " holds sequence number " + std::to_string(leaf->sequence) +
                     " (leaves reordered or replaced)");
      }
      if (ledger::IsEventKind(leaf->entity)) {
        CheckEventLeaf(idx, *leaf, st->IsNull(3),
                       st->IsNull(4) ? std::nullopt : std::optional<std::string>(st->Text(4)),
                       events, problems);
        continue;
      }
      const int e = EntityIndex(leaf->entity);
      if (e < 0) {
        problems.Add(Leaf(idx) + " names an unknown kind of record");
        continue;
      }
      const int64_t id = static_cast<int64_t>(leaf->record_id);
      const int64_t version = static_cast<int64_t>(leaf->version);
      const std::string what = Label(leaf->entity, id) + " version " + std::to_string(version);
      const bool has_content = !st->IsNull(4);
      if (has_content == (leaf->op == ledger::Op::kDelete)) {
        problems.Add(what + " at " + Leaf(idx) + ": its content is " +
                     (has_content ? "present on a delete" : "missing (version deleted)"));
      } else if (ledger::ContentHash(leaf->op, has_content ? st->Text(4) : "") != leaf->content_hash) {
        problems.Add(what + ": its stored content does not match the hash in " + Leaf(idx) +
                     " (version altered)");
      }
      RecordState& rs = records[Key(static_cast<uint8_t>(e), id)];
      // -1 stands for "none" (a create points back at nothing).
      const int64_t prev = st->IsNull(3) ? -1 : st->Int(3);
      const int64_t want_prev = rs.last_version == 0 ? -1 : static_cast<int64_t>(rs.latest_leaf);
      if (rs.deleted) problems.Add(what + " at " + Leaf(idx) + " comes after the record was deleted");
      if (version != rs.last_version + 1) {
        problems.Add(Label(leaf->entity, id) + ": version " + std::to_string(version) + " at " +
                     Leaf(idx) + " follows version " + std::to_string(rs.last_version) +
                     " (a version is missing)");
      } else if (prev != want_prev) {
        problems.Add(what + " at " + Leaf(idx) + " does not point back at its previous version "
                     "(history chain altered)");
      }
      if ((version == 1) != (leaf->op == ledger::Op::kCreate)) {
        problems.Add(what + " at " + Leaf(idx) + " is a " + std::string(ledger::OpName(leaf->op)) +
                     ", but a record's first version, and only it, is its creation");
      }
      rs.last_version = version;
      rs.latest_leaf = idx;
      rs.content_hash = leaf->content_hash;
      rs.deleted = leaf->op == ledger::Op::kDelete;
    }
    return Status::Ok();
  }();
  digester.join();
  DALIL_RETURN_IF_ERROR(scan);
  if (node_mismatches > 3) {
    problems.Add("... and " + std::to_string(node_mismatches - 3) +
                 " more leaves whose stored tree nodes do not match (they lie above the "
                 "leaves named here)");
  }
  DALIL_RETURN_IF_ERROR(digest_status);

  // 2. Every record against the latest version the log holds for it.
  for (const RowDigest& d : digests) {
    ++report.records;
    const model::EntitySpec& spec = *entities[d.entity];
    const std::string label = Label(spec.name, d.id);
    auto it = records.find(Key(d.entity, d.id));
    if (it == records.end()) {
      problems.Add(label + " has no version in the log (inserted outside Dalil, or its "
                   "versions were removed)");
      continue;
    }
    RecordState& rs = it->second;
    rs.seen_row = true;
    if (rs.deleted) {
      problems.Add(label + " was deleted at " + Leaf(rs.latest_leaf) +
                   " but is still in the database (restored outside Dalil)");
      continue;
    }
    if (!d.error.empty()) {
      problems.Add(label + " cannot be read: " + d.error);
      continue;
    }
    if (d.leaf != rs.latest_leaf) {
      problems.Add(label + " does not point at its latest version " +
                   std::to_string(rs.last_version) + " (" + Leaf(rs.latest_leaf) +
                   "): its history pointer was altered");
    }
    if (d.content_hash != rs.content_hash) {
      // Rare: read both again to say which fields differ.
      std::string detail = "content";
      auto v = log_db->Cached("SELECT content FROM ledger WHERE idx = ?");
      auto r = records_db->Cached("SELECT " + SelectColumns(spec) + " FROM " +
                                  std::string(spec.table) + " WHERE id = ?");
      auto salt = log_db->Cached("SELECT salt FROM ledger WHERE idx = ?");
      if (v.ok() && r.ok() && salt.ok()) {
        (*v)->BindInt(1, static_cast<int64_t>(rs.latest_leaf));
        (*r)->BindInt(1, d.id);
        (*salt)->BindInt(1, static_cast<int64_t>(rs.latest_leaf));
        auto vr = (*v)->Step();
        auto rr = (*r)->Step();
        auto sr = (*salt)->Step();
        if (vr.ok() && *vr && rr.ok() && *rr && sr.ok() && *sr) {
          auto rec = RowToJson(**r, spec, codec);
          if (rec.ok()) {
            detail = DifferingFields((*v)->Text(0),
                                     ledger::CanonicalContent(spec, *rec, (*salt)->Text(0)));
          }
        }
      }
      problems.Add(label + " differs from its latest recorded version " +
                   std::to_string(rs.last_version) + " (edited outside Dalil): " + detail);
    }
  }
  for (const auto& [key_, rs] : records) {
    if (!rs.deleted && !rs.seen_row) {
      problems.Add(Label(entities[key_ >> 56]->name, static_cast<int64_t>(key_ & ((1ull << 56) - 1))) +
                   " (version " + std::to_string(rs.last_version) +
                   ") is missing from the database (deleted outside Dalil)");
    }
  }
  // 2b. Every event row against its leaf, and every event leaf against its row.
  for (const EventDigest& d : event_digests) {
    ++report.events;
    const EventTable& t = EventTables()[d.table];
    const std::string label = Label(t.kind, d.id);
    auto it = events.find({std::string(t.kind), d.id});
    if (it == events.end()) {
      problems.Add(label + " (" + std::string(t.table) + " row " + std::to_string(d.id) +
                   ") has no leaf in the log (inserted outside Dalil, or its leaf was removed)");
      continue;
    }
    it->second.seen_row = true;
    if (!d.error.empty()) {
      problems.Add(label + " cannot be read: " + d.error);
    } else if (d.content_hash != it->second.content_hash) {
      problems.Add(label + " differs from its leaf " + std::to_string(it->second.leaf) +
                   " (edited outside Dalil)");
    }
  }
  for (const auto& [key_, ev] : events) {
    if (!ev.seen_row) {
      problems.Add(Label(key_.first, key_.second) + " recorded at " + Leaf(ev.leaf) +
                   " is missing from the database (deleted outside Dalil)");
    }
  }
  {
    DALIL_ASSIGN_OR_RETURN(auto st, log_db->Cached("SELECT entity, entity_id, leaf FROM ledger_tombstones"));
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      const int e = EntityIndex(st->Text(0));
      auto it = e < 0 ? records.end() : records.find(Key(static_cast<uint8_t>(e), st->Int(1)));
      if (it == records.end() || !it->second.deleted ||
          it->second.latest_leaf != static_cast<uint64_t>(st->Int(2))) {
        problems.Add("the tombstone of " + Label(st->Text(0), st->Int(1)) +
                     " does not match the log (tombstone altered)");
      }
    }
  }

  // 3. Signed checkpoints against the rebuilt tree.
  const uint64_t n = expected;
  auto check = [&](const ledger::Checkpoint& cp, const std::string& what) {
    if (cp.origin != key.name) problems.Add(what + " is for another log (" + cp.origin + ")");
    if (cp.size > n) {
      problems.Add("the log has " + std::to_string(n) + " leaves, fewer than the " +
                   std::to_string(cp.size) + " of " + what + " (log truncated)");
      return;
    }
    const auto& root = roots_at[cp.size];
    if (!root) {
      problems.Add(what + " cannot be checked: leaves before it are missing");
    } else if (*root != cp.root) {
      problems.Add("the first " + std::to_string(cp.size) + " leaves no longer have the root of " +
                   what + " (leaves altered)");
    }
  };
  for (const CheckpointRow& row : checkpoints) {
    ++report.checkpoints;
    const std::string what = "the checkpoint signed at size " + std::to_string(row.size);
    auto cp = ledger::OpenSignedCheckpoint(row.note, key);
    if (!cp.ok()) {
      problems.Add(what + ": " + cp.status().message());
      continue;
    }
    if (cp->size != row.size || row.root != AsBytes(cp->root)) {
      problems.Add(what + " is stored with a size or root that differs from its signed note");
    }
    check(*cp, what);
    report.latest_checkpoint = *cp;
  }
  // `dalil init` signs the first checkpoint; a log without one lost them.
  if (checkpoints.empty()) {
    problems.Add("the log has no signed checkpoint (checkpoints removed)");
  }
  if (saved_note) {
    if (saved) check(*saved, "the saved checkpoint");
    else problems.Add("the saved checkpoint: " + saved_status.message());
  }
  report.versions = report.leaves - events.size();
  report.problems = std::move(problems.list());
  return report;
}

}  // namespace dalil::store::sqlite_ledger
