// Loads a bundle of records given as JSON, resolving references between
// them: the demo dataset today, the dalil-json import format later.
//
// A bundle is {"<plural>": [record, ...], ...}. Each record holds its
// entity's fields plus a "$key" unique in the bundle; a reference field may
// be a "$key" of a record loaded earlier, a numeric id of an existing
// record, or, for places, an ISO code ("IQ-DQ"). Entities load in
// model::AllEntities() order.
//
// Evidence records carry their file inline as "$content" (UTF-8 text) or
// "$content_base64"; the file is stored in `blobs` (hashed at intake) and
// the record gets its sha256 and size from it.
#ifndef DALIL_IMPORTER_BUNDLE_H_
#define DALIL_IMPORTER_BUNDLE_H_

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "store/blob_store.h"
#include "store/imports.h"
#include "store/store.h"

namespace dalil::importer {

struct BundleResult {
  std::map<std::string, int64_t> created;  // plural -> count
  std::map<std::string, int64_t> ids;      // $key -> id
  int64_t total = 0;      // records created
  int64_t updated = 0;    // keyed records found changed and updated
  int64_t unchanged = 0;  // keyed records found as imported before
};

struct BundleOptions {
  // A place record with an iso_code that already exists stands for the
  // existing place instead of being created (dalil-json imports: the
  // seeded governorates are in every database).
  bool reuse_places_by_code = false;
  // A person without a name (exports never carry names) gets
  // "(name withheld: <$key>)": the record and its links survive.
  bool withheld_names = false;
  // With a dataset, each record with a "$key" is keyed by (dataset, $key)
  // in import_records (dalil-json imports): a key imported before with the
  // same content is left alone and maps to the record made then; with other
  // content that record is updated (fields the record no longer gives are
  // cleared) and the change listed in import_changes under `run_id`.
  // Evidence whose file changed is a new evidence record.
  std::string dataset;
  int64_t run_id = 0;
};

// Loads records one at a time into `txn`, as a reader hands them over (a
// streaming one included): each record must come after those it refers to
// by "$key". `result` keeps the counts and the $key -> id map. Errors name
// the record by `where` ("incidents[3]").
class BundleLoader {
 public:
  BundleLoader(store::WriteTxn& txn, const BundleOptions& options, BundleResult& result,
               const store::BlobStore* blobs)
      : txn_(txn), options_(options), result_(result), blobs_(blobs) {}
  Status Add(const model::EntitySpec& spec, nlohmann::json rec, const std::string& where);

 private:
  Status UpdateKeyed(const model::EntitySpec& spec, const store::ImportedRecord& prior,
                     nlohmann::json rec, const std::string& self_key, const std::string& hash,
                     const std::string& label);

  store::WriteTxn& txn_;
  const BundleOptions& options_;
  BundleResult& result_;
  const store::BlobStore* blobs_;
  int64_t seen_ = 0;  // records handed over so far: a record's place in the file
};

// Loads every record in `txn`, adding to `result`. Errors as LoadBundle's.
Status LoadBundleInto(store::WriteTxn& txn, const nlohmann::json& bundle,
                      const BundleOptions& options, BundleResult& result,
                      const store::BlobStore* blobs);

// Loads every record in one transaction: all or nothing. Errors name the
// record ("incidents[3] ($key inc-x): end_date: must not be before ...").
// `blobs` may be null when the bundle has no evidence.
// The records belong to the organisation `writer` names (the first when 0).
Result<BundleResult> LoadBundle(store::Store& store, const nlohmann::json& bundle,
                                const std::string& actor,
                                const store::BlobStore* blobs = nullptr,
                                const store::Viewer& writer = store::Viewer::System());

}  // namespace dalil::importer

#endif  // DALIL_IMPORTER_BUNDLE_H_
