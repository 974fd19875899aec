// dalil: the command-line entry point. Thin: parses flags, runs one command
// from the table in commands.cc, maps its Status to an exit code.
#include <cstdio>
#include <exception>
#include <vector>

#include <sodium.h>
#include <sys/resource.h>

#include "base/error_map.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace dalil;
  // A core dump would hold decrypted names and the keys: never write one.
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  if (sodium_init() < 0) {
    std::fprintf(stderr, "dalil: cannot initialise libsodium\n");
    return 1;
  }
  CLI::App app{"Dalil: documentation of violence against peaceful protesters", "dalil"};
  app.set_version_flag("--version", std::string("dalil ") + DALIL_VERSION);
  app.require_subcommand(1);
  cli::GlobalFlags global;
  app.add_option("--data-dir", global.data_dir, "Data directory (default ./dalil-data)")
      ->envname("DALIL_DATA_DIR");
  app.add_flag("--passphrase-stdin", global.passphrase_stdin,
               "Read the master key's passphrase from standard input instead of using "
               "the key file (for a database created with it)");

  std::vector<std::pair<CLI::App*, cli::CommandRun>> runs;
  for (const cli::Command& c : cli::Commands()) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    runs.emplace_back(sub, c.setup(sub, &global));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : ExitCodeFor(Code::kInvalidArgument);
  }
  try {
    for (auto& [sub, run] : runs) {
      if (!sub->parsed()) continue;
      Status s = run();
      if (!s.ok()) {
        std::fprintf(stderr, "dalil %s: %s\n", sub->get_name().c_str(), s.ToString().c_str());
        return ExitCodeFor(s.code());
      }
    }
  } catch (const std::exception&) {
    // The text of a library exception may quote data; do not print it.
    std::fprintf(stderr, "dalil: internal error\n");
    return ExitCodeFor(Code::kInternal);
  }
  return 0;
}
