# Helpers that give every layer of docs/architecture.md the same shape: one static library per layer
# (nninit::<layer>), its sources and headers in src/nninit/<layer>/, its unit tests (*_test.cpp)
# beside them in one test program per layer.

function(nninit_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Wimplicit-fallthrough)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 reports false -Wrestrict errors on std::string concatenation at -O3 (GCC bug 105651).
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(NNINIT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

function(nninit_set_sanitizers target)
  if(NNINIT_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # The sanitizers' instrumentation makes GCC's flow analysis report false -Wmaybe-uninitialized
      # errors inside libstdc++ (std::regex's std::function states); GCC's manual warns of exactly this.
      # The release build keeps the warning.
      target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
    endif()
  endif()
endfunction()

# nninit_add_layer(NAME SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...] [TEST_SOURCES ...])
function(nninit_add_layer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS;TEST_SOURCES" ${ARGN})
  set(target nninit_${name})
  add_library(${target} STATIC ${ARG_SOURCES})
  add_library(nninit::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src>
                                              $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${target} PUBLIC cxx_std_20)
  # Exactness: the compiler must never fuse a multiply and an add on its own; every FMA that PyTorch
  # performs is written out explicitly with std::fma (docs/rng.md §4).
  target_compile_options(${target} PRIVATE -ffp-contract=off)
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  nninit_set_warnings(${target})
  nninit_set_sanitizers(${target})
  set_property(GLOBAL APPEND PROPERTY NNINIT_LAYER_TARGETS ${target})
  if(NNINIT_BUILD_TESTS AND ARG_TEST_SOURCES)
    nninit_add_test_program(${target}_test PREFIX "${name}." SOURCES ${ARG_TEST_SOURCES} DEPS ${target})
  endif()
endfunction()

# nninit_add_test_program(NAME SOURCES ... DEPS ...): a GoogleTest program registered with CTest.
function(nninit_add_test_program name)
  cmake_parse_arguments(ARG "" "PREFIX" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} nninit_test_support GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE NNINIT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  nninit_set_warnings(${name})
  nninit_set_sanitizers(${name})
  # Test names carry their layer ("random.KnownAnswers.Every..."), so `ctest -R '^random\.'` selects a layer.
  gtest_discover_tests(${name} TEST_PREFIX "${ARG_PREFIX}" DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endfunction()

# nninit_add_fuzzer(NAME SOURCES ... [DEPS ...]): a libFuzzer program, built only with -DNNINIT_FUZZ=ON and
# clang. SOURCES name the fuzz entry point and the layer sources it exercises, compiled again here with
# coverage instrumentation so that the layer's library and tests stay as in any other build.
#   CXX=clang++ cmake -S . -B build/fuzz -DNNINIT_FUZZ=ON && cmake --build build/fuzz
#   build/fuzz/src/nninit/<layer>/<name> -max_total_time=60
function(nninit_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT NNINIT_FUZZ)
    return()
  endif()
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(WARNING "NNINIT_FUZZ needs clang; ${name} is not built with ${CMAKE_CXX_COMPILER_ID}")
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined -ffp-contract=off)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  nninit_set_warnings(${name})
endfunction()
