# kiln_add_pass_plugin(<name> SOURCES <src>... [LINK_LIBS <lib>...] [DEPENDS <target>...])
#
# Builds the Kiln pass plugin <name>.so (a MODULE library, no "lib" prefix) from sources
# that use KILN_PASS_PLUGIN (kiln/PassPlugin.h). The plugin links libKiln.so and libMLIR.so,
# the libraries kilnc and kiln-opt use, and never a static copy of either. Works in Kiln's
# tree and, after find_package(Kiln), out of tree. The source and binary directories are on
# the include path (for TableGen's Passes.h.inc). In Kiln's tree the plugin lands in
# ${KILN_PLUGIN_OUTPUT_DIR} when that is set.
function(kiln_add_pass_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK_LIBS;DEPENDS" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "kiln_add_pass_plugin(${name}): no SOURCES")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE Kiln::Kiln MLIR LLVM ${ARG_LINK_LIBS})
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR})
  target_compile_features(${name} PRIVATE cxx_std_17)
  separate_arguments(_kiln_llvm_defs NATIVE_COMMAND "${LLVM_DEFINITIONS}")
  target_compile_options(${name} PRIVATE ${_kiln_llvm_defs})
  # Every symbol must resolve at link time (against libKiln.so, libMLIR.so, ...), so a
  # missing one is a build error, not a dlopen failure. Not in Kiln's sanitizer build,
  # where the sanitizer runtime's symbols come from the executable that loads the plugin.
  if(NOT KILN_SANITIZE)
    target_link_options(${name} PRIVATE LINKER:-z,defs)
  endif()
  set_target_properties(${name} PROPERTIES PREFIX "" INSTALL_RPATH "\$ORIGIN/../..;${LLVM_LIBRARY_DIR}")
  if(KILN_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${KILN_PLUGIN_OUTPUT_DIR})
  endif()
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
endfunction()

# kiln_add_plugin_lit_test(<test> <plugin> <dir>)
#
# Adds the ctest test <test>: lit runs the tests in <dir> (which holds a lit.cfg.py like
# plugins/example/test/lit.cfg.py) with kiln-opt and LLVM's FileCheck/not on PATH and
# %plugin standing for the file of the plugin target <plugin>.
function(kiln_add_plugin_lit_test name plugin dir)
  find_program(KILN_LIT_EXECUTABLE NAMES lit llvm-lit
    PATHS ${LLVM_TOOLS_BINARY_DIR} /usr/lib/llvm-${LLVM_VERSION_MAJOR}/build/utils/lit)
  if(NOT KILN_LIT_EXECUTABLE)
    message(WARNING "lit not found (pip install lit): no test ${name}")
    return()
  endif()
  add_test(NAME ${name}
    COMMAND ${KILN_LIT_EXECUTABLE} -sv
      --param kiln_tools_dir=$<TARGET_FILE_DIR:Kiln::kiln-opt>
      --param llvm_tools_dir=${LLVM_TOOLS_BINARY_DIR}
      --param plugin=$<TARGET_FILE:${plugin}>
      --param exec_root=${CMAKE_CURRENT_BINARY_DIR}/lit
      ${dir})
endfunction()
