#include "store/sqlite/migrations.h"

namespace dalil::embedded {
std::string_view migration_0001();
std::string_view migration_0002();
std::string_view migration_0003();
std::string_view migration_0004();
std::string_view migration_0005();
std::string_view migration_0006();
std::string_view migration_0007();
std::string_view migration_0008();
std::string_view migration_0009();
std::string_view migration_0010();
std::string_view migration_0011();
std::string_view migration_0012();
}  // namespace dalil::embedded

namespace dalil::sqlite {

std::span<const std::string_view> Migrations() {
  // Append only: a released migration is never edited or reordered.
  static const std::string_view kAll[] = {
      embedded::migration_0001(),
      embedded::migration_0002(),
      embedded::migration_0003(),
      embedded::migration_0004(),
      embedded::migration_0005(),
      embedded::migration_0006(),
      embedded::migration_0007(),
      embedded::migration_0008(),
      embedded::migration_0009(),
      embedded::migration_0010(),
      embedded::migration_0011(),
      embedded::migration_0012(),
  };
  return kAll;
}

}  // namespace dalil::sqlite
