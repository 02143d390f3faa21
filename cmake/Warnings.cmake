# Warning flags for every target of the project. The pure layers get the strict set;
# the httpd adapter drops what httpd's own macros trip (see cxxb_adapter_warnings).
set(CXXB_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # g++ 12 reports -Wrestrict in libstdc++'s own string operator+ when optimising
  # (GCC bug 105651): a false positive that would fail Release builds under -Werror.
  list(APPEND CXXB_WARNINGS -Wno-restrict)
endif()
if(CXXB_WERROR)
  list(APPEND CXXB_WARNINGS -Werror)
endif()

function(cxxb_strict_warnings target)
  target_compile_options(${target} PRIVATE ${CXXB_WARNINGS})
endfunction()
