// The ledger as the SQLite store keeps it: every write is a leaf, failed
// transactions leave none, proofs verify, checkpoints refuse inconsistency.
#include <gtest/gtest.h>

#include <filesystem>

#include "store/accounts.h"
#include "store/sqlite/db.h"
#include "store/sqlite/sqlite_store.h"

namespace dalil::store {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const model::EntitySpec& E(const char* name) { return *model::FindEntityByName(name); }

class LedgerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dalil_ledger_store_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Reopen();
    auto key = ledger::GenerateSigningKey("dalil/test");
    ASSERT_TRUE(key.ok());
    key_ = *key;
    verifier_ = *ledger::ParseVerifierKey(ledger::VerifierKey(key_));
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    auto s = OpenSqliteStore({.path = (dir_ / "t.db").string()});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  void ExpectIntact() {
    ASSERT_TRUE(store_->SignCheckpoint(key_).ok());
    auto r = store_->VerifyLedger(verifier_, std::nullopt);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& p : r->problems) ADD_FAILURE() << p;
  }
  std::vector<ledger::Hash> LeafHashes() {
    auto leaves = store_->Leaves(0, *store_->LedgerSize());
    std::vector<ledger::Hash> out;
    for (const auto& l : *leaves) out.push_back(ledger::LeafHash(l.data));
    return out;
  }
  json Person() { return {{"name", "زينب عباس (demo)"}, {"contact", "+964 000 (demo)"}}; }

  fs::path dir_;
  std::unique_ptr<Store> store_;
  ledger::SigningKey key_;
  ledger::Verifier verifier_;
};

TEST_F(LedgerStoreTest, SeededPlacesAreAdoptedAsCreateLeaves) {
  ASSERT_EQ(*store_->LedgerSize(), 19u);  // Iraq + 18 governorates
  auto leaves = store_->Leaves(0, 19);
  ASSERT_TRUE(leaves.ok());
  for (uint64_t i = 0; i < 19; ++i) {
    auto leaf = ledger::DecodeLeaf((*leaves)[i].data);
    ASSERT_TRUE(leaf.ok());
    EXPECT_EQ(leaf->sequence, i);
    EXPECT_EQ(leaf->entity, "place");
    EXPECT_EQ(leaf->record_id, i + 1);
    EXPECT_EQ(leaf->op, ledger::Op::kCreate);
    EXPECT_EQ(leaf->actor, "system");
  }
  ExpectIntact();
}

TEST_F(LedgerStoreTest, EveryChangeIsAVersionWithItsLeaf) {
  auto c = store_->Create("user:1", E("actor"), {{"kind", "state_forces"}, {"name_en", "ISF"}});
  ASSERT_TRUE(c.ok());
  int64_t id = (*c)["id"];
  ASSERT_TRUE(store_->Update("user:2", E("actor"), id, {{"name_ar", "القوات الأمنية"}}).ok());
  ASSERT_TRUE(store_->Delete("user:1", E("actor"), id, std::nullopt).ok());
  auto h = store_->History(E("actor"), id);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 3u);
  EXPECT_EQ((*h)[0].op, ledger::Op::kCreate);
  EXPECT_EQ((*h)[1].op, ledger::Op::kUpdate);
  EXPECT_EQ((*h)[2].op, ledger::Op::kDelete);
  EXPECT_EQ((*h)[1].actor, "user:2");
  EXPECT_EQ((*h)[1].version, 2);
  EXPECT_EQ((*h)[0].leaf_index, 19u);
  EXPECT_EQ((*h)[2].leaf_index, 21u);
  EXPECT_TRUE((*h)[2].content.empty());
  EXPECT_EQ((*h)[2].content_hash, ledger::Hash{});
  EXPECT_EQ((*h)[1].content_hash, ledger::Sha256((*h)[1].content));
  EXPECT_NE((*h)[1].content.find("القوات الأمنية"), std::string::npos);
  EXPECT_EQ(store_->History(E("actor"), 999).status().code(), Code::kNotFound);
  ExpectIntact();
}

