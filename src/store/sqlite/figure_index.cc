#include "store/sqlite/figure_index.h"

#include <algorithm>
#include <thread>

#include "base/bounded_queue.h"
#include "base/text.h"
#include "figures/counting.h"

namespace dalil::sqlite_figures {
namespace {

using nlohmann::json;
using sqlite::Database;

struct Entry {
  int64_t start_day = 0, end_day = 0, place_id = 0;
  std::string event_type, actors, summary;
  // Who may count the incident (store.h, Viewer).
  std::optional<int64_t> owner;
  std::string visibility;
  int64_t restricted_roles = 0;  // RoleBit of each role allowed
  bool operator==(const Entry&) const = default;
};

// The index layout: the summary format and the access columns of migration
// 0009. A stored index of another layout is rebuilt at open.
constexpr int64_t kIndexFormat = 100 * figures::kSummaryFormat + 2;

// Restricted roles as bits, so a scan filters with one AND.
int64_t RoleBit(std::string_view role) {
  auto names = model::RoleNames();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == role) return int64_t{1} << i;
  }
  return 0;
}

int64_t RoleMask(const std::string& json_list) {
  int64_t mask = 0;
  const json roles = json::parse(json_list, nullptr, /*allow_exceptions=*/false);
  if (!roles.is_array()) return 0;
  for (const json& r : roles) {
    if (r.is_string()) mask |= RoleBit(r.get<std::string>());
  }
  return mask;
}

std::optional<int64_t> RefOf(const json* record, const char* field) {
  if (!record || !record->contains(field) || !(*record)[field].is_number_integer()) {
    return std::nullopt;
  }
  return (*record)[field].get<int64_t>();
}

// The person a record stands for after merges (a cycle is refused on write;
// bounded all the same).
Result<int64_t> Canonical(Database* db, int64_t person) {
  for (int hops = 0; hops < 64; ++hops) {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("SELECT merged_into_id FROM persons WHERE id = ?"));
    st->BindInt(1, person);
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row || st->IsNull(0)) return person;
    person = st->Int(0);
  }
  return person;
}

Result<int64_t> Day(const std::string& date, int64_t incident) {
  auto d = ParseDate(date);
  if (!d) {
    return Status::Corruption("incident " + std::to_string(incident) + " has an unreadable date");
  }
  return *d;
}

