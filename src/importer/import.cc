#include "importer/import.h"

#include <sodium.h>

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "base/bounded_queue.h"
#include "base/text.h"
#include "importer/bundle.h"
#include "importer/mappers.h"
#include "importer/places.h"
#include "model/schema.h"

namespace dalil::importer {
namespace {

using nlohmann::json;
using store::ImportCounts;
using store::ImportReject;

const model::EntitySpec& Spec(std::string_view name) { return *model::FindEntityByName(name); }

// Passes a stream through while hashing every byte read (the file's
// SHA-256 identifies it in the run's record).
class HashingBuf : public std::streambuf {
 public:
  explicit HashingBuf(std::istream& in) : in_(in) {
    crypto_hash_sha256_init(&state_);
    buf_.resize(1 << 16);
  }
  std::string HexDigest() {
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state_, out);
    return HexEncode(std::string_view(reinterpret_cast<char*>(out), sizeof out));
  }
  uint64_t total() const { return total_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    const std::streamsize n = in_.gcount();
    if (n <= 0) return traits_type::eof();
    crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(buf_.data()),
                              static_cast<unsigned long long>(n));
    total_ += static_cast<uint64_t>(n);
    setg(buf_.data(), buf_.data(), buf_.data() + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::istream& in_;
  std::vector<char> buf_;
  crypto_hash_sha256_state state_;
  uint64_t total_ = 0;
};

std::string RowHash(const std::string& format, const std::vector<std::string>& fields) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  auto add = [&](std::string_view s) {
    const uint64_t n = s.size();
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(&n), sizeof n);
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  };
  add(format);
  for (const std::string& f : fields) add(f);
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, out);
  return HexEncode(std::string_view(reinterpret_cast<char*>(out), sizeof out));
}

// A cell as it may be shown in a report: valid UTF-8, at most 200 bytes.
std::string ReportValue(std::string_view v) {
  if (v.size() > 200) v = v.substr(0, 200);
  if (IsValidUtf8(v)) return std::string(v);
  // Cut inside a character, or not UTF-8 at all: show the bytes.
  for (size_t cut = 1; cut <= 3 && cut < v.size(); ++cut) {
    if (IsValidUtf8(v.substr(0, v.size() - cut))) return std::string(v.substr(0, v.size() - cut));
  }
  return "hex:" + HexEncode(v.substr(0, 100));
}

bool IsArabicScript(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0xD8 && c <= 0xDB) return true;
  }
  return false;
}

// A row as the reading thread hands it to the writer: the cells, and when
// they are well formed (no CSV error, as many columns as the header, UTF-8)
// already mapped and hashed.
struct PendingRow {
  CsvRecord rec;
  int bad_utf8 = -1;  // index of the first cell that is not UTF-8
  std::optional<MapResult> mapped;
  std::string hash;
  // The row's new records, validated and encoded ahead (for a row seen for
  // the first time), or why validation refused it.
  std::optional<store::PreparedCreate> incident;
  std::vector<store::PreparedCreate> claims, involvements;
  std::optional<ImportReject> invalid;
  bool consumed = false;  // the prepared records were written (or tried)
};

// Rows read and mapped ahead on a second thread, so parsing and mapping
// overlap the writing. At most two batches wait, so memory stays bounded (a
// batch is at most batch_rows rows or 16 MiB of cells).
struct ReadBatch {
  std::vector<PendingRow> rows;
  uint64_t bytes_read = 0;
};
using BatchQueue = BoundedQueue<ReadBatch>;

class CsvImporter {
 public:
  CsvImporter(store::Store& store, const ImportOptions& opts, std::unique_ptr<Mapper> mapper,
              std::string dataset)
      : store_(store), opts_(opts), mapper_(std::move(mapper)), dataset_(std::move(dataset)) {}

  Result<ImportSummary> Run(std::istream& raw) {
    HashingBuf hashing(raw);
    std::istream in(&hashing);
    CsvReader reader(in, opts_.limits);
    CsvRecord header;
    if (!reader.Next(header)) {
      if (raw.bad()) return Status::Io("the file cannot be read");
      return Status::Invalid("file", "the file is empty (no header row)");
    }
    if (!header.error.empty()) {
      return Status::Invalid("header", "line " + std::to_string(header.line) + ": " + header.error);
    }
    for (const std::string& h : header.fields) {
      if (!IsValidUtf8(h)) {
        return Status::Invalid("header", "the header is not UTF-8 text (is the file in another "
                                         "encoding, such as UTF-16 or Windows-1256?)");
      }
    }
    header_ = header.fields;
    DALIL_RETURN_IF_ERROR(mapper_->Bind(header_));

    summary_.dataset = dataset_;
    if (!opts_.dry_run) {
      DALIL_RETURN_IF_ERROR(store_.WriteAs(opts_.actor, opts_.writer, [&](store::WriteTxn& txn) -> Status {
        store::ImportRun run;
        run.dataset = dataset_;
        run.format = opts_.format;
        run.file_name = opts_.file_name;
        DALIL_ASSIGN_OR_RETURN(run_id_, txn.Imports().StartRun(run));
        return Status::Ok();
      }));
    }
    summary_.run_id = run_id_;
    DALIL_RETURN_IF_ERROR(LoadCaches());

    // The reading thread parses, checks and maps; this one writes.
    BatchQueue queue(2);
    std::thread reading([&] { queue.Close(ReadAhead(reader, raw, queue)); });
    // However this thread leaves (an error, an exception), the reader is
    // told to stop and joined first.
    struct Joiner {
      BatchQueue& queue;
      std::thread& thread;
      ~Joiner() {
        queue.Stop();
        if (thread.joinable()) thread.join();
      }
    } joiner{queue, reading};
    Status written = Status::Ok(), read = Status::Ok();
    ReadBatch batch;
    while (queue.Pop(&batch, &read)) {
      written = Flush(batch.rows, batch.bytes_read);
      if (!written.ok()) break;
      Recycle(std::move(batch));
      batch = ReadBatch();
    }
    queue.Stop();
    reading.join();
    DALIL_RETURN_IF_ERROR(written);
    DALIL_RETURN_IF_ERROR(read);
    if (!opts_.dry_run) {
      const std::string sha = hashing.HexDigest();
      DALIL_RETURN_IF_ERROR(store_.WriteAs(opts_.actor, opts_.writer, [&](store::WriteTxn& txn) {
        return txn.Imports().UpdateRun(run_id_, counts_, "completed", sha);
      }));
    }
    summary_.counts = counts_;
    return summary_;
  }