TEST_F(LedgerStoreTest, FailedTransactionLeavesNoLeafAndTheNextOneContinues) {
  const uint64_t before = *store_->LedgerSize();
  Status s = store_->Write("user:1", [&](WriteTxn& txn) -> Status {
    DALIL_RETURN_IF_ERROR(txn.Create(E("actor"), {{"kind", "protesters"}, {"name_en", "A"}}).status());
    DALIL_RETURN_IF_ERROR(txn.Create(E("actor"), {{"kind", "protesters"}, {"name_en", "B"}}).status());
    return txn.Create(E("actor"), {{"kind", "nobody"}}).status();
  });
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(*store_->LedgerSize(), before);
  ASSERT_TRUE(store_->Create("user:1", E("actor"), {{"kind", "protesters"}, {"name_en", "C"}}).ok());
  EXPECT_EQ(*store_->LedgerSize(), before + 1);
  auto root = store_->LedgerRoot(before + 1);
  EXPECT_EQ(*root, ledger::RootFromLeafHashes(LeafHashes()));
  ExpectIntact();
}

TEST_F(LedgerStoreTest, ProofsFromStoredNodesVerify) {
  for (int i = 0; i < 40; ++i) {
    std::string name = "G";
    name += std::to_string(i);
    ASSERT_TRUE(store_->Create("user:1", E("actor"), {{"kind", "protesters"}, {"name_en", name}}).ok());
  }
  const auto hashes = LeafHashes();
  const uint64_t n = hashes.size();
  for (uint64_t size : std::vector<uint64_t>{1, 2, 19, 32, 33, n}) {
    auto root = store_->LedgerRoot(size);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(*root, ledger::RootFromLeafHashes(std::span(hashes).first(size)));
    for (uint64_t i = 0; i < size; i += 7) {
      auto proof = store_->InclusionProof(i, size);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(ledger::VerifyInclusion(i, size, hashes[i], *proof, *root).ok()) << i << "/" << size;
    }
    if (size < n) {
      auto proof = store_->ConsistencyProof(size, n);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(ledger::VerifyConsistency(size, n, *root, *store_->LedgerRoot(n), *proof).ok());
    }
  }
  EXPECT_EQ(store_->LedgerRoot(n + 1).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->InclusionProof(n, n).status().code(), Code::kInvalidArgument);
}

TEST_F(LedgerStoreTest, SurvivesReopen) {
  ASSERT_TRUE(store_->Create("user:1", E("actor"), {{"kind", "protesters"}, {"name_en", "A"}}).ok());
  auto cp1 = store_->SignCheckpoint(key_);
  ASSERT_TRUE(cp1.ok());
  Reopen();
  ASSERT_TRUE(store_->Create("user:1", E("actor"), {{"kind", "protesters"}, {"name_en", "B"}}).ok());
  auto cp2 = store_->SignCheckpoint(key_);
  ASSERT_TRUE(cp2.ok());
  EXPECT_EQ(cp2->checkpoint.size, cp1->checkpoint.size + 1);
  EXPECT_EQ(cp2->checkpoint.root, ledger::RootFromLeafHashes(LeafHashes()));
  auto r = store_->VerifyLedger(verifier_, cp1->note);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->intact());
  EXPECT_EQ(r->checkpoints, 2u);
}

TEST_F(LedgerStoreTest, IdsOfDeletedRecordsAreNeverReused) {
  auto a = store_->Create("user:1", E("actor"), {{"kind", "protesters"}, {"name_en", "A"}});
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(store_->Delete("user:1", E("actor"), (*a)["id"], std::nullopt).ok());
  auto b = store_->Create("user:1", E("actor"), {{"kind", "protesters"}, {"name_en", "B"}});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)["id"].get<int64_t>(), (*a)["id"].get<int64_t>() + 1);
  EXPECT_EQ(store_->History(E("actor"), (*a)["id"])->size(), 2u);  // create, delete
  EXPECT_EQ(store_->History(E("actor"), (*b)["id"])->size(), 1u);
  ExpectIntact();
}

