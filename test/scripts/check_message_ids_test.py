#!/usr/bin/python3
"""scripts/check-message-ids.py accepts the real tree and refuses each kind of drift.

Each case copies the sources, README and docs to a temporary tree, breaks one thing, and
expects the checker to fail naming it. Run by ctest (message_ids_checker_refuses_bad_trees).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHECKER = os.path.join(ROOT, "scripts", "check-message-ids.py")
REGISTRY_H = os.path.join("mod_cxxbalancer", "src", "core", "message_ids.h")
REGISTRY_CPP = os.path.join("mod_cxxbalancer", "src", "core", "message_ids.cpp")
GUARD_H = os.path.join("mod_cxxbalancer", "src", "httpd", "guard.h")
SHARED_SEGMENT_CPP = os.path.join("mod_cxxbalancer", "src", "httpd", "shared_segment.cpp")
DOCS = os.path.join("docs", "messages.md")


class CheckMessageIdsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cxxb-msgids-")
        shutil.copytree(os.path.join(ROOT, "mod_cxxbalancer", "src"),
                        os.path.join(self.tmp, "mod_cxxbalancer", "src"))
        os.makedirs(os.path.join(self.tmp, "docs"))
        shutil.copy(os.path.join(ROOT, DOCS), os.path.join(self.tmp, DOCS))
        shutil.copy(os.path.join(ROOT, "README.md"), os.path.join(self.tmp, "README.md"))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_checker(self, *extra):
        return subprocess.run([sys.executable, CHECKER, "--root", self.tmp, *extra],
                              capture_output=True, text=True)

    def edit(self, rel, old, new):
        path = os.path.join(self.tmp, rel)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.assertIn(old, text, f"the test's anchor is gone from {rel}")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))

    def append(self, rel, text):
        with open(os.path.join(self.tmp, rel), "a", encoding="utf-8") as f:
            f.write(text)

    def assert_refused(self, *expected):
        result = self.run_checker()
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        for text in expected:
            self.assertIn(text, result.stdout)

    def test_the_copied_tree_passes(self):
        result = self.run_checker()
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_an_unregistered_literal_in_code(self):
        self.append(os.path.join("mod_cxxbalancer", "src", "core", "extra.cpp"),
                    'void f(Logger& l) { l.log(LogLevel::Error, "CXB09999", "x"); }\n')
        self.assert_refused("core/extra.cpp:1: logs CXB09999, which is not in the registry")

    def test_an_unknown_constant_in_code(self):
        self.append(os.path.join("mod_cxxbalancer", "src", "core", "extra.cpp"),
                    'void f(Logger& l) { l.log(LogLevel::Error, msg::kNoSuchMessage, "x"); }\n')
        self.assert_refused("msg::kNoSuchMessage is not in the registry")

    def test_an_unregistered_id_in_a_comment(self):
        self.append(os.path.join("mod_cxxbalancer", "src", "core", "extra.h"),
                    "// logs CXB09998 when it fails\n")
        self.assert_refused("names in a comment CXB09998")

    def test_a_malformed_literal(self):
        self.append(os.path.join("mod_cxxbalancer", "src", "core", "extra.cpp"),
                    'const char* id = "CXB0201";\n')
        self.assert_refused("CXB0201 is not CXB followed by 5 digits")

    def test_an_id_registered_twice(self):
        self.edit(REGISTRY_H, 'kMemberTimeout[] = "CXB02005"', 'kMemberTimeout[] = "CXB02004"')
        self.assert_refused("CXB02004 is registered twice")

    def test_a_registered_id_that_nothing_logs(self):
        # guard.h logs CXB00101 by its constant: without that call, nothing logs it.
        self.edit(GUARD_H, "msg::kRequestHookFailed", '"other"')
        self.assert_refused("registry: CXB00101 (kRequestHookFailed) is logged nowhere")

    def test_a_literal_counts_as_a_use(self):
        self.edit(GUARD_H, '"%s: %s failed: %s", msg::kRequestHookFailed, where',
                  '"CXB00101: %s failed: %s", where')
        result = self.run_checker()
        self.assertEqual(result.returncode, 0, result.stdout)

    def test_a_call_site_at_another_level(self):
        self.edit(GUARD_H, "APLOG_ERR, 0, r, \"%s: %s failed: %s\"",
                  "APLOG_WARNING, 0, r, \"%s: %s failed: %s\"")
        self.assert_refused("CXB00101 is logged at warn; the registry says error")

    def test_a_call_site_at_another_level_past_a_semicolon_in_its_format(self):
        # The format of CXB00702 holds "; " before the constant: the level is still found.
        self.edit(SHARED_SEGMENT_CPP, "APLOG_WARNING", "APLOG_ERR")
        self.assert_refused("CXB00702 is logged at error; the registry says warn")

    def test_a_row_without_its_constant(self):
        self.edit(REGISTRY_H, 'inline constexpr char kRouteMismatch[] = "CXB02301";\n', "")
        self.assert_refused("the table names kRouteMismatch, which is not declared")

    def test_docs_missing_an_id(self):
        with open(os.path.join(self.tmp, DOCS), encoding="utf-8") as f:
            lines = [line for line in f if "`CXB02009`" not in line]
        with open(os.path.join(self.tmp, DOCS), "w", encoding="utf-8") as f:
            f.writelines(lines)
        self.assert_refused("docs/messages.md differs from the registry (missing CXB02009)")

    def test_docs_with_an_id_the_registry_lacks(self):
        self.append(DOCS, "\nSee also CXB02999.\n")
        self.assert_refused("docs/messages.md: names CXB02999, which is not in the registry")

    def test_docs_whose_text_is_stale(self):
        self.edit(REGISTRY_CPP, "Check the server behind the `sorry=` URL.",
                  "Check the sorry page's server.")
        self.assert_refused("docs/messages.md differs from the registry (the text differs)")
        self.assertEqual(self.run_checker("--write-docs").returncode, 0)
        result = self.run_checker()
        self.assertEqual(result.returncode, 0, result.stdout)

    def test_readme_naming_an_unregistered_id(self):
        self.append("README.md", "\n`CXB02998`\n")
        self.assert_refused("README.md: names CXB02998, which is not in the registry")


if __name__ == "__main__":
    unittest.main(verbosity=1)
