// `dalil import`, `dalil import-report` and `dalil export`: the CLI face of
// importer/import.h and importer/export.h.
#ifndef DALIL_CLI_IMPORT_COMMANDS_H_
#define DALIL_CLI_IMPORT_COMMANDS_H_

#include "cli/commands.h"

namespace dalil::cli {

CommandRun SetupImport(CLI::App* app, const GlobalFlags* global);
CommandRun SetupImportReport(CLI::App* app, const GlobalFlags* global);
CommandRun SetupExport(CLI::App* app, const GlobalFlags* global);

}  // namespace dalil::cli

#endif  // DALIL_CLI_IMPORT_COMMANDS_H_
