#include <catch2/catch.hpp>

#include "http/path_rules.h"

using cxxb::http::hasDotSegmentWithParameters;

TEST_CASE("dot segments with parameters are found in every spelling", "[http][path]") {
  for (const char* path : {"/app/x/..;/admin", "/app/x/.;/admin", "/app/x/..;jsessionid=x/admin",
                           "/..;/", "/app/%2e%2e;/admin", "/app/.%2E;/admin", "/app/..%3b/admin",
                           "/app/%2e%2e%3B/admin", "/app/x/..;", ".;", "/a/.;x=1"}) {
    INFO(path);
    CHECK(hasDotSegmentWithParameters(path));
  }
}

TEST_CASE("ordinary paths and path parameters are left alone", "[http][path]") {
  for (const char* path :
       {"/", "", "/app/cart;jsessionid=ABC.jvm1", "/app/x/../admin", "/app/./x", "/app/...;/x",
        "/app/.x;y/z", "/app/a..;/b", "/app/%2e%2e/admin", "/app/;jsessionid=1", "/app/%2f..;",
        "/app/file.jsp;jsessionid=ABC", "/app/%2"}) {
    INFO(path);
    CHECK_FALSE(hasDotSegmentWithParameters(path));
  }
}
