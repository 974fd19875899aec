// The subcommands of `dalil`, as a table: name, help text, and a function
// that declares the command's flags and returns what runs it.
#ifndef DALIL_CLI_COMMANDS_H_
#define DALIL_CLI_COMMANDS_H_

#include <functional>
#include <span>
#include <string>

#include <CLI/CLI.hpp>

#include "base/status.h"

namespace dalil::cli {

struct GlobalFlags {
  std::string data_dir = "dalil-data";
  // The master key comes from a passphrase on standard input, not the key
  // file (docs/security.md).
  bool passphrase_stdin = false;
};

using CommandRun = std::function<Status()>;

struct Command {
  const char* name;
  const char* help;
  // Adds the command's flags to `app` and returns the function that runs it
  // (it reads the flags' values when called).
  CommandRun (*setup)(CLI::App* app, const GlobalFlags* global);
};

std::span<const Command> Commands();

}  // namespace dalil::cli

#endif  // DALIL_CLI_COMMANDS_H_