 private:
  // Writes a batch in one transaction; if anything in it fails, each row
  // again in its own, so a bad row is rejected alone.
  Status Flush(std::vector<PendingRow>& batch, uint64_t bytes) {
    if (batch.empty()) return Status::Ok();
    const ImportCounts before = counts_;
    const size_t rejects_before = summary_.rejects.size();
    Status s = store_.WriteAs(opts_.actor, opts_.writer, [&](store::WriteTxn& txn) -> Status {
      for (PendingRow& row : batch) DALIL_RETURN_IF_ERROR(Process(txn, row));
      if (opts_.dry_run) return Status(Code::kUnavailable, "dry run");
      return txn.Imports().UpdateRun(run_id_, counts_, "", "");
    });
    if (opts_.dry_run && s.code() == Code::kUnavailable && s.message() == "dry run") s = Status::Ok();
    if (!s.ok() || opts_.dry_run) {
      DALIL_RETURN_IF_ERROR(LoadCaches());  // what the rolled-back batch created is gone
    }
    if (!s.ok()) {
      if (!IsRowProblem(s)) return s;
      counts_ = before;
      summary_.rejects.resize(rejects_before);
      for (PendingRow& row : batch) {
        const ImportCounts row_before = counts_;
        Status one = store_.WriteAs(opts_.actor, opts_.writer, [&](store::WriteTxn& txn) {
          Status processed = Process(txn, row);
          if (processed.ok() && opts_.dry_run) return Status(Code::kUnavailable, "dry run");
          return processed;
        });
        if (opts_.dry_run && one.code() == Code::kUnavailable && one.message() == "dry run") {
          DALIL_RETURN_IF_ERROR(LoadCaches());
          continue;
        }
        if (one.ok()) continue;
        if (!IsRowProblem(one)) return one;
        DALIL_RETURN_IF_ERROR(LoadCaches());
        counts_ = row_before;
        ++counts_.rows;
        ++counts_.rejected;
        const ImportReject rej = RefusedBy(row, current_origin_, current_entity_, one);
        DALIL_RETURN_IF_ERROR(store_.WriteAs(opts_.actor, opts_.writer, [&](store::WriteTxn& txn) {
          return RecordReject(txn, rej);
        }));
      }
      if (!opts_.dry_run) {
        DALIL_RETURN_IF_ERROR(store_.WriteAs(opts_.actor, opts_.writer, [&](store::WriteTxn& txn) {
          return txn.Imports().UpdateRun(run_id_, counts_, "", "");
        }));
      }
    }
    if (opts_.progress) opts_.progress({counts_.rows, bytes, opts_.total_bytes});
    return Status::Ok();
  }

  // The reading thread: reads every record after the header, prepares it
  // (Prepare) and queues it in batches. Uses only the reader and the mapper,
  // which no other thread touches meanwhile.
  Status ReadAhead(CsvReader& reader, std::istream& raw, BatchQueue& queue) {
    bool first = true;
    ReadBatch batch;
    size_t batch_bytes = 0;
    CsvRecord rec;
    while (reader.Next(rec)) {
      if (first) {
        first = false;
        // The row under the header may be HXL hashtags: not data.
        if (rec.error.empty()) {
          DALIL_ASSIGN_OR_RETURN(bool hxl, mapper_->TakeHxlRow(rec.fields));
          if (hxl) continue;
        } else if (opts_.format == "hxl-csv") {
          return Status::Invalid("header", "line " + std::to_string(rec.line) + ": " + rec.error);
        }
      }
      for (const std::string& f : rec.fields) batch_bytes += f.size();
      batch.rows.push_back(Prepare(std::move(rec)));
      rec = CsvRecord();
      if (static_cast<int>(batch.rows.size()) >= opts_.batch_rows || batch_bytes > (16u << 20)) {
        batch.bytes_read = reader.bytes_read();
        FreeSpent();
        if (!queue.Push(std::move(batch))) return Status::Ok();
        batch = ReadBatch();
        batch_bytes = 0;
      }
    }
    if (first && opts_.format == "hxl-csv") {
      return Status::Invalid("header", "an hxl-csv file needs a row of HXL hashtags under its header");
    }
    if (raw.bad()) return Status::Io("reading the file failed after line " + std::to_string(rec.line));
    batch.bytes_read = reader.bytes_read();
    if (!batch.rows.empty()) queue.Push(std::move(batch));
    return Status::Ok();
  }

