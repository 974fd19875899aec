// Figures as the API and the command line give them: JSON (with the ids of
// the incidents, claims and outcomes behind every number, and the phrase in
// English and Arabic), CSV, and a plain table.
#ifndef DALIL_FIGURES_RENDER_H_
#define DALIL_FIGURES_RENDER_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "figures/phrasing.h"
#include "figures/query.h"

namespace dalil::figures {

struct RenderOptions {
  Digits arabic_digits = Digits::kArabicIndic;
};

// [{"group": {"key", "name_en", "name_ar"}, "figures": {"killed": {"min",
//   "max", "open_ended", "provisional", "sources", "incidents", "claims",
//   "outcomes", "phrase": {"en", "ar"}}, ...}}, ...]
nlohmann::json FiguresJson(const std::vector<Group>& groups, const RenderOptions& options);
// group,category,min,max,open_ended,provisional,sources,incidents,phrase_en,phrase_ar
std::string FiguresCsv(const std::vector<Group>& groups, const RenderOptions& options);
std::string FiguresTable(const std::vector<Group>& groups, const RenderOptions& options);

}  // namespace dalil::figures

#endif  // DALIL_FIGURES_RENDER_H_
