# Warning flags for every target of the project. The pure layers get the strict set;
# the httpd adapter drops what httpd's own macros trip (see cxxb_adapter_warnings).
set(CXXB_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
if(CXXB_WERROR)
  list(APPEND CXXB_WARNINGS -Werror)
endif()

function(cxxb_strict_warnings target)
  target_compile_options(${target} PRIVATE ${CXXB_WARNINGS})
endfunction()
