#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <sodium.h>

#include "store/crypto_codec.h"
#include "store/sqlite/db.h"
#include "store/sqlite/figure_index.h"
#include "store/sqlite/sqlite_imports.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_keys.h"
#include "store/sqlite/sqlite_ledger.h"

namespace dalil::store {
namespace {

using model::EntitySpec;
using model::Field;
using model::FieldType;
using sqlite::Database;
using sqlite::Statement;

const EntitySpec& SpecOf(std::string_view name) {
  return *model::FindEntityByName(name);
}

// --- Ownership and visibility (store.h, Viewer): the SQL every read and
// write applies. Identifiers come from the entity tables only; the
// viewer's organisation and role are bound.
using Binds = std::vector<std::function<void(Statement&, int)>>;

void BindInt(Binds* binds, int64_t v) {
  binds->push_back([v](Statement& st, int i) { st.BindInt(i, v); });
}
void BindText(Binds* binds, std::string v) {
  binds->push_back([v = std::move(v)](Statement& st, int i) { st.BindText(i, v); });
}

// Published: what everyone may see.
std::string PublishedSql(const EntitySpec& spec) {
  return spec.name == "incident" ? "(visibility = 'public' AND review_status = 'verified')"
                                 : "(visibility = 'public')";
}

// The condition on a row of an owned entity's table.
std::string OwnedVisibleSql(const EntitySpec& spec, const Viewer& v, Binds* binds) {
  if (v.kind == Viewer::Kind::kAnonymous) return PublishedSql(spec);
  BindInt(binds, v.organisation_id);
  BindText(binds, v.role);
  return "(" + PublishedSql(spec) +
         " OR (owner_organisation_id = ? AND (visibility IS NOT 'restricted' OR EXISTS "
         "(SELECT 1 FROM json_each(restricted_roles) WHERE value = ?))))";
}

// For a record that takes its incident's ownership: the column naming the
// record it depends on ("incident_id", or "outcome_id" for an outcome's
// updates); empty for owned records and shared reference data.
std::string_view ParentColumn(const EntitySpec& spec) {
  if (spec.name == "claim" || spec.name == "outcome" || spec.name == "involvement") {
    return "incident_id";
  }
  if (spec.name == "outcome_update") return "outcome_id";
  return {};
}

// The condition under which `v` may see a row of `spec`'s table; empty
// when every row is visible.
std::string VisibleSql(const EntitySpec& spec, const Viewer& v, Binds* binds) {
  if (v.kind == Viewer::Kind::kSystem) return "";
  if (spec.IsOwned()) return OwnedVisibleSql(spec, v, binds);
  const EntitySpec& incidents = SpecOf("incident");
  if (ParentColumn(spec) == "incident_id") {
    return "(incident_id IN (SELECT id FROM incidents WHERE " +
           OwnedVisibleSql(incidents, v, binds) + "))";
  }
  if (ParentColumn(spec) == "outcome_id") {
    return "(outcome_id IN (SELECT id FROM outcomes WHERE incident_id IN (SELECT id FROM "
           "incidents WHERE " + OwnedVisibleSql(incidents, v, binds) + ")))";
  }
  return "";
}

// An expression that is true when the row belongs to the viewer's
// organisation (so it may read the sensitive fields).
std::string MineSql(const EntitySpec& spec, const Viewer& v, Binds* binds) {
  if (v.kind == Viewer::Kind::kSystem) return "1";
  if (v.kind == Viewer::Kind::kAnonymous) return "0";
  std::string owner;
  if (spec.IsOwned()) {
    owner = "owner_organisation_id";
  } else if (ParentColumn(spec) == "incident_id") {
    owner = "(SELECT owner_organisation_id FROM incidents WHERE id = incident_id)";
  } else if (ParentColumn(spec) == "outcome_id") {
    owner = "(SELECT i.owner_organisation_id FROM outcomes o JOIN incidents i ON "
            "i.id = o.incident_id WHERE o.id = outcome_id)";
  } else {
    return "1";  // shared reference data
  }
  BindInt(binds, v.organisation_id);
  return "(" + owner + " IS ?)";
}

// Outside the owning organisation the sensitive fields are withheld, and a
// person's notes (what documenters write about a person can identify them).
void Withhold(const EntitySpec& spec, json* record) {
  for (const Field& f : spec.fields) {
    if (f.sensitive || (spec.name == "person" && f.name == "notes")) {
      (*record)[std::string(f.name)] = nullptr;
    }
  }
}

bool Withholds(const EntitySpec& spec) { return spec.HasSensitiveFields(); }

// Converts "UNIQUE constraint failed: places.iso_code" into a conflict that
// names the field without echoing any value.
Status ConflictFromConstraint(const EntitySpec& spec, const Status& s) {
  const std::string& m = s.message();
  auto pos = m.find("UNIQUE constraint failed: ");
  if (pos != std::string::npos) {
    std::string rest = m.substr(pos + 26);
    auto dot = rest.find('.');
    std::string col = dot == std::string::npos ? rest : rest.substr(dot + 1);
    return Status::Conflict("another " + std::string(spec.name) +
                                " already has this " + col,
                            col);
  }
  return Status::Conflict("the change violates a rule of the database");
}

class SqliteStore;

class SqliteWriteTxn : public WriteTxn {
 public:
  SqliteWriteTxn(SqliteStore* store, Database* db, std::string actor, Viewer writer,
                 int64_t now_seconds)
      : store_(store),
        db_(db),
        actor_(std::move(actor)),
        writer_(std::move(writer)),
        now_seconds_(now_seconds),
        now_(FormatTimestamp(now_seconds)),
        imports_(db_, actor_, now_) {}

  Result<json> Create(const EntitySpec& spec, const json& body,
                      model::Writer writer) override;
  Result<int64_t> CreatePrepared(PreparedCreate& p, const std::vector<int64_t>& refs) override;
  Result<json> Update(const EntitySpec& spec, int64_t id,
                      const json& patch) override;
  Status Delete(const EntitySpec& spec, int64_t id,
                std::optional<int64_t> expected_version) override;
  Result<json> Get(const EntitySpec& spec, int64_t id) override;
  Result<int64_t> PlaceIdByCode(const std::string& iso_code) override;
  // Brings the figure index in step with this transaction's changes.
  Status FinishFigures() { return sqlite_figures::Apply(db_, &dirty_); }
  ImportTxn& Imports() override { return imports_; }
  // Gives an unowned record to `organisation` as a new version (visibility
  // organisation if it had none). Nothing else is re-validated: records
  // from older versions open whatever rules came later.
  Status Adopt(const EntitySpec& spec, int64_t id, int64_t organisation);

 private:
  // kNotFound unless the writer may see the record, kPermissionDenied
  // unless it belongs to the writer's organisation.
  Status CheckWritable(const EntitySpec& spec, int64_t id, const json& record);
  // The organisation owning the record (its incident's for dependents).
  Result<std::optional<int64_t>> OwnerOf(const EntitySpec& spec, const json& record);
  Status CheckReferences(const EntitySpec& spec, const json& record, int64_t self_id);
  Status CheckReference(const EntitySpec& spec, const Field& f, int64_t ref_id, int64_t self_id);
  Status BindRecord(Statement& st, int first, const EntitySpec& spec,
                    const json& record, int64_t row_id);
  Status BindValue(Statement& st, int i, const EntitySpec& spec, const Field& f, const json& v,
                   int64_t row_id);
  Status Record(const EntitySpec& spec, int64_t id, ledger::Op op, int64_t version,
                const json* record, std::optional<uint64_t> prev);
  // Stamps the owner on a validated new record, checks its references and
  // that the writer may write it, allocates its id and inserts its row.
  Result<int64_t> Insert(const EntitySpec& spec, json& record);
  // Allocates the next id and inserts the row, its fields bound by
  // `bind_fields` (from parameter 7 on).
  Result<int64_t> InsertRow(const EntitySpec& spec,
                            const std::function<Status(Statement&, int64_t)>& bind_fields);
  // The organisation owning what this transaction creates (read once).
  Result<std::optional<int64_t>> CreatorOrganisation();
  // The leaf the next change will be recorded at (NULL in the record's
  // ledger_leaf when the ledger is off, for benchmarks).
  void BindNextLeaf(Statement& st, int i);
  Result<std::optional<uint64_t>> CurrentLeaf(const EntitySpec& spec, int64_t id);

