# `cmake --install`: the tools, libKiln.so and the shipped plugins (plugins/CMakeLists.txt),
# what an out-of-tree pass plugin builds against, and the runtime (runtime/CMakeLists.txt):
#   include/kiln/                 the plugin API (PassPlugin.h, ExtensionPoint.h), runtime.h, model_abi.h
#   include/kiln-compiler/        Kiln's dialect and pass headers, generated .inc included
#   lib/cmake/Kiln/               KilnConfig.cmake: find_package(Kiln), components `compiler`
#                                 (Kiln::Kiln, Kiln::kilnc, Kiln::kiln-opt, kiln_add_pass_plugin,
#                                 kiln_add_plugin_lit_test; needs MLIR) and `runtime`
#                                 (Kiln::runtime, KilnRuntimeTargets.cmake; needs neither LLVM
#                                 nor MLIR); none named = both
#   lib/pkgconfig/kiln-runtime.pc the runtime for pkg-config
# `cmake --install <build> --component runtime` installs only the runtime's part.

set(KILN_INSTALL_RPATH "\$ORIGIN/../lib;${LLVM_LIBRARY_DIR}")
set_target_properties(kilnc kiln-opt kiln-run kiln-bench PROPERTIES INSTALL_RPATH "${KILN_INSTALL_RPATH}")
install(TARGETS kilnc kiln-opt kiln-run kiln-bench RUNTIME DESTINATION bin)
install(TARGETS Kiln LIBRARY DESTINATION lib)

# runtime.h and model_abi.h install with the runtime (runtime/CMakeLists.txt).
install(DIRECTORY ir/include/kiln passes/include/kiln plugins/api/include/kiln
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
# The package files serve both components.
install(FILES
  ${PROJECT_BINARY_DIR}/cmake/KilnConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/KilnConfigVersion.cmake
  DESTINATION lib/cmake/Kiln COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/cmake/KilnAddPassPlugin.cmake DESTINATION lib/cmake/Kiln)