  // Written batches go back to the reading thread, which allocated their
  // rows, to be freed there: freeing on the writing thread what another
  // thread allocated costs the allocator dearly (arena locks, consolidation).
  void Recycle(ReadBatch batch) {
    std::lock_guard<std::mutex> lock(spent_mu_);
    spent_.push_back(std::move(batch));
  }
  void FreeSpent() {
    std::vector<ReadBatch> spent;
    {
      std::lock_guard<std::mutex> lock(spent_mu_);
      spent.swap(spent_);
    }
  }

  // The checks and mapping that need no database (a pure function of the
  // row, so it runs on the reading thread).
  PendingRow Prepare(CsvRecord rec) const {
    PendingRow row;
    row.rec = std::move(rec);
    const CsvRecord& r = row.rec;
    if (!r.error.empty() || r.field_count != static_cast<int64_t>(header_.size())) return row;
    for (size_t i = 0; i < r.fields.size(); ++i) {
      if (!IsValidUtf8(r.fields[i])) {
        row.bad_utf8 = static_cast<int>(i);
        return row;
      }
    }
    row.mapped = mapper_->Map(r.fields);
    if (!row.mapped->row) return row;
    row.hash = RowHash(opts_.format, r.fields);
    PrepareRecords(row);
    return row;
  }

  // Validates and encodes the row's incident, claims and involvements as
  // they will be created (references aside), here on the reading thread.
  // A value validation refuses makes the row a reject naming its column.
  void PrepareRecords(PendingRow& row) const {
    const MappedRow& m = *row.mapped->row;
    row.incident.reset();
    row.claims.clear();
    row.involvements.clear();
    row.consumed = false;
    auto refuse = [&](std::string_view entity, const Status& s) {
      row.invalid = RefusedBy(row, &m.origin, entity, s);
      row.incident.reset();
      row.claims.clear();
      row.involvements.clear();
    };
    json incident = m.incident;
    incident["review_status"] = opts_.review_status;
    auto prepared = store::PrepareCreate(Spec("incident"), std::move(incident), {"place_id"});
    if (!prepared.ok()) return refuse("incident", prepared.status());
    row.incident = std::move(*prepared);
    for (const MappedClaim& c : m.claims) {
      json body = ClaimCounts(c);
      body["category"] = c.category;
      auto claim = store::PrepareCreate(Spec("claim"), std::move(body), {"incident_id", "source_id"});
      if (!claim.ok()) return refuse("claim", claim.status());
      row.claims.push_back(std::move(*claim));
    }
    for (const MappedActor& a : m.actors) {
      auto inv = store::PrepareCreate(Spec("involvement"), {{"role", a.role}},
                                      {"incident_id", "actor_id"});
      if (!inv.ok()) return refuse("involvement", inv.status());
      row.involvements.push_back(std::move(*inv));
    }
  }

  // The reject of a row whose `entity` the store or the model refused:
  // the column the refused value came from (when the mapper said), that
  // value, and the reason.
  ImportReject RefusedBy(const PendingRow& row, const std::map<std::string, std::string>* origin,
                         std::string_view entity, const Status& s) const {
    std::string column;
    if (origin != nullptr) {
      auto it = origin->find(std::string(entity) + "." + s.field());
      if (it != origin->end()) column = it->second;
    }
    std::string value;
    for (size_t i = 0; !column.empty() && i < header_.size(); ++i) {
      if (header_[i] == column) value = ReportValue(Cell(row.rec.fields, static_cast<int>(i)));
    }
    return {row.rec.line, column, value,
            std::string(entity) + " " + (s.field().empty() ? "" : s.field() + ": ") + s.message()};
  }

  // A claim's numbers and quote, as its create and its update both give them.
  static json ClaimCounts(const MappedClaim& c) {
    return {{"count_min", c.min},
            {"count_max", c.max ? json(*c.max) : json()},
            {"count_best", c.best ? json(*c.best) : json()},
            {"quote", c.quote.empty() ? json() : json(c.quote)}};
  }

  static bool IsRowProblem(const Status& s) {
    return s.code() == Code::kInvalidArgument || s.code() == Code::kConflict;
  }

  Status RecordReject(store::WriteTxn& txn, const ImportReject& r) {
    if (opts_.dry_run) {
      if (summary_.rejects.size() < 1000) summary_.rejects.push_back(r);
      return Status::Ok();
    }
    return txn.Imports().AddReject(run_id_, r);
  }

  Status Reject(store::WriteTxn& txn, int64_t line, int col, std::string value,
                std::string reason) {
    ++counts_.rejected;
    ImportReject r{line, col >= 0 && static_cast<size_t>(col) < header_.size() ? header_[col] : "",
                   ReportValue(value), std::move(reason)};
    return RecordReject(txn, r);
  }