// The entry the records give for one incident; nullopt when it does not
// count (missing, or not verified).
Result<std::optional<Entry>> Compute(Database* db, int64_t id) {
  Entry e;
  {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
        "SELECT review_status, start_date, COALESCE(end_date, start_date), place_id, "
        "COALESCE(event_type, ''), owner_organisation_id, COALESCE(visibility, 'organisation'), "
        "COALESCE(restricted_roles, '[]') FROM incidents WHERE id = ?"));
    st->BindInt(1, id);
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row || st->Text(0) != "verified") return std::optional<Entry>();
    DALIL_ASSIGN_OR_RETURN(e.start_day, Day(st->Text(1), id));
    DALIL_ASSIGN_OR_RETURN(e.end_day, Day(st->Text(2), id));
    e.place_id = st->Int(3);
    e.event_type = st->Text(4);
    if (!st->IsNull(5)) e.owner = st->Int(5);
    e.visibility = st->Text(6);
    e.restricted_roles = RoleMask(st->Text(7));
  }
  figures::IncidentInput in;
  in.id = id;
  {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
        "SELECT c.id, c.source_id, c.category, c.count_min, c.count_max, s.reliability "
        "FROM claims c JOIN sources s ON s.id = c.source_id WHERE c.incident_id = ?"));
    st->BindInt(1, id);
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      auto cat = figures::ParseCategory(st->Text(2));
      auto rank = figures::ReliabilityRank(st->Text(5));
      if (!cat || !rank) {
        return Status::Corruption("claim " + std::to_string(st->Int(0)) +
                                  " has an unknown category or source reliability");
      }
      in.claims.push_back({st->Int(0), id, st->Int(1), *cat, st->Int(3),
                           st->IsNull(4) ? std::nullopt : std::optional<int64_t>(st->Int(4)),
                           *rank});
    }
  }
  std::vector<std::pair<int64_t, int64_t>> persons;  // (outcome index, recorded person)
  {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
        "SELECT id, person_id, kind, date, source_id FROM outcomes WHERE incident_id = ?"));
    st->BindInt(1, id);
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      auto kind = figures::ParseCategory(st->Text(2));
      if (!kind) {
        return Status::Corruption("outcome " + std::to_string(st->Int(0)) + " has an unknown kind");
      }
      std::optional<int64_t> day;
      if (!st->IsNull(3)) day = ParseDate(st->Text(3));
      in.outcomes.push_back({st->Int(0), id, st->Int(1), *kind, day,
                             st->IsNull(4) ? std::nullopt : std::optional<int64_t>(st->Int(4))});
    }
  }
  for (figures::OutcomeIn& o : in.outcomes) {
    DALIL_ASSIGN_OR_RETURN(o.person, Canonical(db, o.person));
  }
  {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
        "SELECT u.outcome_id, u.status, u.date FROM outcome_updates u JOIN outcomes o "
        "ON o.id = u.outcome_id WHERE o.incident_id = ?"));
    st->BindInt(1, id);
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      DALIL_ASSIGN_OR_RETURN(int64_t day, Day(st->Text(2), id));
      in.changes.push_back({st->Int(0), st->Text(1), day});
    }
  }
  std::vector<store::InvolvedActor> actors;
  {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
        "SELECT actor_id, MAX(role = 'perpetrator') FROM involvements WHERE incident_id = ? "
        "GROUP BY actor_id ORDER BY actor_id"));
    st->BindInt(1, id);
    while (true) {
      DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      actors.push_back({st->Int(0), st->Int(1) != 0});
    }
  }
  figures::IncidentSummary summary;
  figures::Summarize(in, std::nullopt, &summary);
  e.summary = figures::EncodeSummary(summary);
  e.actors = store::EncodeIndexActors(actors);
  return std::optional<Entry>(std::move(e));
}

Status Put(Database* db, int64_t id, const std::optional<Entry>& e) {
  if (!e) {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("DELETE FROM figure_index WHERE incident_id = ?"));
    st->BindInt(1, id);
    return st->Run();
  }
  DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
      "INSERT OR REPLACE INTO figure_index (incident_id, start_day, end_day, place_id, "
      "event_type, actors, summary, owner_organisation_id, visibility, restricted_roles) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st->BindInt(1, id);
  st->BindInt(2, e->start_day);
  st->BindInt(3, e->end_day);
  st->BindInt(4, e->place_id);
  st->BindText(5, e->event_type);
  st->BindBlob(6, e->actors);
  st->BindBlob(7, e->summary);
  if (e->owner) {
    st->BindInt(8, *e->owner);
  } else {
    st->BindNull(8);
  }
  st->BindText(9, e->visibility);
  st->BindInt(10, e->restricted_roles);
  return st->Run();
}

Status CollectIds(Database* db, const std::string& sql, std::optional<int64_t> param,
                  std::set<int64_t>* out) {
  DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(sql));
  if (param) st->BindInt(1, *param);
  while (true) {
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::Ok();
    out->insert(st->Int(0));
  }
}

}  // namespace

Status Note(Database* db, const model::EntitySpec& spec, const json* before, const json* after,
            Dirty* dirty) {
  const std::string_view kind = spec.name;
  auto both = [&](const char* field, std::set<int64_t>* into) {
    for (const json* r : {before, after}) {
      if (auto v = RefOf(r, field)) into->insert(*v);
    }
  };
  if (kind == "incident") {
    both("id", &dirty->incidents);
    if (auto id = RefOf(after, "id")) {
      if (before == nullptr && after->value("review_status", json()) != "verified") {
        dirty->new_unverified.insert(*id);
      } else {
        dirty->new_unverified.erase(*id);
      }
    }
  } else if (kind == "claim" || kind == "outcome" || kind == "involvement") {
    both("incident_id", &dirty->incidents);
  } else if (kind == "outcome_update") {
    std::set<int64_t> outcomes;
    both("outcome_id", &outcomes);
    for (int64_t o : outcomes) {
      DALIL_RETURN_IF_ERROR(CollectIds(db, "SELECT incident_id FROM outcomes WHERE id = ?", o,
                                       &dirty->incidents));
    }
  } else if (kind == "source") {
    if (before && after && (*before)["reliability"] != (*after)["reliability"]) {
      dirty->sources.insert((*after)["id"].get<int64_t>());
    }
  } else if (kind == "person") {
    if (before && after && (*before)["merged_into_id"] != (*after)["merged_into_id"]) {
      dirty->persons.insert((*after)["id"].get<int64_t>());
    }
  }
  return Status::Ok();
}

