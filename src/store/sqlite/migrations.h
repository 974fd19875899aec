// The schema migrations, embedded from store/migrations/NNNN_*.sql in order.
// Migration i (0-based) brings the schema from version i to i + 1.
#ifndef DALIL_STORE_SQLITE_MIGRATIONS_H_
#define DALIL_STORE_SQLITE_MIGRATIONS_H_

#include <span>
#include <string_view>

namespace dalil::sqlite {

std::span<const std::string_view> Migrations();

}  // namespace dalil::sqlite

#endif  // DALIL_STORE_SQLITE_MIGRATIONS_H_
