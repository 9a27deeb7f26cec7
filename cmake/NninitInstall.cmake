# Installs the libraries, headers and a CMake package so that consumers can write
#   find_package(nninit CONFIG REQUIRED)  target_link_libraries(app PRIVATE nninit::nninit)
include(CMakePackageConfigHelpers)

get_property(layer_targets GLOBAL PROPERTY NNINIT_LAYER_TARGETS)
install(TARGETS ${layer_targets} nninit EXPORT nninitTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET nninit_app)
  install(TARGETS nninit_app RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# Public headers only: tests, each layer's internal/ headers and the command line's stay in the source tree.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/nninit DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h" PATTERN "*_test*" EXCLUDE PATTERN "*test_support*" EXCLUDE
        PATTERN "internal" EXCLUDE PATTERN "cli" EXCLUDE)
install(EXPORT nninitTargets NAMESPACE nninit:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nninit)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/nninitConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/nninitConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nninit)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/nninitConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/nninitConfig.cmake ${PROJECT_BINARY_DIR}/nninitConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nninit)
