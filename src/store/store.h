// The database interface. Handlers, the CLI and importers talk to Store;
// store/sqlite/ implements it on SQLite (and a PostgreSQL implementation
// can slot in behind the same interface). Records travel as JSON objects
// shaped by the entity tables in model/schema.h:
//   {"id", "version", <every field of the entity, null when unset>,
//    "created_at", "created_by", "updated_at", "updated_by"}
// Every write is validated by model/validate.h and runs in one transaction.
//
// Thread safety: a Store is safe for concurrent use from many threads;
// writes are serialised, reads run in parallel.
#ifndef DALIL_STORE_STORE_H_
#define DALIL_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "store/imports.h"
#include "ledger/checkpoint.h"
#include "ledger/leaf.h"
#include "ledger/merkle.h"
#include "model/schema.h"
#include "model/validate.h"

namespace dalil::store {

using nlohmann::json;

// Who reads or writes, for the ownership and visibility rules
// (docs/security.md, "Ownership and visibility"), applied by the store in
// SQL to every read and write, so no caller filters by hand.
//
// A record is visible to a member of its owning organisation when its
// visibility is organisation or public, or restricted to a list that names
// the member's role; to everyone else (other organisations' members and
// anonymous visitors) only once published: visibility public and, for an
// incident, verified. Claims, outcomes, involvements and outcome updates
// are visible exactly when their incident is; places and actors always.
// Sensitive fields (and a person's notes) are withheld (null) from everyone
// but members of the owning organisation.
struct Viewer {
  enum class Kind {
    kSystem,     // the CLI, importers and internal jobs: sees everything
    kAnonymous,  // a visitor who is not signed in: published records only
    kMember,     // a signed-in account of `organisation_id` with `role`
  };
  Kind kind = Kind::kSystem;
  // Members: their organisation. System writes: the organisation that owns
  // the records they create (0: the installation's first organisation).
  int64_t organisation_id = 0;
  std::string role;  // members: "viewer", "documenter", ...

