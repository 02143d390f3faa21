#include "core/address_key.h"

#include <catch2/catch.hpp>

using cxxb::splitAddressKey;

TEST_CASE("an address key splits into host, port and path", "[address_key]") {
  auto plain = splitAddressKey("10.0.0.5:8080");
  REQUIRE(plain);
  CHECK(plain->host == "10.0.0.5");
  CHECK(plain->port == 8080);
  CHECK(plain->path.empty());

  auto withPath = splitAddressKey("img.example:80:/health:deep");
  REQUIRE(withPath);
  CHECK(withPath->host == "img.example");
  CHECK(withPath->path == "/health:deep");  // the path runs to the end, colons and all

  auto v6 = splitAddressKey("[::1]:8081:/h");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 8081);
  CHECK(v6->path == "/h");
}

TEST_CASE("an address key without a host or a valid port is not one", "[address_key]") {
  for (const char* key : {"", "images", "images/route", ":80", "host:", "host:0", "host:65536",
                          "host:8o", "host:+80", "[::1", "[::1]", "[::1]80", "[]:80", "::1:80"}) {
    INFO(key);
    CHECK_FALSE(splitAddressKey(key));
  }
}