Status Apply(Database* db, Dirty* dirty) {
  for (int64_t s : dirty->sources) {
    DALIL_RETURN_IF_ERROR(CollectIds(db, "SELECT DISTINCT incident_id FROM claims WHERE source_id = ?",
                                     s, &dirty->incidents));
  }
  // A changed merge moves every outcome of the person and of everyone
  // merged into them (their canonical person changes).
  for (int64_t p : dirty->persons) {
    DALIL_RETURN_IF_ERROR(CollectIds(
        db,
        "WITH RECURSIVE r(id) AS (SELECT ? UNION SELECT p.id FROM persons p JOIN r "
        "ON p.merged_into_id = r.id) SELECT DISTINCT incident_id FROM outcomes "
        "WHERE person_id IN (SELECT id FROM r)",
        p, &dirty->incidents));
  }
  for (int64_t id : dirty->incidents) {
    if (dirty->new_unverified.contains(id)) continue;
    DALIL_ASSIGN_OR_RETURN(std::optional<Entry> e, Compute(db, id));
    DALIL_RETURN_IF_ERROR(Put(db, id, e));
  }
  *dirty = Dirty();
  return Status::Ok();
}

Status EnsureCurrent(Database* db) {
  {
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("SELECT format FROM figure_index_state"));
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (row && st->Int(0) == kIndexFormat) return Status::Ok();
  }
  DALIL_RETURN_IF_ERROR(db->Exec("DELETE FROM figure_index; DELETE FROM figure_index_state;"));
  Dirty all;
  DALIL_RETURN_IF_ERROR(CollectIds(db, "SELECT id FROM incidents WHERE review_status = 'verified'",
                                   std::nullopt, &all.incidents));
  DALIL_RETURN_IF_ERROR(Apply(db, &all));
  return db->Exec("INSERT INTO figure_index_state (format) VALUES (" +
                  std::to_string(kIndexFormat) + ")");
}

namespace {

// Rows read from SQLite, handed from the reading thread to the caller's.
struct Chunk {
  struct Row {
    int64_t incident, start_day, end_day, place_id;
    size_t type_at, actors_at, summary_at, end;  // offsets into bytes
  };
  std::vector<Row> rows;
  std::string bytes;
};

using ChunkQueue = BoundedQueue<Chunk>;

}  // namespace

