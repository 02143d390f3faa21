# CXXB_SANITIZE builds every target with ASan+UBSan. Loading such a module into httpd needs
# the ASan runtime preloaded, so scripts/test.sh runs only the unit and replay tests that way.
if(CXXB_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