  SqliteStore* store_;
  Database* db_;
  std::string actor_;
  Viewer writer_;
  int64_t now_seconds_;
  std::string now_;
  sqlite_figures::Dirty dirty_;
  SqliteImportTxn imports_;
  // Per entity, the largest id allocated so far in this transaction.
  std::map<const EntitySpec*, int64_t> last_ids_;
  std::optional<std::optional<int64_t>> creator_organisation_;
  // Records this transaction knows exist (created or checked), so a
  // reference to them is not looked up again; a delete forgets its record.
  // A cache, emptied when it grows large (a long import is one transaction).
  void Remember(const EntitySpec& spec, int64_t id) {
    if (known_.size() >= (1u << 16)) known_.clear();
    known_.insert({&spec, id});
  }
  std::set<std::pair<const EntitySpec*, int64_t>> known_;
};

class SqliteStore : public Store {
 public:
  using Store::Get;
  using Store::History;
  explicit SqliteStore(SqliteOptions opts) : opts_(std::move(opts)) {
    if (opts_.keyring) opts_.codec = NewEncryptingCodec(opts_.keyring);
    if (!opts_.codec) opts_.codec = NewPlaintextCodec();
  }

  Status Init() {
    if (sodium_init() < 0) return Status::Internal("libsodium failed to initialise");
    DALIL_ASSIGN_OR_RETURN(writer_, Database::Open(opts_.path, opts_.create));
    // The writer keeps up to 64 MiB of pages (the default is 2 MiB): large
    // imports update indexes all over the file, and every page read again
    // from the file costs a system call. It does not map the file: its
    // reads are point lookups, and a mapping would make a long import's
    // resident memory grow with the database. The log is copied back into
    // the database every 32 MiB rather than 4 MiB: a page changed by several
    // transactions is copied (and synced) once.
    DALIL_RETURN_IF_ERROR(writer_->Exec(
        "PRAGMA cache_size=-65536; PRAGMA mmap_size=0; PRAGMA wal_autocheckpoint=8192"));
    // The master key is checked before any migration can change the file.
    bool new_keys = false;
    DALIL_RETURN_IF_ERROR(sqlite_keys::OpenKeys(writer_.get(), opts_.keyring.get(), &new_keys));
    if (new_keys) {
      // Values from before encryption are read as stored until sealed below.
      auto sealing = std::move(opts_.codec);
      opts_.codec = NewPlaintextCodec();
      Status s = Migrate();
      opts_.codec = std::move(sealing);
      DALIL_RETURN_IF_ERROR(s);
      DALIL_RETURN_IF_ERROR(sqlite_keys::SetUpKeys(writer_.get(), *opts_.keyring, opts_.new_master,
                                                   FormatTimestamp(opts_.clock->NowSeconds())));
    } else {
      DALIL_RETURN_IF_ERROR(Migrate());
    }
    DALIL_RETURN_IF_ERROR(writer_->Exec("BEGIN IMMEDIATE"));
    Status fig = sqlite_figures::EnsureCurrent(writer_.get());
    if (fig.ok()) fig = writer_->Exec("COMMIT");
    if (!fig.ok()) {
      writer_->Exec("ROLLBACK");
      return Status(fig.code(), "figure index: " + fig.message());
    }
    if (opts_.keyring) sqlite_keys::InstallReloader(*opts_.keyring, opts_.path);
    DALIL_ASSIGN_OR_RETURN(uint64_t n, sqlite_ledger::Size(writer_.get()));
    sqlite_ledger::DbTree tree(writer_.get());
    auto frontier = ledger::Frontier::Load(tree, n);
    if (!frontier.ok()) {
      return Status::Corruption("the ledger's tree cannot be loaded (" +
                                frontier.status().message() + "); run dalil verify");
    }
    frontier_ = std::move(frontier).value();
    // Records from before ownership belong to the first organisation.
    return AdoptUnownedRecords().status();
  }

  Status WriteAs(const std::string& actor, const Viewer& writer,
                 const std::function<Status(WriteTxn&)>& fn) override {
    if (actor.empty() || actor.size() > 200) {
      return Status::Invalid("actor", "must be 1 to 200 bytes");
    }
    std::lock_guard<std::mutex> lock(write_mu_);
    DALIL_RETURN_IF_ERROR(writer_->Exec("BEGIN IMMEDIATE"));
    // The account tables append events on their own connection (and other
    // processes may write): start from the ledger as it is now.
    if (Status s = sqlite_ledger::CatchUp(writer_.get(), frontier_); !s.ok()) {
      writer_->Exec("ROLLBACK");
      return s;
    }
    // The in-memory frontier moves with each leaf; a rollback puts it back.
    const ledger::Frontier before = frontier_;
    SqliteWriteTxn txn(this, writer_.get(), actor, writer, opts_.clock->NowSeconds());
    // Seal with the newest data key, even one a rotation added meanwhile.
    Status s = opts_.keyring ? sqlite_keys::Load(writer_.get(), *opts_.keyring) : Status::Ok();
    if (s.ok()) s = fn(txn);
    if (s.ok()) s = txn.FinishFigures();
    if (s.ok()) s = writer_->Exec("COMMIT");
    if (!s.ok()) {
      writer_->Exec("ROLLBACK");
      frontier_ = before;
    }
    return s;
  }

  Result<json> Get(const EntitySpec& spec, int64_t id, const Viewer& viewer) override {
    return WithReader([&](Database* db) { return ViewWith(db, spec, id, viewer); });
  }

  Result<int64_t> AdoptUnownedRecords() override {
    // Read first: most opens have nothing to adopt and need no write.
    DALIL_ASSIGN_OR_RETURN(bool pending, WithReader([&](Database* db) -> Result<bool> {
      DALIL_ASSIGN_OR_RETURN(std::optional<int64_t> first, FirstOrganisation(db));
      if (!first) return false;
      for (const EntitySpec* spec : model::AllEntities()) {
        if (!spec->IsOwned()) continue;
        DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("SELECT 1 FROM " + std::string(spec->table) +
                                                   " WHERE owner_organisation_id IS NULL LIMIT 1"));
        DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
        if (row) return true;
      }
      return false;
    }));
    if (!pending) return int64_t{0};
    int64_t adopted = 0;
    Status s = Write("system", [&](WriteTxn& t) -> Status {
      auto& txn = static_cast<SqliteWriteTxn&>(t);
      DALIL_ASSIGN_OR_RETURN(std::optional<int64_t> first, FirstOrganisation(writer_.get()));
      if (!first) return Status::Ok();
      for (const EntitySpec* spec : model::AllEntities()) {
        if (!spec->IsOwned()) continue;
        std::vector<int64_t> ids;
        DALIL_ASSIGN_OR_RETURN(Statement st, writer_->Prepare(
            "SELECT id FROM " + std::string(spec->table) +
            " WHERE owner_organisation_id IS NULL ORDER BY id"));
        while (true) {
          DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
          if (!row) break;
          ids.push_back(st.Int(0));
        }
        for (int64_t id : ids) DALIL_RETURN_IF_ERROR(txn.Adopt(*spec, id, *first));
        adopted += static_cast<int64_t>(ids.size());
      }
      return Status::Ok();
    });
    if (!s.ok()) return s;
    return adopted;
  }

