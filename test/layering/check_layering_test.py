#!/usr/bin/python3
"""The layering checker refuses each kind of forbidden include, naming the file and the rule,
and accepts a tree that follows the table.

usage: check_layering_test.py CHECKER
"""
import pathlib
import subprocess
import sys
import tempfile
import unittest

CHECKER = None


def run_checker(files):
    """Writes `files` ({path: text}) into a fresh src/ tree and runs the checker on it."""
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp, "src")
        for folder in ("core", "net", "httpd"):
            (src / folder).mkdir(parents=True)
        for name, text in files.items():
            path = src / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        done = subprocess.run([sys.executable, CHECKER, str(src)], capture_output=True,
                              text=True, check=False)
        return done.returncode, done.stdout.replace(str(src) + "/", "")


class CheckLayering(unittest.TestCase):
    def assert_refused(self, files, *expected):
        rc, out = run_checker(files)
        self.assertEqual(rc, 1, out)
        for text in expected:
            self.assertIn(text, out)

    def test_a_tree_that_follows_the_table_passes(self):
        rc, out = run_checker({
            "core/clock.h": "#pragma once\n#include <chrono>\n",
            "balancer/pick.h": '#include "core/clock.h"\n#include "config/x.h"\n#include <vector>\n',
            "net/socket.cpp": '#include <sys/socket.h>\n#include <openssl/ssl.h>\n'
                              '#include "balancer/pick.h"\n#include <unistd.h>\n',
            "proxy/forwarder.cpp": '#include "net/socket.h"\n#include "manager/x.h"\n',
            "httpd/glue.cpp": '#include <httpd.h>\n#include <apr_pools.h>\n#include "proxy/f.h"\n',
            "http/parser.cpp": '#include "parser.h"\n',  # same folder, no prefix
        })
        self.assertEqual(rc, 0, out)
        self.assertIn("layering OK", out)

    def test_a_pure_file_including_net_and_openssl_is_refused(self):
        self.assert_refused(
            {"balancer/bad.h": '#pragma once\n#include "net/forwarder.h"\n#include <openssl/ssl.h>\n'},
            'balancer/bad.h:2: #include "net/forwarder.h": balancer/ may include only balancer/, '
            "core/, config/",
            "balancer/bad.h:3: #include <openssl/ssl.h>: OpenSSL outside net/ and httpd/; "
            "balancer/ may include the C++ standard library")

    def test_sockets_outside_net_and_httpd_and_httpd_outside_httpd_are_refused(self):
        cases = [("proxy/attempt.cpp", h, "socket headers outside net/ and httpd/")
                 for h in ("sys/socket.h", "netdb.h", "poll.h", "netinet/in.h", "arpa/inet.h",
                           "sys/un.h")]
        cases += [("net/pool.cpp", h, "httpd and APR headers outside httpd/")
                  for h in ("httpd.h", "apr_pools.h", "mod_proxy.h", "http_log.h",
                            "util_filter.h")]
        for path, header, rule in cases:
            with self.subTest(path=path, header=header):
                self.assert_refused({path: f"#include <{header}>\n"},
                                    f"{path}:1: #include <{header}>: {rule}")

    def test_c_headers_in_a_pure_folder_are_refused(self):
        # <time.h> would let pure code read the wall clock behind the injected one.
        self.assert_refused({"core/now.cpp": "#  include <time.h>\n"},
                            "core/now.cpp:1: #include <time.h>: C and POSIX headers outside net/ "
                            "and httpd/")

    def test_upward_includes_are_refused(self):
        self.assert_refused({"net/x.cpp": '#include "proxy/forwarder.h"\n'},
                            'net/x.cpp:1: #include "proxy/forwarder.h": net/ may include only')
        self.assert_refused({"proxy/x.cpp": '#include "httpd/guard.h"\n'},
                            'proxy/x.cpp:1: #include "httpd/guard.h": proxy/ may include only')
        self.assert_refused({"shm/x.cpp": '#include "balancer/p2c.h"\n'},
                            'shm/x.cpp:1: #include "balancer/p2c.h": shm/ may include only shm/, '
                            "core/, config/")

    def test_a_folder_without_a_row_is_refused(self):
        self.assert_refused({"extra/x.cpp": "#include <string>\n"},
                            "no row for folder extra/ in the layer table")
        self.assert_refused({"core/x.cpp": '#include "extra/y.h"\n'},
                            "(no folder extra/ in the layer table)")


if __name__ == "__main__":
    CHECKER = sys.argv.pop(1)
    unittest.main(verbosity=1)