  static Viewer System(int64_t owner = 0) { return {Kind::kSystem, owner, ""}; }
  static Viewer Anonymous() { return {Kind::kAnonymous, 0, ""}; }
  static Viewer Member(int64_t organisation, std::string role) {
    return {Kind::kMember, organisation, std::move(role)};
  }
};

struct ListQuery {
  // Exact matches on filterable fields, values already parsed by
  // model::ParseFilterValue.
  std::vector<std::pair<std::string, json>> equals;
  // Places and incidents: only records at this place or any place under it.
  std::optional<int64_t> within_place;
  // Incidents: only those whose [start_date, end_date] overlaps [from, to].
  std::optional<std::string> from, to;
  // Incidents: only those with an involvement of this actor (or its units).
  std::optional<int64_t> actor;
  std::string sort = "id";  // a sortable field or a system field
  bool descending = false;
  int64_t limit = 50;
  int64_t offset = 0;
  // Only records this viewer may see (and fields it may read).
  Viewer viewer;
};

struct ListResult {
  std::vector<json> items;
  int64_t total = 0;  // matching records, ignoring limit/offset
};

// A create checked and encoded ahead of its write, on any thread: the
// validated record, and its canonical content (docs/formats/ledger.md 1.1)
// around the values only the write knows (id, time, actor, the references
// named in `refs`, the owner). Bulk imports prepare records on their reading
// thread, so the writing thread only resolves references and inserts
// (WriteTxn::CreatePrepared).
struct PreparedCreate {
  const model::EntitySpec* spec = nullptr;
  // The validated value of each field of spec->fields, in that order (null
  // when unset); the write fills in `refs` and the owner.
  std::vector<json> values;
  std::vector<size_t> refs;  // indexes (into spec->fields) of the references the write supplies
  json secrets;              // the sensitive values that are set (null when none)
  std::string salt;          // for sensitive fields' commitments
  ledger::ContentTemplate content;
};
// Gives each set value the type a read returns (integers as integers,
// numbers as doubles), as the content of its version must hold it.
void AsStored(const model::EntitySpec& spec, json& record);

// Validates `body` exactly as WriteTxn::Create does, except that the
// reference fields named in `refs` are supplied at the write. Pure: no
// store, any thread. Errors as Create's validation (kInvalidArgument naming
// the field).
Result<PreparedCreate> PrepareCreate(const model::EntitySpec& spec, json body,
                                     std::vector<std::string_view> refs,
                                     model::Writer writer = model::Writer::kClient);

// The operations of one write transaction. Obtained only inside
// Store::Write; invalid after the callback returns.
class WriteTxn {
 public:
  virtual ~WriteTxn() = default;
  // Validates `body` and inserts a record. Errors: kInvalidArgument naming
  // the field (bad value, reference to a missing record), kConflict (a
  // unique value already used).
  virtual Result<json> Create(const model::EntitySpec& spec, const json& body,
                              model::Writer writer = model::Writer::kClient) = 0;
  // Creates a prepared record (PrepareCreate) with `refs[i]` as the value
  // of its reference field `p.refs[i]`; returns its id. Everything Create
  // does but validation, which PrepareCreate did; consumes `p.record`.
  virtual Result<int64_t> CreatePrepared(PreparedCreate& p, const std::vector<int64_t>& refs) = 0;
  // Merge-patches the record. If `patch` holds "version", it must equal the
  // current version (else kConflict): optimistic concurrency for editors.
  virtual Result<json> Update(const model::EntitySpec& spec, int64_t id,
                              const json& patch) = 0;
  // Deletes the record; kConflict when other records still refer to it,
  // kNotFound when it does not exist, kConflict on a version mismatch.
  virtual Status Delete(const model::EntitySpec& spec, int64_t id,
                        std::optional<int64_t> expected_version) = 0;
  virtual Result<json> Get(const model::EntitySpec& spec, int64_t id) = 0;
  // Id of the place with this ISO code (e.g. "IQ-DQ"), or kNotFound.
  virtual Result<int64_t> PlaceIdByCode(const std::string& iso_code) = 0;
  // The import bookkeeping written in this same transaction (store/imports.h).
  virtual ImportTxn& Imports() = 0;
  // Ownership in writes (the transaction's writer, Store::WriteAs): a record
  // the writer may not see is kNotFound, worded as for a missing id (a
  // reference to one is kInvalidArgument "no <entity> with id N", as for a
  // missing record); one it may see but that belongs to another
  // organisation is kPermissionDenied. Records created are owned by the
  // writer's organisation.
};

// One leaf of the ledger as stored.
struct LeafEntry {
  uint64_t index = 0;
  std::string data;  // the encoded leaf (docs/formats/ledger.md section 2)
  ledger::Hash hash{};
};

// One version of a record, with the leaf that records it.
struct VersionEntry {
  uint64_t leaf_index = 0;
  int64_t version = 0;
  ledger::Op op = ledger::Op::kCreate;
  uint64_t time = 0;
  std::string actor;
  std::string content;  // canonical content; empty for a delete
  ledger::Hash content_hash{};
};

struct SignedCheckpoint {
  ledger::Checkpoint checkpoint;
  std::string note;  // the full signed note text
  std::string signed_at;
};

// What `dalil verify` found. Each problem is one sentence naming the record,
// leaf or version concerned.
struct VerifyReport {
  uint64_t leaves = 0;
  uint64_t versions = 0;
  uint64_t records = 0;
  uint64_t events = 0;  // account events and reveals (ledger.md 1.3)
  uint64_t checkpoints = 0;
  std::optional<ledger::Checkpoint> latest_checkpoint;
  std::vector<std::string> problems;
  bool intact() const { return problems.empty(); }
};

// What the figures need, read on one snapshot: the verified incidents a
// filter selects, their credible-or-not claims (with the source's
// reliability), named victims' outcomes and status changes, perpetrators,
// person merges, and the places and actors for grouping and labels.
struct FigureRows {
  struct Incident {
    int64_t id;
    std::string start_date, end_date, event_type;
    int64_t place_id;
  };
  struct Claim {
    int64_t id, incident, source;
    std::string category;
    int64_t min;
    std::optional<int64_t> max;
    std::string reliability;
  };
  struct Outcome {
    int64_t id, incident, person;
    std::string kind;
    std::string date;  // empty when unknown
    std::optional<int64_t> source;
  };
  struct Change {
    int64_t outcome;
    std::string status, date;
  };
  struct Place {
    std::optional<int64_t> parent;
    std::string level, name_en, name_ar, iso_code;
  };
  struct Actor {
    std::optional<int64_t> parent;
    std::string name_en, name_ar;
  };
  std::vector<Incident> incidents;
  std::vector<Claim> claims;
  std::vector<Outcome> outcomes;
  std::vector<Change> changes;
  std::vector<std::pair<int64_t, int64_t>> perpetrators;  // (incident, actor)
  std::map<int64_t, int64_t> merged_into;                 // person -> person
  std::map<int64_t, Place> places;
  std::map<int64_t, Actor> actors;
};

// One verified incident in the figure index: what it brings to figures,
// kept in step with the records in every write transaction (one row per
// verified incident; docs/counting.md, "Speed"). Views are valid only
// during the callback.
struct FigureIndexRow {
  int64_t incident = 0, start_day = 0, end_day = 0, place_id = 0;
  std::string_view event_type;
  std::string_view actors;   // DecodeIndexActors
  std::string_view summary;  // figures::DecodeSummary
};
struct FigureScan {
  std::optional<int64_t> from_day, to_day;  // days since epoch, either open
  Viewer viewer;                            // only incidents it may see
  bool event_type = true;                   // fill FigureIndexRow::event_type
  bool actors = true;                       // fill FigureIndexRow::actors
};
struct InvolvedActor {
  int64_t actor = 0;
  bool perpetrator = false;
};
// The incident's involved actors, ascending by id; false if malformed.
bool DecodeIndexActors(std::string_view bytes, std::vector<InvolvedActor>* out);
std::string EncodeIndexActors(const std::vector<InvolvedActor>& actors);

class Store {
 public:
  virtual ~Store() = default;