  // The installation's first organisation, if any exists yet.
  static Result<std::optional<int64_t>> FirstOrganisation(Database* db) {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("SELECT MIN(id) FROM organisations"));
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row || st->IsNull(0)) return std::optional<int64_t>();
    return std::optional<int64_t>(st->Int(0));
  }

  Result<ListResult> List(const EntitySpec& spec, const ListQuery& q) override {
    return WithReader([&](Database* db) { return ListWith(db, spec, q); });
  }

  Result<int64_t> ResolvePlace(const std::string& id_or_code) override {
    return WithReader([&](Database* db) -> Result<int64_t> {
      if (auto n = ParseInt(id_or_code)) {
        DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT id FROM places WHERE id = ?"));
        st.BindInt(1, *n);
        DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
        if (row) return st.Int(0);
        return Status::Invalid("place", "no place with id " + std::to_string(*n));
      }
      return PlaceIdByCodeWith(db, id_or_code);
    });
  }

  Result<int64_t> Count(const EntitySpec& spec) override {
    return WithReader([&](Database* db) -> Result<int64_t> {
      DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT COUNT(*) FROM " +
                                                       std::string(spec.table)));
      DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
      (void)row;
      return st.Int(0);
    });
  }

  Result<int> SchemaVersion() override {
    return WithReader([&](Database* db) -> Result<int> {
      DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare("PRAGMA user_version"));
      DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
      (void)row;
      return static_cast<int>(st.Int(0));
    });
  }

  Result<uint64_t> LedgerSize() override {
    return WithReader([&](Database* db) { return sqlite_ledger::Size(db); });
  }

  Result<ledger::Hash> LedgerRoot(uint64_t size) override {
    return WithReader([&](Database* db) -> Result<ledger::Hash> {
      DALIL_RETURN_IF_ERROR(CheckSize(db, size, "size"));
      sqlite_ledger::DbTree tree(db);
      return ledger::RootAt(tree, size);
    });
  }

  Result<std::vector<ledger::Hash>> InclusionProof(uint64_t index, uint64_t size) override {
    return WithReader([&](Database* db) -> Result<std::vector<ledger::Hash>> {
      DALIL_RETURN_IF_ERROR(CheckSize(db, size, "size"));
      sqlite_ledger::DbTree tree(db);
      return ledger::InclusionProof(tree, index, size);
    });
  }

  Result<std::vector<ledger::Hash>> ConsistencyProof(uint64_t size1, uint64_t size2) override {
    return WithReader([&](Database* db) -> Result<std::vector<ledger::Hash>> {
      DALIL_RETURN_IF_ERROR(CheckSize(db, size2, "to"));
      sqlite_ledger::DbTree tree(db);
      return ledger::ConsistencyProof(tree, size1, size2);
    });
  }

  Result<std::vector<LeafEntry>> Leaves(uint64_t start, uint64_t end) override {
    return WithReader([&](Database* db) { return sqlite_ledger::Leaves(db, start, end); });
  }

  Result<std::vector<VersionEntry>> History(const EntitySpec& spec, int64_t id,
                                           const Viewer& viewer) override {
    return WithReader([&](Database* db) -> Result<std::vector<VersionEntry>> {
      const Status hidden = Status::NotFound("no " + std::string(spec.name) + " " +
                                             std::to_string(id) + " in the ledger");
      bool mine = true, live = true;
      if (viewer.kind != Viewer::Kind::kSystem) {
        auto seen = ViewWith(db, spec, id, viewer);
        if (seen.ok()) {
          DALIL_ASSIGN_OR_RETURN(mine, MineWith(db, spec, id, viewer));
        } else if (seen.status().code() != Code::kNotFound) {
          return seen.status();
        } else {
          DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("SELECT 1 FROM " + std::string(spec.table) +
                                                     " WHERE id = ?"));
          st->BindInt(1, id);
          DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
          if (row) return hidden;  // there, but not the viewer's to see
          live = false;            // deleted (or never was): judged below
        }
      }
      auto versions = sqlite_ledger::History(db, spec, id);
      if (!versions.ok()) return versions.status().code() == Code::kNotFound ? hidden : versions.status();
      if (!live) {
        DALIL_ASSIGN_OR_RETURN(bool visible, DeletedVisible(db, spec, *versions, viewer, &mine));
        if (!visible) return hidden;
      }
      if (!mine && spec.name == "person") {
        for (VersionEntry& v : *versions) v.content.clear();
      }
      return versions;
    });
  }

  // Whether `viewer` may read the history of a deleted record, from its
  // last recorded content: an owned record by its own organisation (as its
  // visibility allowed; a deleted record is published no more), a dependent
  // one as its incident (or outcome) is seen now.
  Result<bool> DeletedVisible(Database* db, const EntitySpec& spec,
                              const std::vector<VersionEntry>& versions, const Viewer& viewer,
                              bool* mine) {
    json fields;
    for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
      if (it->content.empty()) continue;
      fields = json::parse(it->content, nullptr, /*allow_exceptions=*/false).value("fields", json());
      break;
    }
    if (!fields.is_object()) return false;
    if (spec.IsOwned()) {
      *mine = viewer.kind == Viewer::Kind::kMember &&
              fields.value("owner_organisation_id", json()) == json(viewer.organisation_id);
      if (!*mine) return false;
      if (fields.value("visibility", json()) != "restricted") return true;
      const json roles = fields.value("restricted_roles", json::array());
      return std::find(roles.begin(), roles.end(), json(viewer.role)) != roles.end();
    }
    const std::string parent(ParentColumn(spec));
    if (parent.empty()) return true;  // shared reference data
    const json pid = fields.value(parent, json());
    if (!pid.is_number_integer()) return false;
    const EntitySpec& parent_spec = SpecOf(parent == "incident_id" ? "incident" : "outcome");
    auto seen = ViewWith(db, parent_spec, pid.get<int64_t>(), viewer);
    if (!seen.ok()) {
      if (seen.status().code() == Code::kNotFound) return false;
      return seen.status();
    }
    DALIL_ASSIGN_OR_RETURN(*mine, MineWith(db, parent_spec, pid.get<int64_t>(), viewer));
    return true;
  }

  Result<std::optional<SignedCheckpoint>> LatestCheckpoint() override {
    return WithReader([&](Database* db) { return sqlite_ledger::Latest(db); });
  }

  Result<SignedCheckpoint> SignCheckpoint(const ledger::SigningKey& key) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    DALIL_RETURN_IF_ERROR(writer_->Exec("BEGIN IMMEDIATE"));
    if (Status s = sqlite_ledger::CatchUp(writer_.get(), frontier_); !s.ok()) {
      writer_->Exec("ROLLBACK");
      return s;
    }
    auto cp = sqlite_ledger::Sign(writer_.get(), frontier_, key,
                                  FormatTimestamp(opts_.clock->NowSeconds()));
    Status s = cp.ok() ? writer_->Exec("COMMIT") : cp.status();
    if (!s.ok()) {
      writer_->Exec("ROLLBACK");
      return s;
    }
    return cp;
  }

  Result<VerifyReport> VerifyLedger(const ledger::Verifier& key,
                                    const std::optional<std::string>& saved_note) override {
    if (opts_.path == ":memory:") {
      return Status::Invalid("path", "verification needs a database file");
    }
    // Two connections reading the same snapshot: both read transactions
    // start while no write can commit.
    std::unique_ptr<Database> conns[2];
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      for (auto& c : conns) {
        DALIL_ASSIGN_OR_RETURN(c, Database::Open(opts_.path, false, /*read_only=*/true));
        DALIL_RETURN_IF_ERROR(c->Exec("BEGIN; SELECT COUNT(*) FROM ledger_checkpoints;"));
      }
    }
    auto r = sqlite_ledger::Verify(conns[0].get(), conns[1].get(), codec(), key, saved_note);
    for (auto& c : conns) c->Exec("COMMIT");
    return r;
  }

  Result<FigureRows> LoadFigureRows(const ListQuery& filter) override {
    return WithReader([&](Database* db) -> Result<FigureRows> {
      const EntitySpec& incidents = *model::FindEntityByName("incident");
      DALIL_ASSIGN_OR_RETURN(Where w, BuildWhere(incidents, filter));
      // Only verified incidents count.
      FigureRows out;
      DALIL_RETURN_IF_ERROR(db->Exec("BEGIN"));  // one snapshot for all the reads
      // The incidents are selected once; the other reads take their ids as
      // one JSON array parameter instead of re-running the filter.
      std::string ids = "[";
      Status s = [&]() -> Status {
        auto run = [&](const std::string& sql, auto&& bind, auto&& each) -> Status {
          DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare(sql));
          bind(st);
          while (true) {
            DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
            if (!row) return Status::Ok();
            each(st);
          }
        };
        auto none = [](Statement&) {};
        auto by_ids = [&](Statement& st) { st.BindText(1, ids); };
        const std::string chosen = " IN (SELECT value FROM json_each(?))";
        auto opt_int = [](Statement& st, int c) {
          return st.IsNull(c) ? std::optional<int64_t>() : std::optional<int64_t>(st.Int(c));
        };
        DALIL_RETURN_IF_ERROR(run(
            "SELECT id, start_date, end_date, event_type, place_id FROM incidents" + w.sql +
                " AND review_status = 'verified'",
            [&](Statement& st) { w.Bind(st, 1); },
            [&](Statement& st) {
              out.incidents.push_back({st.Int(0), st.Text(1), st.Text(2), st.Text(3), st.Int(4)});
              if (ids.size() > 1) ids += ',';
              ids += std::to_string(st.Int(0));
            }));
        ids += ']';
        DALIL_RETURN_IF_ERROR(run(
            "SELECT c.id, c.incident_id, c.source_id, c.category, c.count_min, c.count_max, "
            "s.reliability FROM claims c JOIN sources s ON s.id = c.source_id "
            "WHERE c.incident_id" + chosen,
            by_ids, [&](Statement& st) {
              out.claims.push_back({st.Int(0), st.Int(1), st.Int(2), st.Text(3), st.Int(4),
                                    opt_int(st, 5), st.Text(6)});
            }));
        DALIL_RETURN_IF_ERROR(run(
            "SELECT id, incident_id, person_id, kind, date, source_id FROM outcomes "
            "WHERE incident_id" + chosen,
            by_ids, [&](Statement& st) {
              out.outcomes.push_back({st.Int(0), st.Int(1), st.Int(2), st.Text(3),
                                      st.IsNull(4) ? std::string() : st.Text(4), opt_int(st, 5)});
            }));
        DALIL_RETURN_IF_ERROR(run(
            "SELECT u.outcome_id, u.status, u.date FROM outcome_updates u JOIN outcomes o "
            "ON o.id = u.outcome_id WHERE o.incident_id" + chosen,
            by_ids, [&](Statement& st) { out.changes.push_back({st.Int(0), st.Text(1), st.Text(2)}); }));
        DALIL_RETURN_IF_ERROR(run(
            "SELECT incident_id, actor_id FROM involvements WHERE role = 'perpetrator' AND "
            "incident_id" + chosen,
            by_ids, [&](Statement& st) { out.perpetrators.emplace_back(st.Int(0), st.Int(1)); }));
        DALIL_RETURN_IF_ERROR(run(
            "SELECT id, merged_into_id FROM persons WHERE merged_into_id IS NOT NULL", none,
            [&](Statement& st) { out.merged_into[st.Int(0)] = st.Int(1); }));
        return LoadLookups(db, &out);
      }();
      db->Exec("COMMIT");
      if (!s.ok()) return s;
      return out;
    });
  }

  // Places and actors, for grouping and labels.
  static Status LoadLookups(Database* db, FigureRows* out) {
    auto opt_int = [](Statement& st, int c) {
      return st.IsNull(c) ? std::optional<int64_t>() : std::optional<int64_t>(st.Int(c));
    };
    {
      DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare(
          "SELECT id, parent_id, level, name_en, name_ar, iso_code FROM places"));
      while (true) {
        DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        out->places[st.Int(0)] = {opt_int(st, 1), st.Text(2), st.Text(3), st.Text(4), st.Text(5)};
      }
    }
    DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT id, parent_id, name_en, name_ar FROM actors"));
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return Status::Ok();
      out->actors[st.Int(0)] = {opt_int(st, 1), st.Text(2), st.Text(3)};
    }
  }

  Status ScanFigureIndex(const FigureScan& scan, FigureRows* lookups,
                         const std::function<Status(const FigureIndexRow&)>& each) override {
    return WithReader([&](Database* db) -> Status {
      DALIL_RETURN_IF_ERROR(db->Exec("BEGIN"));  // one snapshot for lookups and entries
      Status s = LoadLookups(db, lookups);
      if (s.ok()) s = sqlite_figures::Scan(db, scan, each);
      db->Exec("COMMIT");
      return s;
    });
  }

  Result<std::vector<std::string>> CheckFigureIndex() override {
    return WithReader([&](Database* db) -> Result<std::vector<std::string>> {
      DALIL_RETURN_IF_ERROR(db->Exec("BEGIN"));
      auto r = sqlite_figures::Check(db);
      db->Exec("COMMIT");
      return r;
    });
  }

  Result<ImportReport> LoadImportReport(int64_t run_id) override {
    return WithReader([&](Database* db) { return LoadImportReportWith(db, run_id); });
  }

  // Shared by reads and write transactions.
  Result<json> GetWith(Database* db, const EntitySpec& spec, int64_t id) {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("SELECT " + SelectColumns(spec) + " FROM " +
                                               std::string(spec.table) + " WHERE id = ?"));
    st->BindInt(1, id);
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) {
      return Status::NotFound("no " + std::string(spec.name) + " with id " +
                              std::to_string(id));
    }
    return RowToJson(*st, spec, codec());
  }

  // The record as `viewer` may see it: kNotFound worded as for a missing
  // id when hidden, sensitive fields withheld outside its organisation.
  Result<json> ViewWith(Database* db, const EntitySpec& spec, int64_t id, const Viewer& viewer) {
    if (viewer.kind == Viewer::Kind::kSystem) return GetWith(db, spec, id);
    Binds mine_binds, visible_binds;
    const std::string mine = MineSql(spec, viewer, &mine_binds);
    const std::string visible = VisibleSql(spec, viewer, &visible_binds);
    std::string sql = "SELECT " + SelectColumns(spec) + ", " + mine + " FROM " +
                      std::string(spec.table) + " WHERE id = ?";
    if (!visible.empty()) sql += " AND " + visible;
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(sql));
    int i = 1;  // parameters in text order: the select list's, the id, the filter's
    for (auto& bind : mine_binds) bind(*st, i++);
    st->BindInt(i++, id);
    for (auto& bind : visible_binds) bind(*st, i++);
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) {
      return Status::NotFound("no " + std::string(spec.name) + " with id " + std::to_string(id));
    }
    const bool is_mine = st->Int(static_cast<int>(6 + spec.fields.size())) != 0;
    DALIL_ASSIGN_OR_RETURN(json r, RowToJson(*st, spec, codec()));
    if (!is_mine) Withhold(spec, &r);
    return r;
  }

  // True when the record belongs to the viewer's organisation.
  Result<bool> MineWith(Database* db, const EntitySpec& spec, int64_t id, const Viewer& viewer) {
    Binds binds;
    const std::string mine = MineSql(spec, viewer, &binds);
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("SELECT " + mine + " FROM " +
                                               std::string(spec.table) + " WHERE id = ?"));
    int i = 1;
    for (auto& b : binds) b(*st, i++);
    st->BindInt(i, id);
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    return row && st->Int(0) != 0;
  }

  Result<int64_t> PlaceIdByCodeWith(Database* db, const std::string& code) {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("SELECT id FROM places WHERE iso_code = ?"));
    st->BindText(1, code);
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::Invalid("place", "no place with code " + code);
    return st->Int(0);
  }

  // The INSERT of a record with every column named, built once per entity.
  // Only the writer calls it (under write_mu_).
  const std::string& InsertSql(const EntitySpec& spec) {
    std::string& sql = insert_sql_[&spec];
    if (sql.empty()) {
      std::string cols = "id, version, created_at, created_by, updated_at, updated_by, ledger_leaf";
      std::string marks = "?, 1, ?, ?, ?, ?, ?";
      for (const Field& f : spec.fields) {
        cols += ", ";
        cols += f.name;
        marks += ", ?";
      }
      sql = "INSERT INTO " + std::string(spec.table) + " (" + cols + ") VALUES (" + marks + ")";
    }
    return sql;
  }

  const SensitiveCodec& codec() const { return *opts_.codec; }
  ledger::Frontier& frontier() { return frontier_; }
  bool records_ledger() const { return opts_.record_ledger; }

  Status CheckSize(Database* db, uint64_t size, const char* field) {
    DALIL_ASSIGN_OR_RETURN(uint64_t n, sqlite_ledger::Size(db));
    if (size > n) {
      return Status::Invalid(field, "the log has only " + std::to_string(n) + " leaves");
    }
    return Status::Ok();
  }

 private:
  template <typename Fn>
  auto WithReader(Fn fn) -> decltype(fn(static_cast<Database*>(nullptr))) {
    if (opts_.path == ":memory:") {
      std::lock_guard<std::mutex> lock(write_mu_);
      return fn(writer_.get());
    }
    std::unique_ptr<Database> db;
    {
      std::lock_guard<std::mutex> lock(pool_mu_);
      if (!readers_.empty()) {
        db = std::move(readers_.back());
        readers_.pop_back();
      }
    }
    if (!db) {
      auto opened = Database::Open(opts_.path, /*create=*/false, /*read_only=*/true);
      if (!opened.ok()) return opened.status();
      db = std::move(opened).value();
    }
    auto result = fn(db.get());
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (static_cast<int>(readers_.size()) < opts_.read_connections) {
      readers_.push_back(std::move(db));
    }
    return result;
  }

  // The WHERE clause of a list query and, in the order of its ? marks, what binds
  // its values. Identifiers come from the entity tables only.
  struct Where {
    std::string sql;
    std::vector<std::function<void(Statement&, int)>> binds;
    void Bind(Statement& st, int first) const {
      for (size_t i = 0; i < binds.size(); ++i) binds[i](st, first + static_cast<int>(i));
    }
  };

  static Result<Where> BuildWhere(const EntitySpec& spec, const ListQuery& q) {
    Where w;
    std::string& where = w.sql;
    auto& binds = w.binds;
    where = " WHERE 1=1";
    if (std::string visible = VisibleSql(spec, q.viewer, &binds); !visible.empty()) {
      where += " AND " + visible;
    }
    for (const auto& [name, value] : q.equals) {
      const Field* f = spec.FindField(name);
      if (f == nullptr || !f->filterable) {
        return Status::Invalid(name, "is not a filter of " + std::string(spec.plural));
      }
      where += " AND " + name + " = ?";
      json v = value;
      binds.push_back([v](Statement& st, int i) {
        if (v.is_number_integer()) st.BindInt(i, v.get<int64_t>());
        else st.BindText(i, v.get<std::string>());
      });
    }
    if (q.within_place) {
      const char* col = spec.name == "place" ? "id" : "place_id";
      where += std::string(" AND ") + col +
               " IN (WITH RECURSIVE sub(id) AS (SELECT ? UNION "
               "SELECT p.id FROM places p JOIN sub ON p.parent_id = sub.id) "
               "SELECT id FROM sub)";
      int64_t p = *q.within_place;
      binds.push_back([p](Statement& st, int i) { st.BindInt(i, p); });
    }
    if (q.from) {
      where += " AND end_date >= ?";
      std::string v = *q.from;
      binds.push_back([v](Statement& st, int i) { st.BindText(i, v); });
    }
    if (q.to) {
      where += " AND start_date <= ?";
      std::string v = *q.to;
      binds.push_back([v](Statement& st, int i) { st.BindText(i, v); });
    }
    if (q.actor) {
      where +=
          " AND id IN (SELECT incident_id FROM involvements WHERE actor_id IN "
          "(WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT a.id FROM actors a "
          "JOIN sub ON a.parent_id = sub.id) SELECT id FROM sub))";
      int64_t a = *q.actor;
      binds.push_back([a](Statement& st, int i) { st.BindInt(i, a); });
    }
    return w;
  }

  Result<ListResult> ListWith(Database* db, const EntitySpec& spec,
                              const ListQuery& q) {
    DALIL_ASSIGN_OR_RETURN(Where w, BuildWhere(spec, q));
    const std::string& where = w.sql;
    const Field* sort_field = spec.FindField(q.sort);
    bool sort_ok = model::IsSystemField(q.sort) || (sort_field && sort_field->sortable);
    if (!sort_ok) {
      return Status::Invalid("sort", "cannot sort " + std::string(spec.plural) +
                                         " by " + q.sort);
    }
    ListResult out;
    {
      DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT COUNT(*) FROM " +
                                                       std::string(spec.table) + where));
      w.Bind(st, 1);
      DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
      (void)row;
      out.total = st.Int(0);
    }
    Binds mine_binds;
    const std::string mine = MineSql(spec, q.viewer, &mine_binds);
    std::string sql = "SELECT " + SelectColumns(spec) + ", " + mine + " FROM " +
                      std::string(spec.table) + where + " ORDER BY " + q.sort +
                      (q.descending ? " DESC" : " ASC") + ", id" +
                      (q.descending ? " DESC" : " ASC") + " LIMIT ? OFFSET ?";
    DALIL_ASSIGN_OR_RETURN(Statement st, db->Prepare(sql));
    int i = 1;
    for (auto& bind : mine_binds) bind(st, i++);
    w.Bind(st, i);
    i += static_cast<int>(w.binds.size());
    st.BindInt(i++, q.limit);
    st.BindInt(i++, q.offset);
    const int mine_column = static_cast<int>(6 + spec.fields.size());
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      DALIL_ASSIGN_OR_RETURN(json r, RowToJson(st, spec, codec()));
      if (Withholds(spec) && st.Int(mine_column) == 0) Withhold(spec, &r);
      out.items.push_back(std::move(r));
    }
    return out;
  }

  Status Migrate() {
    int current = 0;
    {
      // Finished before the migrations run (a pending statement would keep
      // a migration from dropping a table).
      DALIL_ASSIGN_OR_RETURN(Statement st, writer_->Prepare("PRAGMA user_version"));
      DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
      (void)row;
      current = static_cast<int>(st.Int(0));
    }
    const auto migrations = sqlite::Migrations();
    if (current > static_cast<int>(migrations.size())) {
      return Status::Corruption("database schema version " + std::to_string(current) +
                                " is newer than this Dalil understands (" +
                                std::to_string(migrations.size()) + ")");
    }
    if (static_cast<size_t>(current) == migrations.size()) return Status::Ok();
    // All pending migrations in one transaction: a crash leaves the schema
    // as it was. Records that exist when the ledger appears get their leaves
    // after the last migration, when the entity tables have every column
    // the code reads.
    DALIL_ASSIGN_OR_RETURN(const bool had_reveals, HasTable("reveals"));
    DALIL_RETURN_IF_ERROR(writer_->Exec("BEGIN IMMEDIATE"));
    Status s;
    for (size_t i = current; s.ok() && i < migrations.size(); ++i) {
      s = writer_->Exec(std::string(migrations[i]));
      if (!s.ok()) s = Status(s.code(), "migration " + std::to_string(i + 1) + ": " + s.message());
    }
    if (s.ok() && static_cast<size_t>(current) < kLedgerMigration) s = AdoptExistingRecords();
    if (s.ok() && !had_reveals) s = AdoptAccountEvents();
    if (s.ok()) s = writer_->Exec("PRAGMA user_version = " + std::to_string(migrations.size()));
    if (s.ok()) s = writer_->Exec("COMMIT");
    if (!s.ok()) {
      writer_->Exec("ROLLBACK");
      return s;
    }
    return Status::Ok();
  }

  // The migration that creates the ledger; records existing before it (the
  // seeded places) get their "create" leaves right after it, as "system".
  static constexpr size_t kLedgerMigration = 3;

  Status AdoptExistingRecords() {
    ledger::Frontier frontier;
    const uint64_t now = static_cast<uint64_t>(opts_.clock->NowSeconds());
    for (const EntitySpec* spec : model::AllEntities()) {
      DALIL_ASSIGN_OR_RETURN(Statement st, writer_->Prepare("SELECT " + SelectColumns(*spec) +
                                                            " FROM " + std::string(spec->table) +
                                                            " ORDER BY id"));
      while (true) {
        DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        DALIL_ASSIGN_OR_RETURN(json record, RowToJson(st, *spec, codec()));
        DALIL_ASSIGN_OR_RETURN(Statement point, writer_->Prepare(
            "UPDATE " + std::string(spec->table) + " SET ledger_leaf = ? WHERE id = ?"));
        point.BindInt(1, static_cast<int64_t>(frontier.size()));
        point.BindInt(2, record["id"].get<int64_t>());
        DALIL_RETURN_IF_ERROR(point.Run());
        DALIL_RETURN_IF_ERROR(sqlite_ledger::Append(
            writer_.get(), codec(), frontier,
            {.spec = spec, .id = record["id"].get<int64_t>(), .op = ledger::Op::kCreate,
             .version = record["version"].get<int64_t>(), .record = &record,
             .actor = "system", .time = now}));
      }
    }
    return Status::Ok();
  }

  // The account audit rows written before events joined the ledger (the
  // migration that creates `reveals`) get their leaves once, in id order.
  Status AdoptAccountEvents() {
    DALIL_ASSIGN_OR_RETURN(const bool has_audit, HasTable("account_audit"));
    if (!has_audit || !opts_.record_ledger) return Status::Ok();
    ledger::Frontier frontier;
    return sqlite_ledger::AppendAllEvents(writer_.get(), frontier, ledger::kAccountEvent);
  }

  Result<bool> HasTable(const char* name) {
    DALIL_ASSIGN_OR_RETURN(Statement st, writer_->Prepare(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"));
    st.BindText(1, name);
    return st.Step();
  }

  SqliteOptions opts_;
  ledger::Frontier frontier_;
  std::mutex write_mu_;
  std::unique_ptr<Database> writer_;
  std::map<const EntitySpec*, std::string> insert_sql_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Database>> readers_;
};

Status SqliteWriteTxn::BindValue(Statement& st, int i, const EntitySpec& spec, const Field& f,
                                 const json& v, int64_t row_id) {
  if (v.is_null()) {
    st.BindNull(i);
    return Status::Ok();
  }
  switch (f.type) {
    case FieldType::kInteger:
    case FieldType::kRef:
      st.BindInt(i, v.get<int64_t>());
      return Status::Ok();
    case FieldType::kNumber:
      st.BindDouble(i, v.get<double>());
      return Status::Ok();
    default:
      break;
  }
  if (f.sensitive) {
    const std::string text = f.type == FieldType::kTextList ? v.dump() : v.get<std::string>();
    DALIL_ASSIGN_OR_RETURN(std::string sealed,
                           store_->codec().Seal({spec.table, f.name, row_id}, text));
    st.BindBlob(i, sealed);
  } else if (f.type == FieldType::kTextList) {
    st.BindText(i, v.dump());
  } else {
    st.BindText(i, v.get_ref<const std::string&>());
  }
  return Status::Ok();
}

Status SqliteWriteTxn::BindRecord(Statement& st, int first, const EntitySpec& spec,
                                  const json& record, int64_t row_id) {
  int i = first;
  for (const Field& f : spec.fields) {
    DALIL_RETURN_IF_ERROR(BindValue(st, i++, spec, f, record[std::string(f.name)], row_id));
  }
  return Status::Ok();
}

Status SqliteWriteTxn::Record(const EntitySpec& spec, int64_t id, ledger::Op op,
                              int64_t version, const json* record,
                              std::optional<uint64_t> prev) {
  if (!store_->records_ledger()) return Status::Ok();
  return sqlite_ledger::Append(db_, store_->codec(), store_->frontier(),
                               {.spec = &spec, .id = id, .op = op, .version = version,
                                .record = record, .prev = prev, .actor = actor_,
                                .time = static_cast<uint64_t>(now_seconds_)});
}

void SqliteWriteTxn::BindNextLeaf(Statement& st, int i) {
  if (store_->records_ledger()) {
    st.BindInt(i, static_cast<int64_t>(store_->frontier().size()));
  } else {
    st.BindNull(i);
  }
}

Result<std::optional<uint64_t>> SqliteWriteTxn::CurrentLeaf(const EntitySpec& spec, int64_t id) {
  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached("SELECT ledger_leaf FROM " + std::string(spec.table) +
                                              " WHERE id = ?"));
  st->BindInt(1, id);
  DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row || st->IsNull(0)) return std::optional<uint64_t>();
  return std::optional<uint64_t>(static_cast<uint64_t>(st->Int(0)));
}