  Status Process(store::WriteTxn& txn, PendingRow& row) {
    const CsvRecord& rec = row.rec;
    current_entity_.clear();
    current_origin_ = nullptr;
    ++counts_.rows;
    if (!rec.error.empty()) {
      const int col = static_cast<int>(rec.error_field) - 1;
      return Reject(txn, rec.line, col, col >= 0 ? std::string(Cell(rec.fields, col)) : "",
                    rec.error);
    }
    if (rec.field_count != static_cast<int64_t>(header_.size())) {
      return Reject(txn, rec.line, -1, "",
                    "the row has " + std::to_string(rec.field_count) + " columns, the header " +
                        std::to_string(header_.size()));
    }
    if (row.bad_utf8 >= 0) {
      return Reject(txn, rec.line, row.bad_utf8, rec.fields[row.bad_utf8],
                    "is not valid UTF-8 (is the file in another encoding?)");
    }
    MapResult& mapped = *row.mapped;
    if (!mapped.row) {
      ++counts_.rejected;
      return RecordReject(txn, {rec.line, mapped.error.column, ReportValue(mapped.error.value),
                                mapped.error.reason});
    }
    if (row.invalid) {
      ++counts_.rejected;
      return RecordReject(txn, *row.invalid);
    }
    MappedRow& m = *mapped.row;
    const std::string& hash = row.hash;
    if (m.key.empty()) m.key = "row:" + hash;
    DALIL_ASSIGN_OR_RETURN(std::optional<store::ImportedRow> prior,
                           txn.Imports().FindRow(dataset_, m.key));
    if (prior && run_id_ != 0 && prior->run_id == run_id_) {
      ++counts_.rejected;
      return RecordReject(txn, {rec.line, "", ReportValue(m.key),
                                "the event id appears twice in the file (first on line " +
                                    std::to_string(prior->line) + ")"});
    }
    if (prior && prior->row_hash == hash) {
      ++counts_.unchanged;
      return Status::Ok();
    }
    current_origin_ = &m.origin;
    bool flagged = false;
    current_entity_ = "place";
    // Rows name the same few places again and again: resolve each spelling
    // once (normalising names is the costly part).
    const std::string place_key = m.country + '\x1f' + m.country_code + '\x1f' + m.adm1 +
                                  '\x1f' + m.adm1_code + '\x1f' + m.adm2 + '\x1f' + m.location;
    int64_t place = 0;
    if (auto memo = place_memo_.find(place_key); memo != place_memo_.end()) {
      place = memo->second;
    } else {
      DALIL_ASSIGN_OR_RETURN(place, ResolvePlace(txn, m, rec.line, flagged));
      if (place_memo_.size() > 50000) place_memo_.clear();  // bounded memory
      place_memo_.emplace(place_key, place);
    }
    json incident = m.incident;
    incident["place_id"] = place;
    store::ImportedRow out;
    out.row_hash = hash;
    out.records = json::object();
    current_entity_ = "incident";
    if (prior) {
      const json current = txn.Get(Spec("incident"), prior->incident_id).ok()
                               ? json(*txn.Get(Spec("incident"), prior->incident_id))
                               : json();
      if (current.is_null()) return Status::Conflict("the incident was removed", "incident");
      json patch = incident;
      for (const model::Field& f : Spec("incident").fields) {
        // A newer file changes what it says, never review or who may see it.
        if (f.name == "review_status" || f.access || patch.contains(std::string(f.name))) continue;
        patch[std::string(f.name)] = nullptr;
      }
      DALIL_RETURN_IF_ERROR(txn.Update(Spec("incident"), prior->incident_id, patch).status());
      out.incident_id = prior->incident_id;
    } else {
      // Prepared on the reading thread; a row written again after its
      // batch failed (its records consumed) is prepared afresh here.
      if (!row.incident || row.consumed) {
        PrepareRecords(row);
        if (row.invalid) {
          ++counts_.rejected;
          return RecordReject(txn, *row.invalid);
        }
      }
      row.consumed = true;  // freed later by the reading thread, with its batch
      DALIL_ASSIGN_OR_RETURN(out.incident_id, txn.CreatePrepared(*row.incident, {place}));
    }
    const json old = prior ? prior->records : json::object();

    std::optional<int64_t> source;
    if (m.source) {
      current_entity_ = "source";
      DALIL_ASSIGN_OR_RETURN(source, FindOrCreateSource(txn, *m.source));
      out.records["source"] = *source;
    }
    current_entity_ = "claim";
    json claims = json::object();
    const json old_claims = old.value("claims", json::object());
    for (size_t ci = 0; ci < m.claims.size(); ++ci) {
      const MappedClaim& c = m.claims[ci];
      if (!source) return Status::Invalid("source_id", "a claim needs a source");
      if (!prior) {
        store::PreparedCreate& prepared = row.claims[ci];
        DALIL_ASSIGN_OR_RETURN(const int64_t id, txn.CreatePrepared(prepared, {out.incident_id, *source}));
        claims[c.category] = id;
        continue;
      }
      json body = ClaimCounts(c);
      body["source_id"] = *source;
      auto it = old_claims.find(c.category);
      if (it != old_claims.end()) {
        DALIL_RETURN_IF_ERROR(txn.Update(Spec("claim"), it->get<int64_t>(), body).status());
        claims[c.category] = *it;
      } else {
        body["incident_id"] = out.incident_id;
        body["category"] = c.category;
        DALIL_ASSIGN_OR_RETURN(json created, txn.Create(Spec("claim"), body));
        claims[c.category] = created["id"];
      }
    }
    for (const auto& [category, id] : old_claims.items()) {
      if (!claims.contains(category)) {
        DALIL_RETURN_IF_ERROR(txn.Delete(Spec("claim"), id.get<int64_t>(), std::nullopt));
      }
    }
    out.records["claims"] = claims;

    current_entity_ = "actor";
    std::vector<std::pair<int64_t, std::string>> wanted;
    for (const MappedActor& a : m.actors) {
      DALIL_ASSIGN_OR_RETURN(int64_t actor, FindOrCreateActor(txn, a));
      wanted.emplace_back(actor, a.role);
    }
    current_entity_ = "involvement";
    json involvements = json::array();
    const json old_inv = old.value("involvements", json::array());
    const json old_pairs = old.value("involved", json::array());
    json pairs = json::array();
    for (const auto& [actor, role] : wanted) pairs.push_back({actor, role});
    if (prior && pairs == old_pairs) {
      involvements = old_inv;
    } else {
      for (const json& id : old_inv) {
        DALIL_RETURN_IF_ERROR(txn.Delete(Spec("involvement"), id.get<int64_t>(), std::nullopt));
      }
      for (size_t ai = 0; ai < wanted.size(); ++ai) {
        const auto& [actor, role] = wanted[ai];
        if (!prior) {
          store::PreparedCreate& prepared = row.involvements[ai];
          DALIL_ASSIGN_OR_RETURN(const int64_t id,
                                 txn.CreatePrepared(prepared, {out.incident_id, actor}));
          involvements.push_back(id);
          continue;
        }
        DALIL_ASSIGN_OR_RETURN(json created, txn.Create(Spec("involvement"),
                                                        {{"incident_id", out.incident_id},
                                                         {"actor_id", actor},
                                                         {"role", role}}));
        involvements.push_back(created["id"]);
      }
    }
    out.records["involvements"] = involvements;
    out.records["involved"] = pairs;
    current_entity_.clear();
    if (prior) {
      if (run_id_ != 0) {
        DALIL_RETURN_IF_ERROR(txn.Imports().AddChange(run_id_, dataset_, m.key, out.incident_id,
                                                      rec.line, prior->row_hash, hash));
      }
      ++counts_.updated;
    } else {
      ++counts_.imported;
    }
    if (run_id_ != 0) {
      for (const std::string& note : m.review_notes) {
        DALIL_RETURN_IF_ERROR(
            txn.Imports().AddFlag(run_id_, {rec.line, "incident", out.incident_id, note}));
      }
    }
    if (flagged || !m.review_notes.empty()) ++counts_.flagged;
    if (run_id_ != 0) {
      DALIL_RETURN_IF_ERROR(txn.Imports().PutRow(dataset_, m.key, out, run_id_, rec.line));
    }
    return Status::Ok();
  }

