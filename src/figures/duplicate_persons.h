// Duplicate-person suggestions over the database: gathers each person's
// names, age, sex, and the governorates and days of the incidents they
// appear in, and asks the matcher (duplicates.h) for likely pairs. It only
// suggests: a reviewer merges by setting persons.merged_into_id.
// Reasons quote names: sensitive, for reviewers only.
#ifndef DALIL_FIGURES_DUPLICATE_PERSONS_H_
#define DALIL_FIGURES_DUPLICATE_PERSONS_H_

#include <vector>

#include "figures/duplicates.h"
#include "store/store.h"

namespace dalil::figures {

// Persons already merged into another are left out, and those `viewer` may
// not see; names count only where the viewer may read them (its own
// organisation's persons).
Result<std::vector<Candidate>> SuggestPersonDuplicates(store::Store& store, double threshold,
                                                       const store::Viewer& viewer);

}  // namespace dalil::figures

#endif  // DALIL_FIGURES_DUPLICATE_PERSONS_H_
