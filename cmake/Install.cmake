# `cmake --install`: attn's libraries (export set AttnTargets, namespace
# Attn::), headers (with the generated .inc files), tools and
# lib/cmake/attn/AttnConfig.cmake for out-of-tree MLIR projects.
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

set(ATTN_EXPORTED_LIBS
  AttnDialect AttnATileDialect AttnATileTransforms AttnTransforms AttnToCPU AttnToATile AttnATileToNVVM AttnToGPU AttnPipelines
  AttnRegistration AttnImportHFConfig AttnTargetGPU AttnCpuRuntime AttnC
  attn_cuda_runtime)
foreach(lib ${ATTN_EXPORTED_LIBS})
  target_include_directories(${lib} INTERFACE
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
endforeach()
install(TARGETS ${ATTN_EXPORTED_LIBS} EXPORT AttnTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT AttnTargets NAMESPACE Attn::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/attn)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/attn
                  ${PROJECT_SOURCE_DIR}/include/attn-c
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/attn
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.inc" PATTERN "CMakeFiles" EXCLUDE)
install(DIRECTORY ${PROJECT_BINARY_DIR}/dialects/attn
                  ${PROJECT_BINARY_DIR}/dialects/atile
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/dialects
  FILES_MATCHING PATTERN "*.inc" PATTERN "CMakeFiles" EXCLUDE)
install(TARGETS attn-opt attn-run attn-translate
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/AttnConfig.cmake.in
  ${PROJECT_BINARY_DIR}/lib/cmake/attn/AttnConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/attn)
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/lib/cmake/attn/AttnConfigVersion.cmake
  VERSION 0.1.0 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/lib/cmake/attn/AttnConfig.cmake
              ${PROJECT_BINARY_DIR}/lib/cmake/attn/AttnConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/attn)
