#include "model/schema.h"

#include <algorithm>

namespace dalil::model {
namespace {

using SV = std::string_view;
using FT = FieldType;

constexpr SV kPlaceLevels[] = {"country", "governorate", "district",
                               "subdistrict", "locality"};
constexpr SV kDatePrecisions[] = {"day", "week", "month"};
constexpr SV kReviewStatuses[] = {"draft", "in_review", "verified", "disputed",
                                  "rejected"};
constexpr SV kActorKinds[] = {"state_forces",     "rebel_group",
                              "political_militia", "identity_militia",
                              "rioters",          "protesters",
                              "civilians",        "external_other"};
constexpr SV kRoles[] = {"perpetrator", "target", "other"};
constexpr SV kAttributions[] = {"confirmed", "likely", "possible", "unlikely",
                                "unknown"};
constexpr SV kSexes[] = {"female", "male", "unknown"};
constexpr SV kOccupations[] = {"student",  "activist", "journalist", "medic",
                               "lawyer",   "teacher",  "worker",     "civil_servant",
                               "unemployed", "other",  "unknown"};
constexpr SV kOutcomeKinds[] = {"killed",   "injured",  "detained",
                                "abducted", "tortured", "threatened"};
constexpr SV kMeans[] = {"live_ammunition", "sniper_fire", "birdshot",
                         "rubber_bullet",   "tear_gas_canister", "explosive",
                         "knife",           "beating",  "vehicle",
                         "other",           "unknown"};
constexpr SV kOutcomeStatuses[] = {"still_held", "released", "found_alive",
                                   "found_dead", "died_of_wounds", "charged",
                                   "other"};
constexpr SV kSourceKinds[] = {"witness_testimony", "medical_record",
                               "media_report",      "social_media_post",
                               "official_statement", "ngo_report"};
// HURIDOCS' six-level scale, most reliable first.
constexpr SV kReliabilities[] = {"highly_reliable",      "reliable",
                                 "fairly_reliable",      "not_usually_reliable",
                                 "highly_unreliable",    "unknown"};
constexpr SV kVisibilities[] = {"organisation", "restricted", "public"};
constexpr SV kRoleNames[] = {"viewer", "documenter", "reviewer", "coordinator", "admin"};
constexpr SV kClaimCategories[] = {"killed",   "injured",  "detained",
                                   "abducted", "tortured", "threatened"};

// ACLED event types (lower-case snake form of ACLED's labels).
constexpr SV kProtestSubs[] = {"peaceful_protest", "protest_with_intervention",
                               "excessive_force_against_protesters"};
constexpr SV kRiotSubs[] = {"violent_demonstration", "mob_violence"};
constexpr SV kVacSubs[] = {"attack", "abduction_forced_disappearance",
                           "sexual_violence"};
constexpr SV kStrategicSubs[] = {"arrests", "agreement", "change_to_group_activity",
                                 "disrupted_weapons_use",
                                 "headquarters_or_base_established",
                                 "looting_property_destruction",
                                 "non_violent_transfer_of_territory", "other"};
constexpr SV kBattleSubs[] = {"armed_clash", "government_regains_territory",
                              "non_state_actor_overtakes_territory"};
constexpr SV kExplosionSubs[] = {"air_drone_strike", "suicide_bomb",
                                 "shelling_artillery_missile_attack",
                                 "remote_explosive_landmine_ied", "grenade",
                                 "chemical_weapon"};
constexpr EventType kEventTypes[] = {
    {"protests", kProtestSubs},
    {"riots", kRiotSubs},
    {"violence_against_civilians", kVacSubs},
    {"strategic_developments", kStrategicSubs},
    {"battles", kBattleSubs},
    {"explosions_remote_violence", kExplosionSubs},
};
constexpr SV kEventTypeNames[] = {"protests", "riots", "violence_against_civilians",
                                  "strategic_developments", "battles",
                                  "explosions_remote_violence"};
constexpr SV kSubEventTypeNames[] = {
    "peaceful_protest", "protest_with_intervention",
    "excessive_force_against_protesters", "violent_demonstration",
    "mob_violence", "attack", "abduction_forced_disappearance",
    "sexual_violence", "arrests", "agreement", "change_to_group_activity",
    "disrupted_weapons_use", "headquarters_or_base_established",
    "looting_property_destruction", "non_violent_transfer_of_territory",
    "other", "armed_clash", "government_regains_territory",
    "non_state_actor_overtakes_territory", "air_drone_strike", "suicide_bomb",
    "shelling_artillery_missile_attack", "remote_explosive_landmine_ied",
    "grenade", "chemical_weapon"};

// The access fields of owned records (docs/security.md, "Ownership and
// visibility"); the same three in incidents, sources, persons and evidence.
constexpr Field kOwner{
    .name = "owner_organisation_id", .type = FT::kInteger, .filterable = true,
    .read_only = true, .access = true,
    .description = "The organisation the record belongs to (set by the server: the writer's)."};
constexpr Field kVisibility{
    .name = "visibility", .type = FT::kEnum, .values = kVisibilities, .filterable = true,
    .access = true,
    .description = "organisation (default): its organisation only; restricted: only the "
                   "restricted_roles of its organisation; public: published (setting or "
                   "clearing it needs a reviewer; an incident is public only once verified)."};
constexpr Field kRestrictedRoles{
    .name = "restricted_roles", .type = FT::kTextList, .max_length = 5, .access = true,
    .description = "With visibility restricted: the roles of the owning organisation that "
                   "may see the record (viewer, documenter, reviewer, coordinator, admin)."};

const Field kPlaceFields[] = {
    {.name = "parent_id", .type = FT::kRef, .ref = "place", .filterable = true,
     .description = "The place this one lies in (a governorate's country...)."},
    {.name = "level", .type = FT::kEnum, .required = true, .values = kPlaceLevels,
     .filterable = true, .sortable = true},
    {.name = "name_ar", .type = FT::kText, .max_length = 200, .sortable = true,
     .description = "Arabic name."},
    {.name = "name_en", .type = FT::kText, .max_length = 200, .sortable = true,
     .description = "English name."},
    {.name = "alt_names", .type = FT::kTextList, .max_length = 100,
     .description = "Other spellings and transliterations."},
    {.name = "iso_code", .type = FT::kText, .max_length = 16, .filterable = true,
     .sortable = true, .description = "ISO 3166 code (IQ, IQ-DQ); unique."},
    {.name = "latitude", .type = FT::kNumber, .min = -90, .max = 90},
    {.name = "longitude", .type = FT::kNumber, .min = -180, .max = 180},
};

const Field kIncidentFields[] = {
    {.name = "title_ar", .type = FT::kText, .max_length = 500, .sortable = true},
    {.name = "title_en", .type = FT::kText, .max_length = 500, .sortable = true},
    {.name = "description_ar", .type = FT::kText, .max_length = 100000},
    {.name = "description_en", .type = FT::kText, .max_length = 100000},
    {.name = "start_date", .type = FT::kDate, .required = true, .sortable = true},
    {.name = "end_date", .type = FT::kDate, .sortable = true,
     .description = "Last day; defaults to start_date."},
    {.name = "date_precision", .type = FT::kEnum, .values = kDatePrecisions,
     .description = "How exactly the dates are known (default day)."},
    {.name = "place_id", .type = FT::kRef, .required = true, .ref = "place"},
    {.name = "latitude", .type = FT::kNumber, .min = -90, .max = 90},
    {.name = "longitude", .type = FT::kNumber, .min = -180, .max = 180},
    {.name = "geo_precision", .type = FT::kInteger, .min = 1, .max = 3,
     .description = "1 town, 2 near town / part of region, 3 larger region."},
    {.name = "event_type", .type = FT::kEnum, .required = true,
     .values = kEventTypeNames, .filterable = true, .sortable = true},
    {.name = "sub_event_type", .type = FT::kEnum, .values = kSubEventTypeNames,
     .filterable = true},
    {.name = "review_status", .type = FT::kEnum, .values = kReviewStatuses,
     .filterable = true, .sortable = true, .description = "Default draft."},
    {.name = "tags", .type = FT::kTextList, .max_length = 50},
    kOwner, kVisibility, kRestrictedRoles,
};

const Field kActorFields[] = {
    {.name = "name_ar", .type = FT::kText, .max_length = 300, .sortable = true},
    {.name = "name_en", .type = FT::kText, .max_length = 300, .sortable = true},
    {.name = "kind", .type = FT::kEnum, .required = true, .values = kActorKinds,
     .filterable = true, .sortable = true,
     .description = "ACLED inter code 1-8 as a name."},
    {.name = "parent_id", .type = FT::kRef, .ref = "actor", .filterable = true,
     .description = "The force this unit belongs to."},
    {.name = "alt_names", .type = FT::kTextList, .max_length = 100},
};

const Field kInvolvementFields[] = {
    {.name = "incident_id", .type = FT::kRef, .required = true, .ref = "incident",
     .filterable = true},
    {.name = "actor_id", .type = FT::kRef, .required = true, .ref = "actor",
     .filterable = true},
    {.name = "role", .type = FT::kEnum, .required = true, .values = kRoles,
     .filterable = true},
    {.name = "attribution", .type = FT::kEnum, .values = kAttributions,
     .filterable = true, .description = "Default unknown."},
    {.name = "perpetrator_names", .type = FT::kTextList, .sensitive = true,
     .max_length = 100,
     .description = "Names of individual alleged perpetrators within the actor."},
    {.name = "notes", .type = FT::kText, .max_length = 10000},
};

const Field kPersonFields[] = {
    {.name = "name", .type = FT::kText, .required = true, .sensitive = true,
     .max_length = 500},
    {.name = "name_variants", .type = FT::kTextList, .sensitive = true,
     .max_length = 100},
    {.name = "contact", .type = FT::kText, .sensitive = true, .max_length = 2000,
     .description = "How to reach the person or their family."},
    {.name = "home_location", .type = FT::kText, .sensitive = true, .max_length = 500,
     .description = "Exact home coordinates or address (\"31.0439,46.2576\"); never public."},
    {.name = "sex", .type = FT::kEnum, .values = kSexes, .filterable = true},
    {.name = "age_min", .type = FT::kInteger, .min = 0, .max = 130},
    {.name = "age_max", .type = FT::kInteger, .min = 0, .max = 130},
    {.name = "occupation", .type = FT::kEnum, .values = kOccupations,
     .filterable = true},
    {.name = "affiliation", .type = FT::kText, .sensitive = true,
     .max_length = 500},
    {.name = "notes", .type = FT::kText, .max_length = 10000},
    {.name = "merged_into_id", .type = FT::kRef, .ref = "person", .filterable = true,
     .description = "Set by a reviewer when this record is the same person as another: "
                    "figures count them once. Clearing it undoes the merge."},
    kOwner, kVisibility, kRestrictedRoles,
};

const Field kSourceFields[] = {
    {.name = "kind", .type = FT::kEnum, .required = true, .values = kSourceKinds,
     .filterable = true},
    {.name = "reliability", .type = FT::kEnum, .required = true,
     .values = kReliabilities, .filterable = true,
     .description = "HURIDOCS scale, most reliable first."},
    {.name = "title", .type = FT::kText, .max_length = 1000, .sortable = true},
    {.name = "citation", .type = FT::kText, .max_length = 5000},
    {.name = "url", .type = FT::kText, .max_length = 2000},
    {.name = "published_date", .type = FT::kDate, .sortable = true},
    {.name = "language", .type = FT::kText, .max_length = 35, .filterable = true,
     .description = "BCP 47 tag: ar, en, ku."},
    {.name = "witness_identity", .type = FT::kText, .sensitive = true,
     .max_length = 2000},
    {.name = "notes", .type = FT::kText, .max_length = 10000},
    kOwner, kVisibility, kRestrictedRoles,
};

const Field kOutcomeFields[] = {
    {.name = "incident_id", .type = FT::kRef, .required = true, .ref = "incident",
     .filterable = true},
    {.name = "person_id", .type = FT::kRef, .required = true, .ref = "person",
     .filterable = true},
    {.name = "kind", .type = FT::kEnum, .required = true, .values = kOutcomeKinds,
     .filterable = true},
    {.name = "means", .type = FT::kEnum, .values = kMeans, .filterable = true},
    {.name = "date", .type = FT::kDate, .sortable = true},
    {.name = "source_id", .type = FT::kRef, .ref = "source", .filterable = true},
    {.name = "notes", .type = FT::kText, .max_length = 10000},
};

const Field kOutcomeUpdateFields[] = {
    {.name = "outcome_id", .type = FT::kRef, .required = true, .ref = "outcome",
     .filterable = true},
    {.name = "status", .type = FT::kEnum, .required = true,
     .values = kOutcomeStatuses, .filterable = true},
    {.name = "date", .type = FT::kDate, .required = true, .sortable = true},
    {.name = "source_id", .type = FT::kRef, .ref = "source"},
    {.name = "notes", .type = FT::kText, .max_length = 10000},
};

const Field kClaimFields[] = {
    {.name = "incident_id", .type = FT::kRef, .required = true, .ref = "incident",
     .filterable = true},
    {.name = "source_id", .type = FT::kRef, .required = true, .ref = "source",
     .filterable = true},
    {.name = "category", .type = FT::kEnum, .required = true,
     .values = kClaimCategories, .filterable = true},
    {.name = "count_min", .type = FT::kInteger, .required = true, .min = 0,
     .max = 1e9},
    {.name = "count_max", .type = FT::kInteger, .min = 0, .max = 1e9,
     .description = "null: open-ended (\"more than 260\")."},
    {.name = "count_best", .type = FT::kInteger, .min = 0, .max = 1e9},
    {.name = "quote", .type = FT::kText, .max_length = 2000,
     .description = "The source's own words: \"more than 260 injured\"."},
};

const Field kEvidenceFields[] = {
    {.name = "sha256", .type = FT::kText, .filterable = true, .read_only = true},
    {.name = "size", .type = FT::kInteger, .read_only = true},
    {.name = "original_name", .type = FT::kText, .max_length = 500},
    {.name = "media_type", .type = FT::kText, .max_length = 200,
     .filterable = true},
    {.name = "incident_id", .type = FT::kRef, .ref = "incident", .filterable = true},
    {.name = "source_id", .type = FT::kRef, .ref = "source", .filterable = true},
    {.name = "description", .type = FT::kText, .max_length = 10000},
    kOwner, kVisibility, kRestrictedRoles,
};

const EntitySpec kPlace{"place", "places", "places", kPlaceFields,
                        "A country, governorate, district or locality."};
const EntitySpec kActor{"actor", "actors", "actors", kActorFields,
                        "A force, militia, group or unit."};
const EntitySpec kSource{"source", "sources", "sources", kSourceFields,
                         "Where information comes from, with its reliability."};
const EntitySpec kPerson{"person", "persons", "persons", kPersonFields,
                         "A victim or witness; identity fields are sensitive."};
const EntitySpec kIncident{"incident", "incidents", "incidents", kIncidentFields,
                           "An event: when, where, what (HURIDOCS event)."};
const EntitySpec kInvolvement{"involvement", "involvements", "involvements",
                              kInvolvementFields,
                              "An actor's part in an incident."};
const EntitySpec kOutcome{"outcome", "outcomes", "outcomes", kOutcomeFields,
                          "A violation against a person (HURIDOCS act)."};
const EntitySpec kOutcomeUpdate{"outcome_update", "outcome-updates",
                                "outcome_updates", kOutcomeUpdateFields,
                                "A dated change of an outcome's status."};
const EntitySpec kClaim{"claim", "claims", "claims", kClaimFields,
                        "A count a source gives for an incident."};
const EntitySpec kEvidence{"evidence", "evidence", "evidence", kEvidenceFields,
                           "A file, stored by its SHA-256 at intake."};

const EntitySpec* const kAll[] = {&kPlace,   &kActor,       &kSource,
                                  &kPerson,  &kIncident,    &kInvolvement,
                                  &kOutcome, &kOutcomeUpdate, &kClaim,
                                  &kEvidence};

}  // namespace

const Field* EntitySpec::FindField(std::string_view field) const {
  for (const Field& f : fields) {
    if (f.name == field) return &f;
  }
  return nullptr;
}

bool EntitySpec::HasSensitiveFields() const {
  return std::any_of(fields.begin(), fields.end(),
                     [](const Field& f) { return f.sensitive; });
}

std::span<const EntitySpec* const> AllEntities() { return kAll; }

const EntitySpec* FindEntityByPlural(std::string_view plural) {
  for (const EntitySpec* e : kAll) {
    if (e->plural == plural) return e;
  }
  return nullptr;
}

const EntitySpec* FindEntityByName(std::string_view name) {
  for (const EntitySpec* e : kAll) {
    if (e->name == name) return e;
  }
  return nullptr;
}

bool IsSystemField(std::string_view name) {
  return std::find(std::begin(kSystemFields), std::end(kSystemFields), name) !=
         std::end(kSystemFields);
}

std::span<const EventType> EventTypes() { return kEventTypes; }
std::span<const std::string_view> Visibilities() { return kVisibilities; }
std::span<const std::string_view> RoleNames() { return kRoleNames; }

}  // namespace dalil::model
