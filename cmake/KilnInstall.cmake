# `cmake --install`: the tools, the runtime, libKiln.so and the shipped plugins
# (plugins/CMakeLists.txt), and what an out-of-tree pass plugin builds against:
#   include/kiln/                 the plugin API (PassPlugin.h, ExtensionPoint.h), runtime.h, model_abi.h
#   include/kiln-compiler/        Kiln's dialect and pass headers, generated .inc included
#   lib/cmake/Kiln/               KilnConfig.cmake: find_package(Kiln), Kiln::Kiln,
#                                 Kiln::kiln-opt, kiln_add_pass_plugin, kiln_add_plugin_lit_test

set(KILN_INSTALL_RPATH "\$ORIGIN/../lib;${LLVM_LIBRARY_DIR}")
set_target_properties(kilnc kiln-opt kiln-run PROPERTIES INSTALL_RPATH "${KILN_INSTALL_RPATH}")
install(TARGETS kilnc kiln-opt kiln-run RUNTIME DESTINATION bin)
install(TARGETS Kiln kiln_runtime LIBRARY DESTINATION lib)

install(DIRECTORY ir/include/kiln passes/include/kiln plugins/api/include/kiln
  backends/runtime/include/kiln
  DESTINATION include FILES_MATCHING PATTERN "*.h")
foreach(root ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  install(DIRECTORY ${root}/ir ${root}/passes
    DESTINATION include/kiln-compiler
    FILES_MATCHING PATTERN "*.h" PATTERN "*.inc" PATTERN "*.td"
    PATTERN "CMakeFiles" EXCLUDE)
endforeach()

include(CMakePackageConfigHelpers)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/KilnConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/KilnConfig.cmake
  INSTALL_DESTINATION lib/cmake/Kiln)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/KilnConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/cmake/KilnConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/KilnConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/KilnAddPassPlugin.cmake
  DESTINATION lib/cmake/Kiln)
