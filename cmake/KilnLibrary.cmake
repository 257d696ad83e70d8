# libKiln.so: Kiln's compiler libraries (dialects, passes, CPU backend, frontend) and the
# pass-plugin loader, as one shared library. kilnc, kiln-opt and every pass plugin link it,
# so a plugin's references to kiln::onnxir op classes, their TypeIDs and Kiln's passes
# resolve to the one copy the host uses (a static copy per binary would give each its own
# TypeIDs and registries). MLIR and LLVM are shared the same way (libMLIR.so, libLLVM.so).
# A new Kiln compiler library joins this list (not the tools' link lines), or a plugin and
# the host would each get a copy of it.
add_library(Kiln SHARED
  plugins/api/PluginLoader.cpp
  $<TARGET_OBJECTS:obj.KilnOnnxDialect>
  $<TARGET_OBJECTS:obj.KilnKilnDialect>
  $<TARGET_OBJECTS:obj.KilnPasses>
  $<TARGET_OBJECTS:obj.KilnCodegen>
  $<TARGET_OBJECTS:obj.KilnPipelines>
  $<TARGET_OBJECTS:obj.KilnTarget>
  $<TARGET_OBJECTS:obj.KilnCpuBackend>
  $<TARGET_OBJECTS:obj.KilnAllTargets>
  $<TARGET_OBJECTS:obj.KilnFrontend>
)
add_dependencies(Kiln KilnOnnxOpsIncGen KilnOnnxInterfacesIncGen KilnKilnOpsIncGen
  KilnPassesIncGen KilnCodegenPassesIncGen KilnCpuPassesIncGen)
target_include_directories(Kiln PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/ir/include>
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/passes/include>
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/plugins/api/include>
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
  $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}>)
target_link_libraries(Kiln
  PUBLIC MLIR LLVM
  PRIVATE onnx onnx_proto protobuf::libprotobuf ${CMAKE_DL_LIBS})
set_target_properties(Kiln PROPERTIES INSTALL_RPATH "${LLVM_LIBRARY_DIR}")
add_library(Kiln::Kiln ALIAS Kiln)
