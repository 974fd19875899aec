// Ledger benchmark (issue: tamper-evident record). Not run by the tests.
//
//   scripts/bench ledger [--leaves N] [--writes N]
//
// 1. Appends N leaves (default 1,000,000) by creating N actor records in
//    transactions of 1,000, and prints leaves/s.
// 2. Runs the full verification `dalil verify` does on that database and
//    prints leaves/s, next to the machine's raw SHA-256 rate over the same
//    leaf bytes and contents (the floor of any verification).
// 3. A write-heavy workload: M incidents (default 20,000), each its own
//    transaction, with the ledger and, in the same run, without it, first
//    straight into the store and then through the JSON API (a real server
//    on loopback, one keep-alive client); prints the rates and overheads.
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <chrono>
#include <thread>
#include <cstdio>
#include <filesystem>
#include <string>

#include <sodium.h>

#include "http/api/api.h"
#include "http/server.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "security/tokens.h"
#include "store/accounts.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using dalil::Status;
using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

void Die(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

std::unique_ptr<dalil::store::Store> Open(const fs::path& path, bool ledger) {
  auto s = dalil::store::OpenSqliteStore({.path = path.string(), .record_ledger = ledger});
  Die(s.status(), "open");
  return std::move(s).value();
}

json Actor(uint64_t i) {
  return {{"kind", "protesters"},
          {"name_en", "Protest committee " + std::to_string(i)},
          {"name_ar", "تنسيقية " + std::to_string(i)}};
}

// An ordinary documentation write: an incident with its texts, one write
// transaction each, as the API does for every POST.
json Incident(uint64_t i) {
  return {{"title_en", "Protesters fired on near the governorate building #" + std::to_string(i)},
          {"title_ar", "إطلاق نار على متظاهرين قرب مبنى المحافظة " + std::to_string(i)},
          {"description_en", std::string(400, 'd')},
          {"start_date", "2021-02-26"},
          {"end_date", "2021-02-27"},
          {"place_id", 13},
          {"event_type", "protests"},
          {"sub_event_type", "excessive_force_against_protesters"},
          {"tags", {"tishreen", "live-ammunition"}}};
}

double WriteHeavy(const fs::path& dir, bool ledger, uint64_t writes) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto store = Open(dir / "w.db", ledger);
  const auto& incident = *dalil::model::FindEntityByName("incident");
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < writes; ++i) {
    Die(store->Create("user:1", incident, Incident(i)).status(), "write");
  }
  return writes / Seconds(t0, Clock::now());
}

