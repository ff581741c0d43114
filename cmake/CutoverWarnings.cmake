# Strict warnings for our own targets only (third-party headers are included as SYSTEM).
option(CUTOVER_WERROR "Treat warnings as errors" ON)
function(cutover_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wimplicit-fallthrough
                                           # designated initializers rely on member defaults
                                           -Wno-missing-field-initializers)
  # g++ 12 at -O3 reports -Wrestrict on std::string code inlined from libstdc++ and valijson
  # (GCC bug 105329, a false positive), so optimised builds could not use -Werror.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(CUTOVER_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