  // The most precise place the row names, created (and flagged for review)
  // when no spelling of an existing place matches.
  Result<int64_t> ResolvePlace(store::WriteTxn& txn, const MappedRow& m, int64_t line,
                               bool& flagged) {
    std::optional<int64_t> country;
    if (!m.country.empty()) {
      country = places_.Find(m.country, "country", std::nullopt);
      if (!country) {
        DALIL_ASSIGN_OR_RETURN(country, NewPlace(txn, m.country, "country", std::nullopt, line));
        flagged = true;
      }
    } else if (m.country_code.size() == 2) {
      auto id = txn.PlaceIdByCode(m.country_code);
      if (id.ok()) country = *id;
    }
    std::optional<int64_t> adm1;
    if (!m.adm1_code.empty()) {
      auto id = txn.PlaceIdByCode(m.adm1_code);
      if (id.ok()) adm1 = *id;
    }
    if (!adm1 && !m.adm1.empty()) {
      adm1 = places_.Find(m.adm1, "governorate", country);
      if (!adm1 && country) adm1 = places_.Find(m.adm1, "governorate", std::nullopt);
      if (!adm1) {
        DALIL_ASSIGN_OR_RETURN(adm1, NewPlace(txn, m.adm1, "governorate", country, line));
        flagged = true;
      }
    } else if (!adm1 && !m.adm1_code.empty()) {
      DALIL_ASSIGN_OR_RETURN(adm1, NewPlace(txn, m.adm1_code, "governorate", country, line));
      flagged = true;
    }
    std::optional<int64_t> adm2;
    if (!m.adm2.empty()) {
      adm2 = places_.Find(m.adm2, "district", adm1);
      if (!adm2) {
        DALIL_ASSIGN_OR_RETURN(adm2, NewPlace(txn, m.adm2, "district", adm1 ? adm1 : country, line));
        flagged = true;
      }
    }
    if (adm2) return *adm2;
    if (adm1) return *adm1;
    if (!m.location.empty()) {
      if (auto found = places_.Find(m.location, "", country)) return *found;
      if (auto found = places_.Find(m.location, "", std::nullopt)) return *found;
      DALIL_ASSIGN_OR_RETURN(int64_t loc, NewPlace(txn, m.location, "locality", country, line));
      flagged = true;
      return loc;
    }
    if (country) return *country;
    return Status::Invalid("place", "the row names no place");
  }

  Result<int64_t> NewPlace(store::WriteTxn& txn, const std::string& name, const char* level,
                           std::optional<int64_t> parent, int64_t line) {
    json body = {{"level", level}, {"alt_names", json::array({name})}};
    body[IsArabicScript(name) ? "name_ar" : "name_en"] = name;
    if (parent) body["parent_id"] = *parent;
    DALIL_ASSIGN_OR_RETURN(json created, txn.Create(Spec("place"), body));
    const int64_t id = created["id"].get<int64_t>();
    places_.Add(id, parent, level, {name});
    if (run_id_ != 0) {
      DALIL_RETURN_IF_ERROR(txn.Imports().AddFlag(
          run_id_, {line, "place", id,
                    std::string("no ") + level + " is spelled \"" + name +
                        "\"; a new one was made: check it, or merge it into the right place"}));
    }
    return id;
  }

  static std::string ActorKey(std::string_view name) {
    return IsArabicScript(name) ? std::string(name) : PlaceIndex::Keys(name).empty()
                                                          ? std::string(name)
                                                          : PlaceIndex::Keys(name)[0];
  }