Status SqliteWriteTxn::CheckReferences(const EntitySpec& spec, const json& record,
                                       int64_t self_id) {
  for (const Field& f : spec.fields) {
    if (f.type != FieldType::kRef) continue;
    const json& v = record[std::string(f.name)];
    if (v.is_null()) continue;
    DALIL_RETURN_IF_ERROR(CheckReference(spec, f, v.get<int64_t>(), self_id));
  }
  return Status::Ok();
}

Status SqliteWriteTxn::CheckReference(const EntitySpec& spec, const Field& f, int64_t ref_id,
                                      int64_t self_id) {
  const EntitySpec& target = SpecOf(f.ref);
  // A record the writer may not see is referred to as if it did not exist.
  if (!known_.contains({&target, ref_id})) {
    Binds binds;
    const std::string visible = VisibleSql(target, writer_, &binds);
    DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached("SELECT 1 FROM " +
                                                      std::string(target.table) +
                                                      " WHERE id = ?" +
                                                      (visible.empty() ? "" : " AND " + visible)));
    st->BindInt(1, ref_id);
    for (size_t b = 0; b < binds.size(); ++b) binds[b](*st, 2 + static_cast<int>(b));
    DALIL_ASSIGN_OR_RETURN(bool found, st->Step());
    if (!found) {
      return Status::Invalid(std::string(f.name), "no " + std::string(target.name) +
                                                      " with id " + std::to_string(ref_id));
    }
    Remember(target, ref_id);
  }
  // A place may not sit under itself, nor a person be merged into itself.
  if (f.ref == spec.name && self_id > 0) {
    int64_t cur = ref_id;
    for (int depth = 0; cur != 0 && depth < 1000; ++depth) {
      if (cur == self_id) {
        return Status::Invalid(std::string(f.name), "would put the " + std::string(spec.name) +
                                                        " inside itself");
      }
      DALIL_ASSIGN_OR_RETURN(auto up, db_->Cached("SELECT " + std::string(f.name) + " FROM " +
                                                        std::string(spec.table) +
                                                        " WHERE id = ?"));
      up->BindInt(1, cur);
      DALIL_ASSIGN_OR_RETURN(bool row, up->Step());
      cur = (row && !up->IsNull(0)) ? up->Int(0) : 0;
    }
  }
  return Status::Ok();
}

