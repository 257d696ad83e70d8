# runtime/README.md's build lines, as a test (cmake -P):
#   1. install the runtime component of the build into a fresh prefix, and check that
#      nothing there needs LLVM or MLIR;
#   2. build examples/hello_world.c with pkg-config (kiln-runtime.pc);
#   3. build it with CMake: find_package(Kiln COMPONENTS runtime) + Kiln::runtime, with
#      find_package(MLIR) and find_package(LLVM) disabled;
#   4. run both on MODEL and check their output.
# Variables: KILN_BUILD_DIR, KILN_SOURCE_DIR, WORK_DIR, GENERATOR, C_COMPILER, LAUNCHER
# (ccache or empty), MODEL (a model library: the hand-written add model).

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGV}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --install ${KILN_BUILD_DIR} --prefix ${prefix} --component runtime)

# 1. What the runtime component installs, and only that.
foreach(file lib/libkiln_runtime.so include/kiln/runtime.h include/kiln/model_abi.h
    lib/pkgconfig/kiln-runtime.pc lib/cmake/Kiln/KilnConfig.cmake
    lib/cmake/Kiln/KilnConfigVersion.cmake lib/cmake/Kiln/KilnRuntimeTargets.cmake)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "the runtime component did not install ${file}")
  endif()
endforeach()
foreach(file bin/kilnc lib/libKiln.so include/kiln-compiler)
  if(EXISTS ${prefix}/${file})
    message(FATAL_ERROR "the runtime component installed ${file}, which belongs to the compiler")
  endif()
endforeach()
# Every library libkiln_runtime.so loads, transitively: none of LLVM's or MLIR's.
run(ldd ${prefix}/lib/libkiln_runtime.so)
if(run_output MATCHES "(libLLVM|libMLIR)[^ ]*")
  message(FATAL_ERROR "libkiln_runtime.so depends on ${CMAKE_MATCH_0}:\n${run_output}")
endif()

set(hello ${KILN_SOURCE_DIR}/runtime/examples/hello_world.c)
set(expected "y\\[1\\] = \\[ 4 5 6 7 \\]")
# Runs a built hello_world on MODEL: it must load libkiln_runtime.so from the prefix.
function(check_hello exe)
  run(ldd ${exe})
  if(NOT run_output MATCHES "libkiln_runtime\\.so\\.[0-9]+ => ${prefix}/lib/")
    message(FATAL_ERROR "${exe} does not load libkiln_runtime.so from ${prefix}:\n${run_output}")
  endif()
  run(${exe} ${MODEL})
  if(NOT run_output MATCHES "${expected}")
    message(FATAL_ERROR "${exe} ${MODEL} printed:\n${run_output}")
  endif()
  message(STATUS "${exe}: OK")
endfunction()

# 2. pkg-config; strict C11 so the headers stay plain C.
find_program(PKG_CONFIG NAMES pkg-config pkgconf)
if(NOT PKG_CONFIG)
  message(FATAL_ERROR "pkg-config not found (Debian: pkgconf, scripts/apt-packages.txt)")
endif()
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
run(${PKG_CONFIG} --cflags --libs kiln-runtime)
separate_arguments(flags UNIX_COMMAND "${run_output}")
run(${PKG_CONFIG} --variable=libdir kiln-runtime)
string(STRIP "${run_output}" libdir)
run(${C_COMPILER} -std=c11 -Wall -Wextra -Wpedantic -Werror ${hello} ${flags}
  -Wl,-rpath,${libdir} -o ${WORK_DIR}/hello_world_pkgconfig)
check_hello(${WORK_DIR}/hello_world_pkgconfig)

# 3. CMake, where looking for MLIR or LLVM would fail.
set(launcher)
if(LAUNCHER)
  set(launcher -DCMAKE_C_COMPILER_LAUNCHER=${LAUNCHER})
endif()
run(${CMAKE_COMMAND} -S ${KILN_SOURCE_DIR}/runtime/tests/install -B ${WORK_DIR}/consumer
  -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=${C_COMPILER} ${launcher}
  -DKiln_DIR=${prefix}/lib/cmake/Kiln -DHELLO_WORLD_C=${hello}
  -DCMAKE_DISABLE_FIND_PACKAGE_MLIR=ON -DCMAKE_DISABLE_FIND_PACKAGE_LLVM=ON)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
check_hello(${WORK_DIR}/consumer/hello_world)

message(STATUS "runtime install: built hello_world.c with pkg-config and with "
  "find_package(Kiln COMPONENTS runtime) against ${prefix}")
