# The walk-through of docs/writing-a-pass-plugin.md, as a test (cmake -P):
#   1. install the build into a fresh prefix;
#   2. the installed kilnc finds its shipped plugins (-O2 loads them);
#   3. configure and build plugins/example out of tree with find_package(Kiln);
#   4. run the example's lit test with the installed kiln-opt (ctest in its build).
# Variables: KILN_BUILD_DIR, KILN_SOURCE_DIR, WORK_DIR, GENERATOR, C_COMPILER, CXX_COMPILER,
# LAUNCHER (ccache or empty).

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGV}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --install ${KILN_BUILD_DIR} --prefix ${prefix})

run(${prefix}/bin/kilnc -O2 --emit=mlir -o ${WORK_DIR}/basic.mlir
  ${KILN_SOURCE_DIR}/tests/lit/frontend/basic.onnxtxt)

set(launcher)
if(LAUNCHER)
  set(launcher -DCMAKE_C_COMPILER_LAUNCHER=${LAUNCHER} -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
run(${CMAKE_COMMAND} -S ${KILN_SOURCE_DIR}/plugins/example -B ${WORK_DIR}/example
  -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} ${launcher}
  -DKiln_DIR=${prefix}/lib/cmake/Kiln)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/example)
run(${CMAKE_CTEST_COMMAND} --test-dir ${WORK_DIR}/example --output-on-failure)
message(STATUS "out-of-tree example plugin: built and tested against ${prefix}")
