# Strict warnings for our own targets only (third-party headers are included as SYSTEM).
option(CUTOVER_WERROR "Treat warnings as errors" ON)
function(cutover_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wimplicit-fallthrough
                                           # designated initializers rely on member defaults
                                           -Wno-missing-field-initializers)
  if(CUTOVER_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
