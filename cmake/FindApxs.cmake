# Finds apxs (from apache2-dev) and asks it where httpd and APR keep their headers and
# modules, so the module is built with the same ABI flags as the httpd that loads it.
#   APXS_EXECUTABLE APXS_INCLUDEDIR APXS_APR_INCLUDEDIR APXS_APU_INCLUDEDIR APXS_LIBEXECDIR
#   APXS_EXTRA_CPPFLAGS (list)
find_program(APXS_EXECUTABLE NAMES apxs apxs2 PATHS /usr/bin /usr/sbin)

function(_cxxb_apxs_query var key)
  execute_process(COMMAND ${APXS_EXECUTABLE} -q ${key} OUTPUT_VARIABLE out
                  OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "apxs -q ${key} failed")
  endif()
  set(${var} "${out}" PARENT_SCOPE)
endfunction()

if(APXS_EXECUTABLE)
  _cxxb_apxs_query(APXS_INCLUDEDIR INCLUDEDIR)
  _cxxb_apxs_query(APXS_APR_INCLUDEDIR APR_INCLUDEDIR)
  _cxxb_apxs_query(APXS_APU_INCLUDEDIR APU_INCLUDEDIR)
  _cxxb_apxs_query(APXS_LIBEXECDIR LIBEXECDIR)
  _cxxb_apxs_query(APXS_SBINDIR SBINDIR)
  _cxxb_apxs_query(_extra EXTRA_CPPFLAGS)
  separate_arguments(APXS_EXTRA_CPPFLAGS UNIX_COMMAND "${_extra}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Apxs REQUIRED_VARS APXS_EXECUTABLE APXS_INCLUDEDIR
                                  APXS_APR_INCLUDEDIR APXS_LIBEXECDIR)
