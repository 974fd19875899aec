# Person names across scripts and duplicate-person suggestions
# (docs/duplicates.md). Included by the build; paths are relative to this
# file so it works from any including directory.
add_library(dalil_names STATIC
  ${CMAKE_CURRENT_LIST_DIR}/names.cc
  ${CMAKE_CURRENT_LIST_DIR}/duplicates.cc)
target_link_libraries(dalil_names PUBLIC dalil_base PkgConfig::UTF8PROC)

if(DALIL_TESTS)
  add_executable(names_test
    ${CMAKE_CURRENT_LIST_DIR}/names_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/duplicates_test.cc)
  target_link_libraries(names_test PRIVATE dalil_names GTest::gtest_main)
  target_compile_definitions(names_test PRIVATE DALIL_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  gtest_discover_tests(names_test DISCOVERY_TIMEOUT 60)
endif()