  // Runs `fn` in one write transaction on behalf of `actor` (an account
  // name or "system"): committed if fn returns OK, rolled back otherwise
  // (nothing half-written). Returns fn's status or the commit error.
  // As the system (Viewer::System()): sees and may change every record;
  // records it creates belong to the first organisation.
  Status Write(const std::string& actor, const std::function<Status(WriteTxn&)>& fn) {
    return WriteAs(actor, Viewer::System(), fn);
  }
  // The same, with the ownership rules of `writer` (see WriteTxn).
  virtual Status WriteAs(const std::string& actor, const Viewer& writer,
                         const std::function<Status(WriteTxn&)>& fn) = 0;

  // The record if `viewer` may see it, with the fields it may read;
  // kNotFound, worded the same, when it is missing or hidden from the viewer.
  virtual Result<json> Get(const model::EntitySpec& spec, int64_t id,
                           const Viewer& viewer) = 0;
  Result<json> Get(const model::EntitySpec& spec, int64_t id) {
    return Get(spec, id, Viewer::System());
  }
  virtual Result<ListResult> List(const model::EntitySpec& spec,
                                  const ListQuery& query) = 0;
  // Resolves a place given as a numeric id or an ISO code ("IQ-DQ").
  virtual Result<int64_t> ResolvePlace(const std::string& id_or_code) = 0;
  // Number of records of an entity (for "is the database empty?").
  virtual Result<int64_t> Count(const model::EntitySpec& spec) = 0;
  // The schema version (number of applied migrations).
  virtual Result<int> SchemaVersion() = 0;

  // --- The ledger (docs/formats/ledger.md). Every write above appends its
  // leaves in its own transaction; these read and sign it. ---