Result<std::optional<int64_t>> SqliteWriteTxn::CreatorOrganisation() {
  if (!creator_organisation_) {
    // The writer's organisation owns what it creates (the system's: the one
    // it names, else the first; none yet: adopted when one exists).
    if (writer_.kind == Viewer::Kind::kSystem && writer_.organisation_id == 0) {
      DALIL_ASSIGN_OR_RETURN(creator_organisation_, SqliteStore::FirstOrganisation(db_));
    } else {
      creator_organisation_ = std::optional<int64_t>(writer_.organisation_id);
    }
  }
  return *creator_organisation_;
}

Result<int64_t> SqliteWriteTxn::Insert(const EntitySpec& spec, json& record) {
  if (spec.IsOwned()) {
    DALIL_ASSIGN_OR_RETURN(std::optional<int64_t> owner, CreatorOrganisation());
    record["owner_organisation_id"] = owner ? json(*owner) : json();
  }
  DALIL_RETURN_IF_ERROR(CheckReferences(spec, record, 0));
  DALIL_RETURN_IF_ERROR(CheckWritable(spec, 0, record));
  return InsertRow(spec, [&](Statement& st, int64_t id) {
    return BindRecord(st, 7, spec, record, id);
  });
}

Result<int64_t> SqliteWriteTxn::InsertRow(
    const EntitySpec& spec, const std::function<Status(Statement&, int64_t)>& bind_fields) {
  // Ids are allocated here, not by INSERT, so sensitive fields can be
  // sealed to their row before the row exists; never reused, so a deleted
  // record's history never runs into another's. The largest id is read once
  // per entity and transaction (only this transaction can insert meanwhile).
  int64_t& last_id = last_ids_[&spec];
  if (last_id == 0) {
    DALIL_ASSIGN_OR_RETURN(last_id, sqlite_ledger::MaxIdEver(db_, spec));
  }
  const int64_t id = last_id + 1;

  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(store_->InsertSql(spec)));
  st->BindInt(1, id);
  st->BindText(2, now_);
  st->BindText(3, actor_);
  st->BindText(4, now_);
  st->BindText(5, actor_);
  BindNextLeaf(*st, 6);
  DALIL_RETURN_IF_ERROR(bind_fields(*st, id));
  Status s = st->Run();
  if (s.code() == Code::kConflict) return ConflictFromConstraint(spec, s);
  DALIL_RETURN_IF_ERROR(s);
  last_id = id;
  Remember(spec, id);
  return id;
}