TEST_F(LedgerStoreTest, CheckpointSignedOncePerSizeAndOpensWithTheKey) {
  auto a = store_->SignCheckpoint(key_);
  auto b = store_->SignCheckpoint(key_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->note, b->note);
  auto opened = ledger::OpenSignedCheckpoint(a->note, verifier_);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->size, *store_->LedgerSize());
  EXPECT_EQ(opened->origin, "dalil/test");
  auto latest = store_->LatestCheckpoint();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->checkpoint.size, opened->size);
}

TEST_F(LedgerStoreTest, RefusesToSignWhenTheLogNoLongerMatchesItsCheckpoint) {
  ASSERT_TRUE(store_->SignCheckpoint(key_).ok());
  ASSERT_TRUE(store_->Create("user:1", E("actor"), {{"kind", "protesters"}, {"name_en", "A"}}).ok());
  store_.reset();
  {
    auto db = sqlite::Database::Open((dir_ / "t.db").string(), false);
    ASSERT_TRUE(db.ok());
    // Node (4, 0) is stored with leaf 15.
    ASSERT_TRUE((*db)->Exec("UPDATE ledger SET hashes = zeroblob(length(hashes)) WHERE idx = 15").ok());
  }
  Reopen();
  auto cp = store_->SignCheckpoint(key_);
  EXPECT_EQ(cp.status().code(), Code::kCorruption) << cp.status().ToString();
}

TEST_F(LedgerStoreTest, SensitivePlaintextNeverEntersContentOrLeaves) {
  auto p = store_->Create("user:1", E("person"), Person());
  ASSERT_TRUE(p.ok());
  auto h = store_->History(E("person"), (*p)["id"]);
  ASSERT_TRUE(h.ok());
  const std::string& content = (*h)[0].content;
  EXPECT_EQ(content.find("زينب"), std::string::npos);
  EXPECT_EQ(content.find("+964"), std::string::npos);
  json parsed = json::parse(content);
  const std::string name = parsed["fields"]["name"];
  EXPECT_EQ(name.substr(0, 2), "c:");
  EXPECT_EQ(name.size(), 2u + 64u);
  // Two versions with the same name commit differently (fresh salt).
  ASSERT_TRUE(store_->Update("user:1", E("person"), (*p)["id"], {{"sex", "female"}}).ok());
  auto h2 = store_->History(E("person"), (*p)["id"]);
  EXPECT_NE(json::parse((*h2)[1].content)["fields"]["name"], name);
  auto leaves = store_->Leaves(0, *store_->LedgerSize());
  ASSERT_TRUE(leaves.ok());
  for (const auto& leaf : *leaves) {
    EXPECT_EQ(leaf.data.find("زينب"), std::string::npos);
  }
  ExpectIntact();
}

// Create answers without reading the row back; what it answers must be what
// a read returns (integral numbers as doubles, lists, sensitive lists, the
// system fields), also for several records of one entity in one transaction.
TEST_F(LedgerStoreTest, CreateAnswersWhatAReadReturns) {
  std::vector<json> created;
  ASSERT_TRUE(store_->Write("import", [&](WriteTxn& txn) -> Status {
    for (int i = 0; i < 3; ++i) {
      DALIL_ASSIGN_OR_RETURN(json inc, txn.Create(E("incident"),
          {{"title_en", "Protest " + std::to_string(i)}, {"start_date", "2021-02-26"},
           {"place_id", 1}, {"event_type", "protests"}, {"latitude", 31},
           {"longitude", 46.25}, {"geo_precision", 2}, {"tags", {"acled", "نقطة"}}}));
      created.push_back(std::move(inc));
    }
    DALIL_ASSIGN_OR_RETURN(json p, txn.Create(E("person"),
        {{"name", "زينب عباس (demo)"}, {"name_variants", {"Zainab", "Zaynab"}}}));
    created.push_back(std::move(p));
    return Status::Ok();
  }).ok());
  ASSERT_EQ(created.size(), 4u);
  EXPECT_EQ(created[1]["id"].get<int64_t>(), created[0]["id"].get<int64_t>() + 1);
  EXPECT_EQ(created[2]["id"].get<int64_t>(), created[0]["id"].get<int64_t>() + 2);
  EXPECT_TRUE(created[0]["latitude"].is_number_float());
  for (const json& c : created) {
    const auto& spec = c.contains("event_type") ? E("incident") : E("person");
    auto read = store_->Get(spec, c["id"].get<int64_t>());
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(c.dump(), read->dump());
    auto history = store_->History(spec, c["id"].get<int64_t>());
    ASSERT_TRUE(history.ok());
    ASSERT_EQ(history->size(), 1u);
  }
  ExpectIntact();
}

