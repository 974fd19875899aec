// The one place where Status codes become HTTP statuses and CLI exit codes.
#ifndef DALIL_BASE_ERROR_MAP_H_
#define DALIL_BASE_ERROR_MAP_H_

#include "base/status.h"

namespace dalil {

// HTTP status for a non-OK code (200 for kOk).
int HttpStatusFor(Code code);

// Process exit code for the CLI: 0 ok, 2 bad input/usage, 3 not found,
// 4 conflict, 5 I/O, 6 corruption, 7 unavailable, 1 anything else.
int ExitCodeFor(Code code);

}  // namespace dalil

#endif  // DALIL_BASE_ERROR_MAP_H_