Result<json> SqliteWriteTxn::Create(const EntitySpec& spec, const json& body,
                                    model::Writer writer) {
  DALIL_ASSIGN_OR_RETURN(json record, model::ValidateCreate(spec, body, writer));
  DALIL_ASSIGN_OR_RETURN(const int64_t id, Insert(spec, record));
  // The record as a read would return it, without reading it back: the
  // values as stored (integers as integers, numbers as doubles) and the
  // system fields. dalil verify compares every row with its ledger content,
  // so a difference here could not go unnoticed.
  json created = std::move(record);
  AsStored(spec, created);
  created["id"] = id;
  created["version"] = 1;
  created["created_at"] = now_;
  created["created_by"] = actor_;
  created["updated_at"] = now_;
  created["updated_by"] = actor_;
  DALIL_RETURN_IF_ERROR(Record(spec, id, ledger::Op::kCreate, 1, &created, std::nullopt));
  DALIL_RETURN_IF_ERROR(sqlite_figures::Note(db_, spec, nullptr, &created, &dirty_));
  return created;
}

Result<int64_t> SqliteWriteTxn::CreatePrepared(PreparedCreate& p,
                                               const std::vector<int64_t>& refs) {
  const EntitySpec& spec = *p.spec;
  if (refs.size() != p.refs.size() || p.values.size() != spec.fields.size()) {
    return Status::Internal("a prepared " + std::string(spec.name) + " given " +
                            std::to_string(refs.size()) + " references for " +
                            std::to_string(p.refs.size()));
  }
  std::vector<std::optional<int64_t>> holes(refs.begin(), refs.end());
  for (size_t i = 0; i < refs.size(); ++i) p.values[p.refs[i]] = refs[i];
  if (spec.IsOwned()) {
    DALIL_ASSIGN_OR_RETURN(std::optional<int64_t> owner, CreatorOrganisation());
    const Field* f = spec.FindField("owner_organisation_id");
    p.values[static_cast<size_t>(f - spec.fields.data())] = owner ? json(*owner) : json();
    holes.push_back(owner);
  }
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    const Field& f = spec.fields[i];
    if (f.type == FieldType::kRef && !p.values[i].is_null()) {
      DALIL_RETURN_IF_ERROR(CheckReference(spec, f, p.values[i].get<int64_t>(), 0));
    }
  }
  // The figure index (and, for members, the write check) read the record.
  json record = json::object();
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    const Field& f = spec.fields[i];
    if (f.type == FieldType::kRef || f.name == "review_status" ||
        writer_.kind != Viewer::Kind::kSystem) {
      record[std::string(f.name)] = p.values[i];
    }
  }
  DALIL_RETURN_IF_ERROR(CheckWritable(spec, 0, record));
  DALIL_ASSIGN_OR_RETURN(const int64_t id, InsertRow(spec, [&](Statement& st, int64_t row) {
    for (size_t i = 0; i < spec.fields.size(); ++i) {
      DALIL_RETURN_IF_ERROR(
          BindValue(st, 7 + static_cast<int>(i), spec, spec.fields[i], p.values[i], row));
    }
    return Status::Ok();
  }));
  const std::string content = p.content.Fill(id, now_, actor_, holes);
  if (store_->records_ledger()) {
    DALIL_RETURN_IF_ERROR(sqlite_ledger::Append(
        db_, store_->codec(), store_->frontier(),
        {.spec = &spec, .id = id, .op = ledger::Op::kCreate, .version = 1, .content = &content,
         .salt = p.salt, .secrets = &p.secrets, .actor = actor_,
         .time = static_cast<uint64_t>(now_seconds_)}));
  }
  record["id"] = id;
  DALIL_RETURN_IF_ERROR(sqlite_figures::Note(db_, spec, nullptr, &record, &dirty_));
  return id;
}

