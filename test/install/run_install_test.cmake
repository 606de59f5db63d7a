# Installs the build tree into a scratch prefix, then builds and runs the
# consumer against it twice: with find_package, and with pkg-config.
# Arguments: BUILD_DIR, SOURCE_DIR (this folder), WORK_DIR, CXX, GENERATOR.
foreach(var BUILD_DIR SOURCE_DIR WORK_DIR CXX GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_install_test.cmake needs -D${var}=...")
  endif()
endforeach()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${what}: ok")
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

run("install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")

# find_package(mesoshttp) + mesoshttp::mesoshttp
run("configure consumer" "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/consumer"
    -G "${GENERATOR}" "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_COMPILER=${CXX}")
run("build consumer" "${CMAKE_COMMAND}" --build "${WORK_DIR}/consumer" --parallel 2)
run("run consumer" "${WORK_DIR}/consumer/consumer")
if(NOT last_output MATCHES "consumer: ok")
  message(FATAL_ERROR "consumer printed no success line: ${last_output}")
endif()

# pkg-config --cflags --libs mesoshttp
file(GLOB_RECURSE pc_files "${prefix}/*/mesoshttp.pc")
list(LENGTH pc_files pc_count)
if(NOT pc_count EQUAL 1)
  message(FATAL_ERROR "expected one installed mesoshttp.pc, found: ${pc_files}")
endif()
get_filename_component(pc_dir "${pc_files}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
find_program(PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)
run("pkg-config" "${PKG_CONFIG}" --cflags --libs mesoshttp)
string(STRIP "${last_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
if(NOT flags MATCHES "${prefix}")
  message(FATAL_ERROR "pkg-config flags do not point into the install prefix ${prefix}: ${flags}")
endif()
run("pkg-config build" "${CXX}" -o "${WORK_DIR}/consumer-pkgconfig" "${SOURCE_DIR}/main.cpp" ${flags})
run("run pkg-config consumer" "${WORK_DIR}/consumer-pkgconfig")
if(NOT last_output MATCHES "consumer: ok")
  message(FATAL_ERROR "pkg-config consumer printed no success line: ${last_output}")
endif()
