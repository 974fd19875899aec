// Figures benchmark (issue: defensible figures). Not run by the tests.
//
//   scripts/bench figures [--incidents N] [--runs R]
//
// Generates a reproducible database (seed 20210226): N incidents (default
// 1,000,000) over 18 governorates and 2019-10-01..2021-12-31, 3N claims from
// 60 sources of every reliability, N/2 persons each with an outcome (a tenth
// of them named in a second incident), all through the store (validated,
// with their ledger leaves and figure index entries). Then times
// `figures --by governorate` and `--by week` over the whole range and over
// one month (R runs each, p50 and p99; the default limit of 1000 ids listed
// per figure, counts complete), and, in the same run, the equivalent plain
// GROUP BY over a precomputed per-incident table in the sqlite3
// command-line tool, and the same figures derived from the records without
// the index (the reference path "as of" queries take; up to 3 runs).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <sodium.h>

#include "base/text.h"
#include "figures/query.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using dalil::Status;
using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void Die(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

struct Stats {
  double p50, p99;
};
Stats Percentiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))]; };
  return {at(0.5), at(0.99)};
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t n = 1000000;
  int runs = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--incidents") n = std::stoull(argv[i + 1]);
    else if (a == "--runs") runs = std::stoi(argv[i + 1]);
  }
  if (sodium_init() < 0) return 1;
  const fs::path dir = fs::temp_directory_path() / ("dalil_figures_bench_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string db = (dir / "figures.db").string();
  auto opened = dalil::store::OpenSqliteStore({.path = db});
  Die(opened.status(), "open");
  auto store = std::move(opened).value();
  auto E = [](const char* name) -> const dalil::model::EntitySpec& {
    return *dalil::model::FindEntityByName(name);
  };

  std::mt19937_64 rng(20210226);
  const int64_t first_day = *dalil::ParseDate("2019-10-01");
  const int64_t days = *dalil::ParseDate("2021-12-31") - first_day + 1;
  static const char* kRel[] = {"highly_reliable", "reliable", "fairly_reliable",
                               "not_usually_reliable", "highly_unreliable", "unknown"};
  static const char* kCat[] = {"killed", "injured", "detained"};

  auto t0 = Clock::now();
  Die(store->Write("bench", [&](dalil::store::WriteTxn& txn) -> Status {
        for (int s = 0; s < 60; ++s) {
          auto r = txn.Create(E("source"), {{"kind", "media_report"}, {"reliability", kRel[s % 6]},
                                            {"title", "Source " + std::to_string(s)}});
          if (!r.ok()) return r.status();
        }
        return Status::Ok();
      }),
      "sources");
  const uint64_t batch = 5000;
  for (uint64_t done = 0; done < n; done += batch) {
    Die(store->Write("bench", [&](dalil::store::WriteTxn& txn) -> Status {
          for (uint64_t i = done; i < std::min(n, done + batch); ++i) {
            const int64_t day = first_day + static_cast<int64_t>(rng() % days);
            auto inc = txn.Create(E("incident"),
                                  {{"title_en", "Incident " + std::to_string(i)},
                                   {"start_date", dalil::FormatDate(day)},
                                   {"place_id", 2 + static_cast<int64_t>(rng() % 18)},
                                   {"event_type", "protests"},
                                   {"review_status", rng() % 10 ? "verified" : "in_review"}});
            if (!inc.ok()) return inc.status();
            const int64_t id = (*inc)["id"];
            for (int c = 0; c < 3; ++c) {
              const int64_t min = static_cast<int64_t>(rng() % 20);
              json claim = {{"incident_id", id}, {"source_id", 1 + static_cast<int64_t>(rng() % 60)},
                            {"category", kCat[c]}, {"count_min", min}};
              if (rng() % 4) claim["count_max"] = min + static_cast<int64_t>(rng() % 5);
              auto r = txn.Create(E("claim"), claim);
              if (!r.ok()) return r.status();
            }
            if (i % 2 == 0) {
              auto p = txn.Create(E("person"), {{"name", "Person " + std::to_string(i)}});
              if (!p.ok()) return p.status();
              for (int k = 0; k < (i % 20 == 0 ? 2 : 1); ++k) {
                auto o = txn.Create(E("outcome"), {{"incident_id", k ? 1 + static_cast<int64_t>(rng() % (id)) : id},
                                                   {"person_id", (*p)["id"]},
                                                   {"kind", kCat[rng() % 3]}});
                if (!o.ok()) return o.status();
              }
            }
          }
          return Status::Ok();
        }),
        "generate");
  }
  std::printf("generated %llu incidents, %llu claims, %llu persons in %.1f s\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(3 * n),
              static_cast<unsigned long long>(n / 2), Ms(t0, Clock::now()) / 1000);

  struct Query {
    const char* name;
    std::vector<std::pair<std::string, std::string>> params;
    const char* baseline;
  };
  const std::string month_from = "2021-02-01", month_to = "2021-02-28";
  const Query queries[] = {
      {"--by governorate, full range", {{"by", "governorate"}},
       "SELECT governorate, SUM(killed_min), SUM(injured_min) FROM pre GROUP BY governorate;"},
      {"--by week, full range", {{"by", "week"}},
       "SELECT week, SUM(killed_min), SUM(injured_min) FROM pre GROUP BY week;"},
      {"--by governorate, one month", {{"by", "governorate"}, {"from", month_from}, {"to", month_to}},
       "SELECT governorate, SUM(killed_min), SUM(injured_min) FROM pre WHERE day BETWEEN "
       "'2021-02-01' AND '2021-02-28' GROUP BY governorate;"},
      {"--by week, one month", {{"by", "week"}, {"from", month_from}, {"to", month_to}},
       "SELECT week, SUM(killed_min), SUM(injured_min) FROM pre WHERE day BETWEEN "
       "'2021-02-01' AND '2021-02-28' GROUP BY week;"},
  };
  // The baseline's precomputed table: per verified incident, its governorate,
  // week, day and the minima, indexed on day.
  const std::string pre =
      "CREATE TABLE pre AS SELECT i.id, i.place_id AS governorate, strftime('%Y-%W', i.start_date) "
      "AS week, i.start_date AS day, (SELECT MIN(count_min) FROM claims c WHERE c.incident_id = i.id "
      "AND c.category = 'killed') AS killed_min, (SELECT MIN(count_min) FROM claims c WHERE "
      "c.incident_id = i.id AND c.category = 'injured') AS injured_min FROM incidents i WHERE "
      "review_status = 'verified'; CREATE INDEX pre_day ON pre(day);";
  std::string cmd = "sqlite3 " + db + " \"" + pre + "\"";
  if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "baseline table failed\n");

  std::printf("%-32s %10s %10s   %16s   %s\n", "query", "p50 ms", "p99 ms",
              "sqlite3 GROUP BY", "from records, no index");
  std::printf("%-32s %10s %10s   %16s   %s\n", "", "", "", "p50 ms", "p50 ms");
  for (const Query& q : queries) {
    std::vector<double> times;
    for (int r = 0; r < runs; ++r) {
      auto t = Clock::now();
      auto req = dalil::figures::ParseFigureRequest(*store, q.params, {});
      Die(req.status(), "request");
      auto groups = dalil::figures::ComputeFigures(*store, *req);
      Die(groups.status(), "figures");
      times.push_back(Ms(t, Clock::now()));
    }
    std::vector<double> base;
    for (int r = 0; r < std::min(runs, 5); ++r) {
      // sqlite3's own timer, so process start-up is not counted.
      std::string c = "printf '.timer on\\n%s\\n' \"" + std::string(q.baseline) + "\" | sqlite3 " +
                      db + " 2>&1 | grep -o 'real [0-9.]*' | tail -1";
      FILE* p = popen(c.c_str(), "r");
      char buf[64] = {0};
      if (p && fgets(buf, sizeof buf, p)) base.push_back(std::atof(buf + 5) * 1000);
      if (p) pclose(p);
    }
    std::vector<double> records;
    for (int r = 0; r < std::min(runs, 3); ++r) {
      auto t = Clock::now();
      auto req = dalil::figures::ParseFigureRequest(*store, q.params, {});
      Die(req.status(), "request");
      req->from_records = true;
      auto groups = dalil::figures::ComputeFigures(*store, *req);
      Die(groups.status(), "figures from records");
      records.push_back(Ms(t, Clock::now()));
    }
    Stats s = Percentiles(times);
    Stats b = base.empty() ? Stats{0, 0} : Percentiles(base);
    std::printf("%-32s %10.1f %10.1f   %16.1f   %.1f\n", q.name, s.p50, s.p99, b.p50,
                Percentiles(records).p50);
  }
  std::printf("targets: p99 < 50 ms for one month, < 500 ms for the full range\n");
  fs::remove_all(dir);
  return 0;
}