  Result<int64_t> FindOrCreateActor(store::WriteTxn& txn, const MappedActor& a) {
    if (auto it = actor_memo_.find(a.name); it != actor_memo_.end()) return it->second;
    const std::string key = ActorKey(a.name);
    if (actor_memo_.size() > 50000) actor_memo_.clear();  // bounded memory
    if (auto it = actors_.find(key); it != actors_.end()) {
      actor_memo_.emplace(a.name, it->second);
      return it->second;
    }
    json body = {{"kind", a.kind}};
    body[IsArabicScript(a.name) ? "name_ar" : "name_en"] = a.name;
    DALIL_ASSIGN_OR_RETURN(json created, txn.Create(Spec("actor"), body));
    const int64_t id = created["id"].get<int64_t>();
    actors_[key] = id;
    actor_memo_.emplace(a.name, id);
    return id;
  }

  Result<int64_t> FindOrCreateSource(store::WriteTxn& txn, const MappedSource& s) {
    const std::string key = s.title + '\x1f' + s.citation + '\x1f' + s.published_date + '\x1f' +
                            s.notes;
    if (auto it = sources_.find(key); it != sources_.end()) return it->second;
    auto remember = [&](int64_t id) {
      if (sources_.size() > 100000) sources_.clear();  // bounded memory
      sources_[key] = id;
      return id;
    };
    // A source an earlier run of this dataset created (an older version of
    // the file) is reused, not made again: import_records keys it by its text.
    const std::string record_key =
        "source:" + RowHash("source", {s.title, s.citation, s.published_date, s.notes});
    DALIL_ASSIGN_OR_RETURN(std::optional<store::ImportedRecord> prior,
                           txn.Imports().FindRecord(dataset_, record_key));
    if (prior && prior->entity == "source" && txn.Get(Spec("source"), prior->record_id).ok()) {
      return remember(prior->record_id);
    }
    // A title or citation longer than the field holds is cut for display
    // and kept whole in the notes: nothing of the source's text is lost.
    std::string notes = s.notes;
    std::string title = s.title, citation = s.citation;
    constexpr size_t kTitleMax = 1000, kCitationMax = 5000;
    if (title.size() > kTitleMax) {
      notes = "Full title: " + title + (notes.empty() ? "" : "\n" + notes);
      title = Clip(title, kTitleMax - 4) + " ...";
    }
    if (citation.size() > kCitationMax) {
      notes = "Full citation: " + citation + (notes.empty() ? "" : "\n" + notes);
      citation = Clip(citation, kCitationMax - 4) + " ...";
    }
    json body = {{"kind", "media_report"}, {"reliability", "unknown"}, {"title", title}};
    if (!citation.empty()) body["citation"] = citation;
    if (!s.published_date.empty()) body["published_date"] = s.published_date;
    if (!notes.empty()) body["notes"] = notes;
    if (!s.url.empty()) body["url"] = s.url;
    DALIL_ASSIGN_OR_RETURN(json created, txn.Create(Spec("source"), body));
    const int64_t id = created["id"].get<int64_t>();
    if (run_id_ != 0) {  // a dry run has no run to point at
      DALIL_RETURN_IF_ERROR(txn.Imports().PutRecord(
          dataset_, record_key,
          {.entity = "source", .record_id = id, .content_hash = record_key.substr(7)}, run_id_));
    }
    return remember(id);
  }

  // Places and actors as the database holds them now.
  Status LoadCaches() {
    places_.Clear();
    actors_.clear();
    sources_.clear();
    place_memo_.clear();
    actor_memo_.clear();
    for (int64_t offset = 0;; offset += 500) {
      DALIL_ASSIGN_OR_RETURN(store::ListResult page,
                             store_.List(Spec("place"), {.limit = 500, .offset = offset}));
      for (const json& p : page.items) {
        std::vector<std::string> names;
        for (const char* f : {"name_en", "name_ar", "iso_code"}) {
          if (p[f].is_string()) names.push_back(p[f]);
        }
        if (p["alt_names"].is_array()) {
          for (const json& n : p["alt_names"]) names.push_back(n.get<std::string>());
        }
        std::optional<int64_t> parent;
        if (p["parent_id"].is_number_integer()) parent = p["parent_id"].get<int64_t>();
        places_.Add(p["id"].get<int64_t>(), parent, p["level"].get<std::string>(), names);
      }
      if (page.items.size() < 500) break;
    }
    for (int64_t offset = 0;; offset += 500) {
      DALIL_ASSIGN_OR_RETURN(store::ListResult page,
                             store_.List(Spec("actor"), {.limit = 500, .offset = offset}));
      for (const json& a : page.items) {
        for (const char* f : {"name_en", "name_ar"}) {
          if (a[f].is_string()) actors_.emplace(ActorKey(a[f].get<std::string>()), a["id"].get<int64_t>());
        }
        if (a["alt_names"].is_array()) {
          for (const json& n : a["alt_names"]) actors_.emplace(ActorKey(n.get<std::string>()), a["id"].get<int64_t>());
        }
      }
      if (page.items.size() < 500) break;
    }
    return Status::Ok();
  }

  store::Store& store_;
  const ImportOptions& opts_;
  std::unique_ptr<Mapper> mapper_;
  std::string dataset_;
  std::vector<std::string> header_;
  int64_t run_id_ = 0;
  ImportCounts counts_;
  ImportSummary summary_;
  PlaceIndex places_;
  std::map<std::string, int64_t> actors_;
  std::map<std::string, int64_t> sources_;
  // Spellings already resolved (cleared past 50,000 entries).
  std::unordered_map<std::string, int64_t> place_memo_;
  std::unordered_map<std::string, int64_t> actor_memo_;
  std::string current_entity_;
  const std::map<std::string, std::string>* current_origin_ = nullptr;  // the row's
  std::mutex spent_mu_;
  std::vector<ReadBatch> spent_;  // written batches the reading thread frees
};