Result<std::optional<int64_t>> SqliteWriteTxn::OwnerOf(const EntitySpec& spec,
                                                       const json& record) {
  if (spec.IsOwned()) {
    const json& o = record["owner_organisation_id"];
    return o.is_number_integer() ? std::optional<int64_t>(o.get<int64_t>()) : std::nullopt;
  }
  const std::string_view parent = ParentColumn(spec);
  if (parent.empty() || !record[std::string(parent)].is_number_integer()) {
    return std::optional<int64_t>();
  }
  const std::string sql =
      parent == "incident_id"
          ? "SELECT owner_organisation_id FROM incidents WHERE id = ?"
          : "SELECT i.owner_organisation_id FROM outcomes o JOIN incidents i ON i.id = "
            "o.incident_id WHERE o.id = ?";
  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(sql));
  st->BindInt(1, record[std::string(parent)].get<int64_t>());
  DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row || st->IsNull(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(st->Int(0));
}

Status SqliteWriteTxn::CheckWritable(const EntitySpec& spec, int64_t id, const json& record) {
  if (writer_.kind == Viewer::Kind::kSystem) return Status::Ok();
  if (writer_.kind != Viewer::Kind::kMember) {
    return Status(Code::kPermissionDenied, "sign in to write");
  }
  if (id > 0) {
    // Hidden: the same answer as a missing record.
    DALIL_RETURN_IF_ERROR(store_->ViewWith(db_, spec, id, writer_).status());
  }
  const bool shared = !spec.IsOwned() && ParentColumn(spec).empty();
  if (shared) return Status::Ok();  // places and actors: reference data
  DALIL_ASSIGN_OR_RETURN(std::optional<int64_t> owner, OwnerOf(spec, record));
  if (owner != writer_.organisation_id) {
    const std::string parent(ParentColumn(spec));
    return Status(Code::kPermissionDenied,
                  spec.IsOwned()
                      ? "this " + std::string(spec.name) + " belongs to another organisation"
                      : "its " + std::string(parent == "incident_id" ? "incident" : "outcome") +
                            " belongs to another organisation",
                  spec.IsOwned() ? "id" : parent);
  }
  return Status::Ok();
}