// A record prepared on another thread (PrepareCreate) and created from it
// is the record Create makes of the same body: the same row, the same
// version content in the ledger, and the ledger verifies. Sensitive values
// are sealed and committed as Create does.
TEST_F(LedgerStoreTest, APreparedCreateEqualsCreate) {
  const json incident = {{"title_en", "Protest"}, {"start_date", "2021-02-26"},
                         {"event_type", "protests"}, {"latitude", 31}, {"longitude", 46.25},
                         {"tags", {"acled", "نقطة"}}};
  auto prepared_incident = PrepareCreate(E("incident"), incident, {"place_id"});
  ASSERT_TRUE(prepared_incident.ok()) << prepared_incident.status().ToString();
  json with_place = incident;
  with_place["place_id"] = 13;
  json via_create;
  int64_t via_prepared = 0, inv_prepared = 0, inv_created = 0, actor = 0;
  const Status written = store_->Write("import", [&](WriteTxn& txn) -> Status {
    DALIL_ASSIGN_OR_RETURN(json a, txn.Create(E("actor"), {{"name_en", "Police"}, {"kind", "state_forces"}}));
    actor = a["id"].get<int64_t>();
    DALIL_ASSIGN_OR_RETURN(via_create, txn.Create(E("incident"), with_place));
    DALIL_ASSIGN_OR_RETURN(via_prepared, txn.CreatePrepared(*prepared_incident, {13}));
    const json inv = {{"role", "perpetrator"}, {"perpetrator_names", {"علي", "Ali"}}};
    DALIL_ASSIGN_OR_RETURN(PreparedCreate p,
                           PrepareCreate(E("involvement"), inv, {"incident_id", "actor_id"}));
    DALIL_ASSIGN_OR_RETURN(inv_prepared, txn.CreatePrepared(p, {via_prepared, actor}));
    json body = inv;
    body["incident_id"] = via_prepared;
    body["actor_id"] = actor;
    DALIL_ASSIGN_OR_RETURN(json c, txn.Create(E("involvement"), body));
    inv_created = c["id"].get<int64_t>();
    // A reference to a missing record is refused as Create refuses it.
    DALIL_ASSIGN_OR_RETURN(PreparedCreate bad,
                           PrepareCreate(E("involvement"), {{"role", "target"}},
                                         {"incident_id", "actor_id"}));
    Status missing = txn.CreatePrepared(bad, {via_prepared, 999999}).status();
    EXPECT_EQ(missing.code(), Code::kInvalidArgument);
    EXPECT_EQ(missing.field(), "actor_id");
    return Status::Ok();
  });
  ASSERT_TRUE(written.ok()) << written.ToString();
  auto a = store_->Get(E("incident"), via_create["id"].get<int64_t>());
  auto b = store_->Get(E("incident"), via_prepared);
  ASSERT_TRUE(a.ok() && b.ok());
  json left = *a, right = *b;
  for (json* r : {&left, &right}) r->erase("id");
  EXPECT_EQ(left.dump(), right.dump());
  auto ha = store_->History(E("incident"), via_create["id"].get<int64_t>());
  auto hb = store_->History(E("incident"), via_prepared);
  ASSERT_TRUE(ha.ok() && hb.ok());
  std::string ca = (*ha)[0].content, cb = (*hb)[0].content;
  const std::string id_a = "\"id\":" + std::to_string(via_create["id"].get<int64_t>()) + ",";
  const std::string id_b = "\"id\":" + std::to_string(via_prepared) + ",";
  ca.replace(ca.find(id_a), id_a.size(), "");
  cb.replace(cb.find(id_b), id_b.size(), "");
  EXPECT_EQ(ca, cb);
  auto ia = store_->Get(E("involvement"), inv_created);
  auto ib = store_->Get(E("involvement"), inv_prepared);
  ASSERT_TRUE(ia.ok() && ib.ok());
  EXPECT_EQ((*ia)["perpetrator_names"], (*ib)["perpetrator_names"]);
  auto hi = store_->History(E("involvement"), inv_prepared);
  ASSERT_TRUE(hi.ok());
  EXPECT_EQ((*hi)[0].content.find("Ali"), std::string::npos);  // committed, not in plaintext
  EXPECT_NE((*hi)[0].content.find("\"perpetrator_names\":\"c:"), std::string::npos);
  // Validation happens when preparing.
  auto invalid = PrepareCreate(E("incident"), {{"start_date", "2021-02-31"}}, {"place_id"});
  EXPECT_EQ(invalid.status().code(), Code::kInvalidArgument);
  ExpectIntact();
}