// Reads a dalil-json file as a stream of records: the top-level object's
// "format" first, then each list, whose records are handed to `each` one at
// a time as soon as each is complete. Only the record being read is held.
class BundleStream : public nlohmann::json_sax<json> {
 public:
  using Each = std::function<Status(const model::EntitySpec&, json, const std::string&)>;
  explicit BundleStream(Each each) : each_(std::move(each)) {}

  // Why reading stopped early (OK when the file was read to the end).
  const Status& status() const { return status_; }
  int64_t records() const { return records_; }

  bool null() override { return Value(json()); }
  bool boolean(bool v) override { return Value(json(v)); }
  bool number_integer(number_integer_t v) override { return Value(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Value(json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return Value(json(v)); }
  bool string(string_t& v) override {
    if (depth_ == 1) {
      if (key_ == "format") {
        if (v != "dalil-json/1") return Fail("format", "must be \"dalil-json/1\"");
        format_seen_ = true;
        return true;
      }
      if (key_ == "notice") return true;
    }
    return Value(json(std::move(v)));
  }
  bool binary(binary_t&) override { return Fail("file", "binary values are not JSON"); }
  bool start_object(size_t) override { return Open(json::object()); }
  bool start_array(size_t) override {
    if (depth_ == 1) {  // a list of records
      if (!format_seen_) return NotDalilJson();
      spec_ = model::FindEntityByPlural(key_);
      if (spec_ == nullptr) return Fail(key_, "is not a kind of record");
      index_ = 0;
      ++depth_;
      return true;
    }
    return Open(json::array());
  }
  bool key(string_t& k) override {
    if (depth_ == 1) {
      key_ = k;
      if (key_ != "format" && !format_seen_) return NotDalilJson();
    } else {
      member_ = k;
    }
    return true;
  }
  bool end_object() override { return Close(); }
  bool end_array() override {
    if (depth_ == 2 && open_.empty()) {
      --depth_;
      return true;
    }
    return Close();
  }
  bool parse_error(size_t byte, const std::string&, const nlohmann::detail::exception& e) override {
    // Only the position: the parser's own message quotes the last token
    // read, which may be part of a name, or not even UTF-8.
    const bool utf8 = std::string_view(e.what()).find("UTF-8") != std::string_view::npos;
    return Fail("file", std::string(utf8 ? "the file is not UTF-8 text" : "the file is not valid JSON") +
                            " (at byte " + std::to_string(byte) + ")");
  }

 private:
  bool NotDalilJson() {
    return Fail("format", "a dalil-json file is an object whose first member is "
                          "\"format\": \"dalil-json/1\"");
  }
  // A value where the file's outline wants another kind.
  bool Misplaced() {
    if (depth_ == 0) return NotDalilJson();
    if (key_ == "format" || key_ == "notice") return Fail(key_, "must be a string");
    return Fail(key_, "must be an array of records");
  }
  bool Fail(const std::string& field, const std::string& message) {
    if (status_.ok()) status_ = Status::Invalid(field, message);
    return false;
  }
  // A scalar: a member or element of the record being built, or (wrongly)
  // a whole record or list.
  bool Value(json v) {
    if (depth_ <= 1) return Misplaced();
    if (open_.empty()) return Deliver(std::move(v));
    Place(std::move(v));
    return true;
  }
  bool Open(json container) {
    if (depth_ == 0) {  // the top-level object
      if (!container.is_object()) return NotDalilJson();
      depth_ = 1;
      return true;
    }
    if (depth_ == 1) return Misplaced();
    if (open_.empty()) {
      record_ = std::move(container);
      open_.push_back(&record_);
    } else {
      open_.push_back(Place(std::move(container)));
    }
    return true;
  }
  bool Close() {
    if (open_.empty()) {  // the top-level object ends
      depth_ = 0;
      return true;
    }
    open_.pop_back();
    if (open_.empty()) return Deliver(std::move(record_));
    return true;
  }
  json* Place(json v) {
    json& top = *open_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    json& slot = top[member_];
    slot = std::move(v);
    return &slot;
  }
  bool Deliver(json rec) {
    ++records_;
    Status s = each_(*spec_, std::move(rec),
                     std::string(spec_->plural) + "[" + std::to_string(index_++) + "]");
    if (!s.ok()) {
      status_ = std::move(s);
      return false;
    }
    return true;
  }

  Each each_;
  Status status_;
  int depth_ = 0;  // 0 outside, 1 in the top-level object, 2 in a list
  bool format_seen_ = false;
  std::string key_, member_;
  const model::EntitySpec* spec_ = nullptr;
  size_t index_ = 0;
  int64_t records_ = 0;
  json record_;
  std::vector<json*> open_;  // the containers of record_ being filled
};

// dalil-json: a bundle (bundle.h) read as a stream and loaded in one
// transaction, record by record, each keyed by (dataset, $key): a record
// imported before is left alone when unchanged and updated when not. The
// same file again (same SHA-256, same dataset) changes nothing at all: the
// load is rolled back once the file's hash shows an earlier completed run.
Result<ImportSummary> ImportBundle(store::Store& store, std::istream& raw,
                                   const ImportOptions& opts, const std::string& dataset,
                                   const store::BlobStore* blobs) {
  ImportSummary summary;
  summary.dataset = dataset;
  BundleOptions bopts;
  bopts.reuse_places_by_code = true;
  bopts.withheld_names = true;
  std::string sha;
  bool done_before = false;
  const Status kRollBack(Code::kUnavailable, "roll back");
  Status s = store.WriteAs(opts.actor, opts.writer, [&](store::WriteTxn& txn) -> Status {
    // The run is started first so that changes can point at it; a dry run
    // or a repeated file rolls it back with everything else.
    store::ImportRun run{.dataset = dataset, .format = opts.format, .file_name = opts.file_name};
    DALIL_ASSIGN_OR_RETURN(summary.run_id, txn.Imports().StartRun(run));
    bopts.dataset = dataset;
    bopts.run_id = summary.run_id;
    BundleResult loaded;
    BundleLoader loader(txn, bopts, loaded, blobs);
    HashingBuf hashing(raw);
    std::istream in(&hashing);
    BundleStream stream([&](const model::EntitySpec& spec, json rec, const std::string& where) {
      return loader.Add(spec, std::move(rec), where);
    });
    const bool parsed = json::sax_parse(in, &stream, json::input_format_t::json, true);
    if (raw.bad()) return Status::Io("the file cannot be read");
    if (hashing.total() == 0) return Status::Invalid("file", "the file is empty");
    if (!parsed || !stream.status().ok()) {
      return stream.status().ok() ? Status::Invalid("file", "the file is not valid JSON")
                                  : stream.status();
    }
    sha = hashing.HexDigest();
    summary.counts.rows = stream.records();
    DALIL_ASSIGN_OR_RETURN(std::optional<int64_t> done,
                           txn.Imports().CompletedRunWithFile(dataset, sha));
    if (done) {
      done_before = true;
      return kRollBack;
    }
    summary.counts.imported = loaded.total;
    summary.counts.updated = loaded.updated;
    summary.counts.unchanged = stream.records() - loaded.total - loaded.updated;
    if (opts.dry_run) return kRollBack;
    return txn.Imports().UpdateRun(summary.run_id, summary.counts, "completed", sha);
  });
  const bool rolled_back = s.code() == kRollBack.code() && s.message() == kRollBack.message();
  if (!s.ok() && !rolled_back) return s;
  if (rolled_back) summary.run_id = 0;
  if (done_before) {
    summary.counts.imported = 0;
    summary.counts.updated = 0;
    summary.counts.unchanged = summary.counts.rows;
    if (!opts.dry_run) {
      // The run is recorded all the same, with nothing new.
      DALIL_RETURN_IF_ERROR(store.WriteAs(opts.actor, opts.writer, [&](store::WriteTxn& txn) -> Status {
        store::ImportRun run{.dataset = dataset, .format = opts.format,
                             .file_name = opts.file_name};
        DALIL_ASSIGN_OR_RETURN(summary.run_id, txn.Imports().StartRun(run));
        return txn.Imports().UpdateRun(summary.run_id, summary.counts, "completed", sha);
      }));
    }
  }
  return summary;
}

}  // namespace

bool IsImportFormat(std::string_view format) {
  return format == "ucdp-ged" || format == "acled" || format == "hxl-csv" ||
         format == "dalil-json";
}

Result<ImportSummary> ImportFile(store::Store& store, std::istream& in,
                                 const ImportOptions& options, const store::BlobStore* blobs) {
  if (!IsImportFormat(options.format)) {
    return Status::Invalid("format", "must be one of ucdp-ged, acled, hxl-csv, dalil-json");
  }
  if (!options.dataset.empty() &&
      (options.dataset.size() > 100 || !IsValidUtf8(options.dataset))) {
    return Status::Invalid("source-name", "must be 1 to 100 bytes of UTF-8");
  }
  {
    const model::Field* f = Spec("incident").FindField("review_status");
    if (!model::CheckValue(*f, options.review_status).ok()) {
      return Status::Invalid("review-status", "must be draft, in_review, verified, disputed or rejected");
    }
  }
  if (options.format == "dalil-json") {
    return ImportBundle(store, in, options,
                        options.dataset.empty() ? "dalil-json" : options.dataset, blobs);
  }
  std::unique_ptr<Mapper> mapper = NewMapper(options.format);
  std::string dataset = options.dataset.empty() ? mapper->DefaultDataset() : options.dataset;
  CsvImporter importer(store, options, std::move(mapper), std::move(dataset));
  return importer.Run(in);
}

json ImportReportJson(const store::ImportReport& report) {
  const store::ImportRun& r = report.run;
  json rejects = json::array();
  for (const auto& j : report.rejects) {
    rejects.push_back({{"line", j.line}, {"column", j.column}, {"value", j.value},
                       {"reason", j.reason}});
  }
  json flags = json::array();
  for (const auto& f : report.flags) {
    flags.push_back({{"line", f.line}, {"entity", f.entity}, {"id", f.record_id},
                     {"reason", f.reason}});
  }
  return {{"run",
           {{"id", r.id},
            {"dataset", r.dataset},
            {"format", r.format},
            {"file_name", r.file_name},
            {"file_sha256", r.file_sha256.empty() ? json() : json(r.file_sha256)},
            {"actor", r.actor},
            {"status", r.status},
            {"started_at", r.started_at},
            {"finished_at", r.finished_at.empty() ? json() : json(r.finished_at)},
            {"rows", r.counts.rows},
            {"imported", r.counts.imported},
            {"updated", r.counts.updated},
            {"unchanged", r.counts.unchanged},
            {"rejected", r.counts.rejected},
            {"flagged", r.counts.flagged}}},
          {"changes", report.changes},
          {"rejects", rejects},
          {"flags", flags}};
}

}  // namespace dalil::importer