// The same workload through the JSON API: a real server on loopback and
// one keep-alive client POSTing incidents, as a documenter's client would.
double ApiWriteHeavy(const fs::path& dir, bool ledger, uint64_t writes) {
  namespace beast = boost::beast;
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto store = Open(dir / "api.db", ledger);
  dalil::store::BlobStore blobs((dir / "evidence").string());
  // A documenter's API token: writes need one, as in production.
  auto accounts = dalil::store::OpenSqliteAccounts((dir / "api.db").string(), nullptr);
  Die(accounts.status(), "accounts");
  auto org = (*accounts)->CreateOrganisation("bench", "Bench organisation");
  Die(org.status(), "organisation");
  dalil::store::User user;
  user.organisation_id = org->id;
  user.username = "bench-documenter";
  user.role = "documenter";
  user.password_hash = "unused: this user writes with an API token only";
  auto made = (*accounts)->CreateUser("bench", user);
  Die(made.status(), "user");
  const std::string token = dalil::security::NewToken();
  dalil::store::ApiToken t{.user_id = made->id, .organisation_id = org->id, .role = "documenter",
                           .name = "bench", .expires_at = dalil::Clock::System()->NowSeconds() + 86400};
  Die((*accounts)->CreateToken("bench", t, dalil::security::TokenHash(token)).status(), "token");
  dalil::http::Router router;
  dalil::api::RegisterRoutes(router, store.get(), &blobs, {.accounts = accounts->get()});
  dalil::http::ServerOptions opts;
  opts.port = 0;
  dalil::http::Server server(opts, router);
  Die(server.Listen(), "listen");
  std::thread runner([&] { server.Run(false); });

  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  beast::flat_buffer buf;
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < writes; ++i) {
    beast::http::request<beast::http::string_body> req(beast::http::verb::post,
                                                       "/api/v1/incidents", 11);
    req.set(beast::http::field::host, "127.0.0.1");
    req.set(beast::http::field::content_type, "application/json");
    req.set(beast::http::field::authorization, "Bearer " + token);
    req.keep_alive(true);
    req.body() = Incident(i).dump();
    req.prepare_payload();
    beast::http::write(stream, req);
    beast::http::response<beast::http::string_body> res;
    beast::http::read(stream, buf, res);
    if (res.result_int() != 201) {
      std::fprintf(stderr, "POST failed: %d %s\n", res.result_int(), res.body().c_str());
      std::exit(1);
    }
  }
  const double rate = writes / Seconds(t0, Clock::now());
  beast::error_code ec;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  server.Stop();
  runner.join();
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t leaves = 1000000, writes = 20000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--leaves") leaves = std::stoull(argv[i + 1]);
    else if (a == "--writes") writes = std::stoull(argv[i + 1]);
  }
  if (sodium_init() < 0) return 1;
  const fs::path dir = fs::temp_directory_path() / ("dalil_ledger_bench_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto& actor = *dalil::model::FindEntityByName("actor");

  // 1. Append.
  auto store = Open(dir / "ledger.db", true);
  auto t0 = Clock::now();
  const uint64_t batch = 1000;
  for (uint64_t done = 0; done < leaves; done += batch) {
    Die(store->Write("user:1", [&](dalil::store::WriteTxn& txn) -> Status {
          for (uint64_t i = done; i < std::min(leaves, done + batch); ++i) {
            auto r = txn.Create(actor, Actor(i));
            if (!r.ok()) return r.status();
          }
          return Status::Ok();
        }),
        "append");
  }
  const double append_s = Seconds(t0, Clock::now());
  auto key = dalil::ledger::GenerateSigningKey("dalil/bench");
  Die(store->SignCheckpoint(*key).status(), "sign");
  const uint64_t total = *store->LedgerSize();
  std::printf("ledger size: %llu leaves (%llu appended + 19 seeded places)\n",
              static_cast<unsigned long long>(total), static_cast<unsigned long long>(leaves));
  std::printf("append:  %10.0f leaves/s  (%.2f s, with validation, records and versions)\n",
              leaves / append_s, append_s);

  // 2. Verify, then raw SHA-256 over the same bytes.
  auto verifier = *dalil::ledger::ParseVerifierKey(dalil::ledger::VerifierKey(*key));
  t0 = Clock::now();
  auto report = store->VerifyLedger(verifier, std::nullopt);
  const double verify_s = Seconds(t0, Clock::now());
  Die(report.status(), "verify");
  std::printf("verify:  %10.0f leaves/s  (%.2f s for %llu leaves, %s; target < 3 s for 1M)\n",
              total / verify_s, verify_s, static_cast<unsigned long long>(total),
              report->intact() ? "intact" : "NOT INTACT");

  std::vector<std::string> bytes;
  bytes.reserve(2 * total);
  for (uint64_t start = 0; start < total; start += 1000) {
    auto page = store->Leaves(start, std::min(total, start + 1000));
    for (auto& l : *page) bytes.push_back(std::move(l.data));
  }
  auto sample = store->History(actor, 1);
  const size_t content_len = sample.ok() ? (*sample)[0].content.size() : 200;
  std::string content(content_len, 'x');
  size_t total_bytes = 0;
  t0 = Clock::now();
  dalil::ledger::Hash acc{};
  for (const auto& b : bytes) {
    auto h1 = dalil::ledger::LeafHash(b);
    auto h2 = dalil::ledger::Sha256(content);
    acc[0] ^= h1[0] ^ h2[0];
    total_bytes += b.size() + 1 + content.size();
  }
  // The tree's internal nodes: n - 1 hashes of 65 bytes.
  std::vector<dalil::ledger::Hash> leaf_hashes(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) leaf_hashes[i] = dalil::ledger::LeafHash(bytes[i]);
  auto root = dalil::ledger::RootFromLeafHashes(leaf_hashes);
  const double sha_s = Seconds(t0, Clock::now());
  std::printf("sha256:  %10.0f leaves/s  (%.2f s raw SHA-256 over the same leaf bytes, one "
              "content per leaf and the tree; %.0f MB/s) [%02x%02x]\n",
              total / sha_s, sha_s, total_bytes / sha_s / 1e6, acc[0], root[0]);
  std::printf("verify / raw sha256 time: %.1fx\n", verify_s / sha_s);

  // 3. Write-heavy workload with and without the ledger, alternating runs so
  // the machine's noise falls on both; the best of three of each.
  double with = 0, without = 0;
  for (int run = 0; run < 3; ++run) {
    without = std::max(without, WriteHeavy(dir / "without", false, writes));
    with = std::max(with, WriteHeavy(dir / "with", true, writes));
  }
  std::printf("store writes with ledger:    %8.0f/s\n", with);
  std::printf("store writes without ledger: %8.0f/s\n", without);
  std::printf("ledger overhead on store writes: %.1f%%\n", (without / with - 1) * 100);

  // Loopback HTTP is noisy on two cores: the median of five alternating runs.
  std::vector<double> w, wo;
  for (int run = 0; run < 5; ++run) {
    wo.push_back(ApiWriteHeavy(dir / "api-without", false, writes));
    w.push_back(ApiWriteHeavy(dir / "api-with", true, writes));
  }
  std::sort(w.begin(), w.end());
  std::sort(wo.begin(), wo.end());
  const double api_with = w[2], api_without = wo[2];
  std::printf("API writes with ledger:      %8.0f/s  (POST /api/v1/incidents, keep-alive, loopback)\n",
              api_with);
  std::printf("API writes without ledger:   %8.0f/s\n", api_without);
  std::printf("ledger overhead on API writes: %.1f%% (target <= 20%%)\n",
              (api_without / api_with - 1) * 100);
  fs::remove_all(dir);
  return 0;
}