Status SqliteWriteTxn::Adopt(const EntitySpec& spec, int64_t id, int64_t organisation) {
  DALIL_ASSIGN_OR_RETURN(std::optional<uint64_t> prev, CurrentLeaf(spec, id));
  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached(
      "UPDATE " + std::string(spec.table) +
      " SET version = version + 1, updated_at = ?, updated_by = ?, ledger_leaf = ?, "
      "owner_organisation_id = ?, visibility = COALESCE(visibility, 'organisation') "
      "WHERE id = ? AND owner_organisation_id IS NULL"));
  st->BindText(1, now_);
  st->BindText(2, actor_);
  BindNextLeaf(*st, 3);
  st->BindInt(4, organisation);
  st->BindInt(5, id);
  DALIL_RETURN_IF_ERROR(st->Run());
  DALIL_ASSIGN_OR_RETURN(json adopted, store_->GetWith(db_, spec, id));
  DALIL_RETURN_IF_ERROR(Record(spec, id, ledger::Op::kUpdate, adopted["version"].get<int64_t>(),
                               &adopted, prev));
  return sqlite_figures::Note(db_, spec, nullptr, &adopted, &dirty_);
}

Result<json> SqliteWriteTxn::Update(const EntitySpec& spec, int64_t id,
                                    const json& patch) {
  DALIL_ASSIGN_OR_RETURN(json current, store_->GetWith(db_, spec, id));
  DALIL_RETURN_IF_ERROR(CheckWritable(spec, id, current));
  if (patch.is_object() && patch.contains("version")) {
    const json& v = patch["version"];
    if (!v.is_number_integer()) return Status::Invalid("version", "must be an integer");
    if (v.get<int64_t>() != current["version"].get<int64_t>()) {
      return Status::Conflict(std::string(spec.name) + " " + std::to_string(id) +
                                  " was changed by someone else (now version " +
                                  std::to_string(current["version"].get<int64_t>()) + ")",
                              "version");
    }
  }
  DALIL_ASSIGN_OR_RETURN(json record, model::ValidatePatch(spec, current, patch));
  DALIL_RETURN_IF_ERROR(CheckReferences(spec, record, id));
  // Moved to another incident (or outcome): that one must be the writer's too.
  DALIL_RETURN_IF_ERROR(CheckWritable(spec, 0, record));
  DALIL_ASSIGN_OR_RETURN(std::optional<uint64_t> prev, CurrentLeaf(spec, id));
  std::string sets = "version = version + 1, updated_at = ?, updated_by = ?, ledger_leaf = ?";
  for (const Field& f : spec.fields) {
    sets += ", ";
    sets += f.name;
    sets += " = ?";
  }
  DALIL_ASSIGN_OR_RETURN(auto st, db_->Cached("UPDATE " + std::string(spec.table) +
                                                    " SET " + sets + " WHERE id = ?"));
  st->BindText(1, now_);
  st->BindText(2, actor_);
  BindNextLeaf(*st, 3);
  DALIL_RETURN_IF_ERROR(BindRecord(*st, 4, spec, record, id));
  st->BindInt(4 + static_cast<int>(spec.fields.size()), id);
  Status s = st->Run();
  if (s.code() == Code::kConflict) return ConflictFromConstraint(spec, s);
  DALIL_RETURN_IF_ERROR(s);
  DALIL_ASSIGN_OR_RETURN(json updated, store_->GetWith(db_, spec, id));
  DALIL_RETURN_IF_ERROR(Record(spec, id, ledger::Op::kUpdate, updated["version"].get<int64_t>(),
                               &updated, prev));
  DALIL_RETURN_IF_ERROR(sqlite_figures::Note(db_, spec, &current, &updated, &dirty_));
  return updated;
}

Status SqliteWriteTxn::Delete(const EntitySpec& spec, int64_t id,
                              std::optional<int64_t> expected_version) {
  DALIL_ASSIGN_OR_RETURN(json current, store_->GetWith(db_, spec, id));
  DALIL_RETURN_IF_ERROR(CheckWritable(spec, id, current));
  if (expected_version && *expected_version != current["version"].get<int64_t>()) {
    return Status::Conflict(std::string(spec.name) + " " + std::to_string(id) +
                                " was changed by someone else",
                            "version");
  }
  // Name what still refers to the record instead of a bare FK error.
  for (const EntitySpec* other : model::AllEntities()) {
    for (const Field& f : other->fields) {
      if (f.type != FieldType::kRef || f.ref != spec.name) continue;
      DALIL_ASSIGN_OR_RETURN(Statement st, db_->Prepare(
          "SELECT COUNT(*) FROM " + std::string(other->table) + " WHERE " +
          std::string(f.name) + " = ?"));
      st.BindInt(1, id);
      DALIL_ASSIGN_OR_RETURN(bool row, st.Step());
      (void)row;
      if (int64_t n = st.Int(0); n > 0) {
        return Status::Conflict(std::string(spec.name) + " " + std::to_string(id) +
                                " is still referred to by " + std::to_string(n) + " " +
                                std::string(other->plural) + " (" + std::string(f.name) + ")");
      }
    }
  }
  known_.erase({&spec, id});
  DALIL_ASSIGN_OR_RETURN(std::optional<uint64_t> prev, CurrentLeaf(spec, id));
  DALIL_ASSIGN_OR_RETURN(Statement st, db_->Prepare("DELETE FROM " + std::string(spec.table) +
                                                    " WHERE id = ?"));
  st.BindInt(1, id);
  Status s = st.Run();
  if (s.code() == Code::kConflict) return ConflictFromConstraint(spec, s);
  DALIL_RETURN_IF_ERROR(s);
  DALIL_RETURN_IF_ERROR(Record(spec, id, ledger::Op::kDelete,
                               current["version"].get<int64_t>() + 1, nullptr, prev));
  return sqlite_figures::Note(db_, spec, &current, nullptr, &dirty_);
}

Result<json> SqliteWriteTxn::Get(const EntitySpec& spec, int64_t id) {
  return store_->ViewWith(db_, spec, id, writer_);
}

Result<int64_t> SqliteWriteTxn::PlaceIdByCode(const std::string& iso_code) {
  return store_->PlaceIdByCodeWith(db_, iso_code);
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  auto store = std::make_unique<SqliteStore>(options);
  DALIL_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

int LatestSchemaVersion() { return static_cast<int>(sqlite::Migrations().size()); }

}  // namespace dalil::store
