# Fails if any file under models/ includes SimGrid or xbt. Used at configure time by
# models/CMakeLists.txt and as a CTest test (cmake -DMODELS_DIR=... -P this file).
function(cutover_check_models_boundary files)
  foreach(file IN LISTS files)
    file(STRINGS "${file}" offending REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"](simgrid|xbt)[/.>\"]")
    if(offending)
      message(FATAL_ERROR "models/ must not include SimGrid: ${file}: ${offending}")
    endif()
  endforeach()
endfunction()

if(CMAKE_SCRIPT_MODE_FILE AND DEFINED MODELS_DIR)
  file(GLOB_RECURSE scanned ${MODELS_DIR}/*.h ${MODELS_DIR}/*.cc ${MODELS_DIR}/*.hpp ${MODELS_DIR}/*.cpp)
  cutover_check_models_boundary("${scanned}")
  list(LENGTH scanned count)
  message(STATUS "models boundary holds: ${count} files scanned")
endif()
