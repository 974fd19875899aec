#include "figures/render.h"

namespace dalil::figures {
namespace {

using nlohmann::json;

std::string PhraseOr(Category c, const Figure& f, Lang lang, Digits digits) {
  auto p = Phrase(CategoryName(c), Range{f.min, f.max}, lang, digits);
  return p.ok() ? *p : std::string();
}

json Ids(const IdList& list) { return json(list.ids); }

// RFC 4180: quote a field when it holds a comma, quote or line break.
std::string Csv(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

json FiguresJson(const std::vector<Group>& groups, const RenderOptions& o) {
  json out = json::array();
  for (const Group& g : groups) {
    json figs = json::object();
    for (const auto& [cat, f] : g.figures) {
      figs[CategoryName(cat)] = {
          {"min", f.min},
          {"max", f.max ? json(*f.max) : json()},
          {"open_ended", f.open_ended()},
          {"provisional", f.provisional},
          {"sources", f.sources.total},
          {"incidents", Ids(f.incidents)},
          {"claims", Ids(f.claims)},
          {"outcomes", Ids(f.outcomes)},
          // The lists above hold the smallest ids up to the request's limit
          // (`ids`); the counts are always complete.
          {"counts", {{"incidents", f.incidents.total},
                      {"claims", f.claims.total},
                      {"outcomes", f.outcomes.total},
                      {"persons", f.persons.total}}},
          {"ids_complete", f.incidents.complete() && f.claims.complete() &&
                               f.outcomes.complete()},
          {"phrase", {{"en", PhraseOr(cat, f, Lang::kEnglish, Digits::kWestern)},
                      {"ar", PhraseOr(cat, f, Lang::kArabic, o.arabic_digits)}}}};
    }
    out.push_back({{"group", {{"key", g.key}, {"name_en", g.name_en}, {"name_ar", g.name_ar}}},
                   {"figures", figs}});
  }
  return out;
}

std::string FiguresCsv(const std::vector<Group>& groups, const RenderOptions& o) {
  std::string out =
      "group,category,min,max,open_ended,provisional,sources,incidents,phrase_en,phrase_ar\r\n";
  for (const Group& g : groups) {
    for (const auto& [cat, f] : g.figures) {
      out += Csv(g.key) + "," + CategoryName(cat) + "," + std::to_string(f.min) + "," +
             (f.max ? std::to_string(*f.max) : "") + "," + (f.open_ended() ? "true" : "false") +
             "," + (f.provisional ? "true" : "false") + "," + std::to_string(f.sources.total) +
             "," + std::to_string(f.incidents.total) + "," +
             Csv(PhraseOr(cat, f, Lang::kEnglish, Digits::kWestern)) + "," +
             Csv(PhraseOr(cat, f, Lang::kArabic, o.arabic_digits)) + "\r\n";
    }
  }
  return out;
}

std::string FiguresTable(const std::vector<Group>& groups, const RenderOptions& o) {
  std::string out;
  for (const Group& g : groups) {
    out += g.key + (g.name_en.empty() || g.name_en == g.key ? "" : " (" + g.name_en + ")") + "\n";
    if (g.figures.empty()) out += "  no figure\n";
    for (const auto& [cat, f] : g.figures) {
      out += "  " + PhraseOr(cat, f, Lang::kEnglish, Digits::kWestern) + "  |  " +
             PhraseOr(cat, f, Lang::kArabic, o.arabic_digits) + "  [" +
             std::to_string(f.sources.total) + (f.sources.total == 1 ? " source, " : " sources, ") +
             std::to_string(f.incidents.total) +
             (f.incidents.total == 1 ? " incident" : " incidents") +
             (f.provisional ? ", provisional" : "") + "]\n";
    }
  }
  return out;
}

}  // namespace dalil::figures
