# medcred_test(NAME src... LIBS lib...): a GoogleTest binary registered with CTest.
# Tests find the demo through MEDCRED_DEMO_DIR or ../shared/data beside the repo.
include_guard(GLOBAL)
include(GoogleTest)
function(medcred_test name)
  cmake_parse_arguments(T "" "" "LIBS" ${ARGN})
  add_executable(${name} ${T_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    MEDCRED_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    MEDCRED_BINARY_DIR="${CMAKE_BINARY_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600)
endfunction()