// Records from before ownership (or written while no organisation existed)
// are nobody's: seen by no account and no visitor. Once an organisation
// exists the store gives them to the first one, each with a ledger version
// saying so, and the ledger still verifies.
TEST_F(LedgerStoreTest, UnownedRecordsAreAdoptedByTheFirstOrganisationWithAVersion) {
  const auto& incidents = *model::FindEntityByName("incident");
  auto made = store_->Create("import", incidents,
                             {{"title_en", "Before accounts"}, {"start_date", "2021-02-26"},
                              {"place_id", 13}, {"event_type", "protests"}});
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  const int64_t id = (*made)["id"].get<int64_t>();
  EXPECT_TRUE((*made)["owner_organisation_id"].is_null());
  EXPECT_EQ((*made)["visibility"], "organisation");
  ExpectIntact();
  EXPECT_EQ(*store_->AdoptUnownedRecords(), 0);  // no organisation yet
  const Viewer member = Viewer::Member(1, "admin");
  EXPECT_EQ(store_->List(incidents, {.viewer = member})->total, 0);
  EXPECT_EQ(store_->Get(incidents, id, member).status().code(), Code::kNotFound);

  auto accounts = OpenSqliteAccounts((dir_ / "t.db").string(), nullptr);
  ASSERT_TRUE(accounts.ok()) << accounts.status().ToString();
  auto org = (*accounts)->CreateOrganisation("test", "First");
  ASSERT_TRUE(org.ok());
  Reopen();  // adopts at open
  auto got = store_->Get(incidents, id, Viewer::Member(org->id, "viewer"));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ((*got)["owner_organisation_id"], org->id);
  EXPECT_EQ((*got)["version"], 2);
  auto history = store_->History(incidents, id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[1].actor, "system");
  EXPECT_NE((*history)[1].content.find("\"owner_organisation_id\":" + std::to_string(org->id)),
            std::string::npos);
  EXPECT_EQ(store_->Get(incidents, id, Viewer::Anonymous()).status().code(), Code::kNotFound);
  EXPECT_EQ(*store_->AdoptUnownedRecords(), 0);  // once
  ExpectIntact();
  // The system's later writes belong to the first organisation at once.
  made = store_->Create("import", incidents,
                        {{"title_en", "After accounts"}, {"start_date", "2021-02-27"},
                         {"place_id", 13}, {"event_type", "protests"}});
  ASSERT_TRUE(made.ok());
  EXPECT_EQ((*made)["owner_organisation_id"], org->id);
}

}  // namespace
}  // namespace dalil::store