Status Scan(Database* db, const store::FigureScan& scan,
            const std::function<Status(const store::FigureIndexRow&)>& each) {
  const std::optional<int64_t>& from_day = scan.from_day;
  const std::optional<int64_t>& to_day = scan.to_day;
  std::string sql = std::string("SELECT incident_id, start_day, end_day, place_id, ") +
                    (scan.event_type ? "event_type" : "''") + ", " +
                    (scan.actors ? "actors" : "x''") + ", summary FROM figure_index WHERE 1";
  std::vector<int64_t> binds;
  // Every entry is a verified incident: public ones are published.
  if (scan.viewer.kind == store::Viewer::Kind::kAnonymous) {
    sql += " AND visibility = 'public'";
  } else if (scan.viewer.kind == store::Viewer::Kind::kMember) {
    sql += " AND (visibility = 'public' OR (owner_organisation_id = ? AND "
           "(visibility <> 'restricted' OR (restricted_roles & ?) <> 0)))";
    binds.push_back(scan.viewer.organisation_id);
    binds.push_back(RoleBit(scan.viewer.role));
  }
  if (from_day) {
    // An incident overlaps when it ends on or after `from`; it starts at most
    // the longest span before, which bounds the range the start index reads.
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached("SELECT MAX(end_day - start_day) FROM figure_index"));
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    const int64_t span = row && !st->IsNull(0) ? st->Int(0) : 0;
    sql += " AND start_day >= ? AND end_day >= ?";
    binds.push_back(*from_day - span);
    binds.push_back(*from_day);
  }
  if (to_day) {
    sql += " AND start_day <= ?";
    binds.push_back(*to_day);
  }
  DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(sql));
  for (size_t i = 0; i < binds.size(); ++i) st->BindInt(static_cast<int>(i + 1), binds[i]);
  // SQLite steps on one thread while the caller sums on its own: the two
  // halves of a full scan take about as long each.
  ChunkQueue queue(4);
  std::thread reader([&] {
    constexpr size_t kRows = 2048;
    Chunk c;
    while (true) {
      auto row = st->Step();
      if (!row.ok()) return queue.Close(row.status());
      if (*row) {
        Chunk::Row r{st->Int(0), st->Int(1), st->Int(2), st->Int(3), 0, 0, 0, 0};
        r.type_at = c.bytes.size();
        c.bytes += st->View(4);
        r.actors_at = c.bytes.size();
        c.bytes += st->View(5);
        r.summary_at = c.bytes.size();
        c.bytes += st->View(6);
        r.end = c.bytes.size();
        c.rows.push_back(r);
      }
      if (c.rows.size() == kRows || (!*row && !c.rows.empty())) {
        if (!queue.Push(std::move(c))) return queue.Close(Status::Ok());
        c = Chunk();
        c.rows.reserve(kRows);
      }
      if (!*row) return queue.Close(Status::Ok());
    }
  });
  Status result, produced;
  Chunk c;
  store::FigureIndexRow r;
  while (queue.Pop(&c, &produced)) {
    if (!result.ok()) continue;  // drain until the reader has stopped
    const std::string_view bytes = c.bytes;
    for (const Chunk::Row& row : c.rows) {
      r.incident = row.incident;
      r.start_day = row.start_day;
      r.end_day = row.end_day;
      r.place_id = row.place_id;
      r.event_type = bytes.substr(row.type_at, row.actors_at - row.type_at);
      r.actors = bytes.substr(row.actors_at, row.summary_at - row.actors_at);
      r.summary = bytes.substr(row.summary_at, row.end - row.summary_at);
      result = each(r);
      if (!result.ok()) {
        queue.Stop();
        break;
      }
    }
  }
  reader.join();
  if (!result.ok()) return result;
  return produced;
}

Result<std::vector<std::string>> Check(Database* db) {
  std::vector<std::string> problems;
  std::set<int64_t> verified;
  DALIL_RETURN_IF_ERROR(CollectIds(db, "SELECT id FROM incidents WHERE review_status = 'verified'",
                                   std::nullopt, &verified));
  std::set<int64_t> indexed;
  DALIL_RETURN_IF_ERROR(CollectIds(db, "SELECT incident_id FROM figure_index", std::nullopt, &indexed));
  constexpr size_t kMaxNamed = 100;
  auto problem = [&](std::string p) {
    if (problems.size() < kMaxNamed) problems.push_back(std::move(p));
  };
  for (int64_t id : indexed) {
    if (!verified.count(id)) problem("figure index: incident " + std::to_string(id) +
                                     " is indexed but is not a verified incident");
  }
  for (int64_t id : verified) {
    DALIL_ASSIGN_OR_RETURN(std::optional<Entry> want, Compute(db, id));
    DALIL_ASSIGN_OR_RETURN(auto st, db->Cached(
        "SELECT start_day, end_day, place_id, event_type, actors, summary, "
        "owner_organisation_id, visibility, restricted_roles FROM figure_index "
        "WHERE incident_id = ?"));
    st->BindInt(1, id);
    DALIL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) {
      problem("figure index: verified incident " + std::to_string(id) + " is missing");
      continue;
    }
    Entry have{st->Int(0), st->Int(1), st->Int(2), st->Text(3), st->Text(4), st->Text(5),
               st->IsNull(6) ? std::nullopt : std::optional<int64_t>(st->Int(6)), st->Text(7),
               st->Int(8)};
    if (want && !(have == *want)) {
      problem("figure index: the entry of incident " + std::to_string(id) +
              " differs from its records");
    }
  }
  return problems;
}

}  // namespace dalil::sqlite_figures