  // Number of leaves.
  virtual Result<uint64_t> LedgerSize() = 0;
  // Root of the first `size` leaves (size <= LedgerSize()).
  virtual Result<ledger::Hash> LedgerRoot(uint64_t size) = 0;
  virtual Result<std::vector<ledger::Hash>> InclusionProof(uint64_t index,
                                                          uint64_t size) = 0;
  virtual Result<std::vector<ledger::Hash>> ConsistencyProof(uint64_t size1,
                                                            uint64_t size2) = 0;
  // Leaves [start, end), end exclusive, at most `end - start` of them.
  virtual Result<std::vector<LeafEntry>> Leaves(uint64_t start, uint64_t end) = 0;
  // Every version of one record, oldest first; kNotFound if it never
  // existed or `viewer` may not see it (a deleted record: only the system).
  // For viewers outside the owning organisation a person's contents are
  // withheld (empty; the hashes remain), as its notes are in Get.
  virtual Result<std::vector<VersionEntry>> History(const model::EntitySpec& spec, int64_t id,
                                                   const Viewer& viewer) = 0;
  Result<std::vector<VersionEntry>> History(const model::EntitySpec& spec, int64_t id) {
    return History(spec, id, Viewer::System());
  }
  virtual Result<std::optional<SignedCheckpoint>> LatestCheckpoint() = 0;
  // Signs a checkpoint of the current tree with `key` if the tree grew since
  // the latest one (otherwise returns the latest). Refuses with kCorruption
  // if the tree no longer has the latest checkpoint's root at its size: the
  // log never signs two inconsistent checkpoints.
  virtual Result<SignedCheckpoint> SignCheckpoint(const ledger::SigningKey& key) = 0;
  // Recomputes everything (docs/formats/ledger.md section 5) on one
  // consistent snapshot. `saved_note`, if given, is a checkpoint kept by an
  // outside observer. Errors only when the check could not run.
  virtual Result<VerifyReport> VerifyLedger(const ledger::Verifier& key,
                                            const std::optional<std::string>& saved_note) = 0;

  // The rows behind figures for the verified incidents `filter` selects
  // (within_place, from/to, actor and exact-match fields of incidents).
  virtual Result<FigureRows> LoadFigureRows(const ListQuery& filter) = 0;
  // On one snapshot: fills `places` and `actors` of `lookups` (the other
  // members stay empty) and calls `each` for every entry of the figure index
  // whose incident overlaps [scan.from_day, scan.to_day], in no particular
  // order; stops at the first error `each` returns.
  // Columns the caller does not ask for come back empty (reading fewer
  // columns makes a full scan cheaper).
  virtual Status ScanFigureIndex(const FigureScan& scan, FigureRows* lookups,
                                 const std::function<Status(const FigureIndexRow&)>& each) = 0;
  // Recomputes the figure index from the records and names every entry
  // that differs (missing, extra, altered): empty when in step.
  virtual Result<std::vector<std::string>> CheckFigureIndex() = 0;

  // Gives records that have no owner yet (from before ownership existed,
  // or written while no organisation did) to the first organisation, each
  // with a ledger version recording it; returns how many. Nothing when no
  // organisation exists. The store does this when it opens; call it after
  // creating the first organisation.
  virtual Result<int64_t> AdoptUnownedRecords() = 0;

  // One import run with its rejected rows and flagged records; kNotFound
  // when there is no such run.
  virtual Result<ImportReport> LoadImportReport(int64_t run_id) = 0;

  // Convenience single-record writes as the system, each its own transaction.
  Result<json> Create(const std::string& actor, const model::EntitySpec& spec,
                      const json& body,
                      model::Writer writer = model::Writer::kClient);
  Result<json> Update(const std::string& actor, const model::EntitySpec& spec,
                      int64_t id, const json& patch);
  Status Delete(const std::string& actor, const model::EntitySpec& spec,
                int64_t id, std::optional<int64_t> expected_version);
};

}  // namespace dalil::store

#endif  // DALIL_STORE_STORE_H_
