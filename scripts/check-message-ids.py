#!/usr/bin/python3
"""Checks the log message ids against their registry (mod_cxxbalancer/src/core/message_ids.*).

Fails when:
  - an id is registered twice, malformed, out of order, or outside every area;
  - a registered id is logged nowhere in mod_cxxbalancer/src;
  - the sources log an id (a "CXBnnnnn" literal or a msg::kName constant) that is not
    registered, or name one in a comment;
  - a call site logs an id at another level than the registry says (where the statement
    names a LogLevel:: or APLOG_ level; an id handed on as a value is not checked);
  - docs/messages.md does not show exactly the registry's table;
  - README.md names an id that is not registered.

  check-message-ids.py [--root DIR]               check (DIR: the source tree, default: ..)
  check-message-ids.py [--root DIR] --write-docs  re-render the table in docs/messages.md
  check-message-ids.py [--root DIR] --literals    list call sites that still use literals
"""
import argparse
import os
import re
import sys

ID = re.compile(r"CXB\d{5}")
ID_LIKE = re.compile(r"CXB\d+")
CONSTANT_USE = re.compile(r"\bmsg::(k\w+)")
CONSTANT_DEF = re.compile(r'inline\s+constexpr\s+char\s+(k\w+)\[\]\s*=\s*"([^"]*)"\s*;')
LEVEL_TOKEN = re.compile(
    r"\b(?:LogLevel::(\w+)|APLOG_(DEBUG|INFO|NOTICE|WARNING|ERR|CRIT|ALERT|EMERG)\b)")
LEVELS = {
    "Debug": "debug", "Info": "info", "Notice": "notice", "Warn": "warn", "Error": "error",
    "Crit": "crit", "Emerg": "emerg",
    "DEBUG": "debug", "INFO": "info", "NOTICE": "notice", "WARNING": "warn", "ERR": "error",
    "CRIT": "crit", "ALERT": "alert", "EMERG": "emerg",
}
# Where ids may be logged (relative to the root); add a directory here when it logs ids.
SOURCE_DIRS = ("mod_cxxbalancer/src",)
REGISTRY_FILES = ("mod_cxxbalancer/src/core/message_ids.h",
                  "mod_cxxbalancer/src/core/message_ids.cpp")
DOC_BEGIN = ("<!-- The tables below are rendered from mod_cxxbalancer/src/core/message_ids.cpp by "
             "scripts/check-message-ids.py --write-docs; edit the registry, not them. -->")
DOC_END = "<!-- End of the rendered tables. -->"


# Comments, string literals and character literals (not a digit separator as in 1'000).
TOKEN = re.compile(r"//[^\n]*|/\*.*?(?:\*/|\Z)"
                   r"""|"(?:[^"\\\n]|\\.)*"?|(?<!\w)'(?:[^'\\\n]|\\.)*'?""", re.S)


def split_code(text):
    """Returns (code, comments): the text with comments blanked out (newlines kept, string
    and character literals intact), and the comments' text."""
    comments = []

    def blank(m):
        token = m.group(0)
        if token.startswith(("//", "/*")):
            comments.append(token)
            return re.sub(r"[^\n]", " ", token)
        return token

    return TOKEN.sub(blank, text), "\n".join(comments)


def unescape(literal):
    return re.sub(r"\\(.)", r"\1", literal)


def string_literals(code):
    return [unescape(m) for m in re.findall(r'"((?:[^"\\\n]|\\.)*)"', code)]


def text_fields(code):
    """'"a" "b", "c"' -> ['ab', 'c']: adjacent literals joined, fields split at commas.
    Anything else (a macro, a number) makes the row unreadable: returns []."""
    fields, current = [], None
    for token in re.findall(r'"(?:[^"\\\n]|\\.)*"|,|\S+', code):
        if token == ",":
            fields.append(current)
            current = None
        elif token.startswith('"'):
            current = (current or "") + unescape(token[1:-1])
        else:
            return []
    if current is not None:
        fields.append(current)
    return [] if None in fields else fields


def braced_items(block):
    """Splits '{a, b}, {c, d}' into the texts of its top-level braces."""
    items, depth, start = [], 0, 0
    for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"|[{}]', block):  # braces in strings are text
        if m.group(0) == "{":
            depth += 1
            if depth == 1:
                start = m.end()
        elif m.group(0) == "}":
            depth -= 1
            if depth == 0:
                items.append(block[start:m.start()])
    return items


def array_body(code, name):
    m = re.search(r"\b" + name + r"\[\]\s*=\s*\{", code)
    if m is None:
        return None
    depth = 1
    for token in re.finditer(r'"(?:[^"\\\n]|\\.)*"|[{}]', code[m.end():]):
        depth += {"{": 1, "}": -1}.get(token.group(0), 0)
        if depth == 0:
            return code[m.end():m.end() + token.start()]
    return None


class Registry:
    def __init__(self, root, problems):
        header, _ = split_code(read(os.path.join(root, REGISTRY_FILES[0])))
        table, _ = split_code(read(os.path.join(root, REGISTRY_FILES[1])))
        self.constants = {}  # kName -> id
        for name, value in CONSTANT_DEF.findall(header):
            if name in self.constants:
                problems.append(f"registry: constant {name} is declared twice")
            self.constants[name] = value
        self.areas = []  # (prefix, title)
        for item in braced_items(array_body(table, "kAreas") or ""):
            strings = string_literals(item)
            self.areas.append((strings[0], strings[1]) if len(strings) == 2 else ("?", item))
        self.rows = []  # dicts: constant, id, level, meaning, action
        body = array_body(table, "kMessages")
        if body is None:
            problems.append("registry: no kMessages table in " + REGISTRY_FILES[1])
            body = ""
        for item in braced_items(body):
            m = re.match(r"\s*(k\w+)\s*,\s*MessageLevel::(\w+)\s*,(.*)$", item, re.S)
            texts = text_fields(m.group(3)) if m else []
            if len(texts) != 2:
                problems.append("registry: a row is not {kName, MessageLevel::X, \"meaning\", "
                                "\"action\"}: " + " ".join(item.split())[:80])
                continue
            self.rows.append({
                "constant": m.group(1),
                "id": self.constants.get(m.group(1), "?"),
                "level": LEVELS.get(m.group(2), "?" + m.group(2)),
                "meaning": texts[0],
                "action": texts[1],
            })
        self.check(problems)
        self.by_id = {row["id"]: row for row in self.rows}

    def check(self, problems):
        seen = {}
        for name, value in self.constants.items():
            if not re.fullmatch(r"CXB\d{5}", value):
                problems.append(f"registry: {name} = \"{value}\" is not CXB followed by 5 digits")
            if value in seen:
                problems.append(f"registry: {value} is registered twice ({seen[value]}, {name})")
            seen[value] = name
        in_table = [row["constant"] for row in self.rows]
        for name in self.constants:
            if in_table.count(name) != 1:
                problems.append(f"registry: {name} has {in_table.count(name)} rows in the table")
        for name in in_table:
            if name not in self.constants:
                problems.append(f"registry: the table names {name}, which is not declared")
        ids = [row["id"] for row in self.rows]
        if ids != sorted(ids):
            problems.append("registry: the table is not in ascending id order")
        prefixes = [prefix for prefix, _ in self.areas]
        for row in self.rows:
            if row["level"].startswith("?"):
                problems.append(f"registry: {row['id']} has an unknown level {row['level'][1:]}")
            if sum(row["id"].startswith(p) for p in prefixes) != 1:
                problems.append(f"registry: {row['id']} is not in exactly one area")
            for key in ("meaning", "action"):
                if not row[key].strip() or "|" in row[key] or "\n" in row[key]:
                    problems.append(f"registry: {row['id']}: the {key} must be one line, "
                                    "not empty, without '|'")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def sources(root):
    for top_dir in SOURCE_DIRS:
        for top, dirs, files in os.walk(os.path.join(root, top_dir)):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(top, name)
                rel = os.path.relpath(path, root)
                if name.endswith((".h", ".hpp", ".cpp", ".cc", ".c")) and rel not in REGISTRY_FILES:
                    yield path, rel


def call_sites(root):
    """Yields (file, line, id or None, constant or None, level or None, commented)."""
    for path, rel in sources(root):
        code, comments = split_code(read(path))
        for m in ID_LIKE.finditer(comments):
            yield rel, None, m.group(0), None, None, True
        uses = [(m.start(), m.group(0), None) for m in ID_LIKE.finditer(code)]
        uses += [(m.start(), None, m.group(1)) for m in CONSTANT_USE.finditer(code)]
        # The statement an id is in starts after the last ; { or } outside a string.
        bare = re.sub(r'"(?:[^"\\\n]|\\.)*"', lambda m: " " * len(m.group(0)), code)
        for pos, literal, constant in sorted(uses):
            statement = max(bare.rfind(";", 0, pos), bare.rfind("{", 0, pos),
                            bare.rfind("}", 0, pos)) + 1
            levels = LEVEL_TOKEN.findall(bare, statement, pos)
            level = LEVELS[levels[-1][0] or levels[-1][1]] if levels else None
            yield rel, code.count("\n", 0, pos) + 1, literal, constant, level, False


def render_docs(registry):
    out = [DOC_BEGIN, ""]
    for prefix, title in registry.areas:
        rows = [row for row in registry.rows if row["id"].startswith(prefix)]
        out += [f"## {prefix}xx: {title}", "", "| id | level | what it means | what to do |",
                "|---|---|---|---|"]
        out += [f"| `{r['id']}` | {r['level']} | {r['meaning']} | {r['action']} |" for r in rows]
        out.append("")
    out.append(DOC_END)
    return "\n".join(out)


def doc_section(text):
    begin, end = text.find(DOC_BEGIN), text.find(DOC_END)
    if begin < 0 or end < begin:
        return None, None
    return begin, end + len(DOC_END)


def check(root):
    problems = []
    registry = Registry(root, problems)
    used = set()
    for rel, line, literal, constant, level, commented in call_sites(root):
        where = f"{rel}:{line}" if line else rel
        message_id = literal if literal else registry.constants.get(constant)
        if constant and message_id is None:
            problems.append(f"{where}: msg::{constant} is not in the registry")
            continue
        if not ID.fullmatch(message_id):
            problems.append(f"{where}: {message_id} is not CXB followed by 5 digits")
            continue
        if message_id not in registry.by_id:
            what = "names in a comment" if commented else "logs"
            problems.append(f"{where}: {what} {message_id}, which is not in the registry "
                            f"({REGISTRY_FILES[0]})")
            continue
        if commented:
            continue
        used.add(message_id)
        expected = registry.by_id[message_id]["level"]
        if level is not None and level != expected:
            problems.append(f"{where}: {message_id} is logged at {level}; the registry says "
                            f"{expected}")
    for row in registry.rows:
        if row["id"] not in used:
            problems.append(f"registry: {row['id']} ({row['constant']}) is logged nowhere in "
                            f"{', '.join(SOURCE_DIRS)}; remove it from the registry and the docs")

    docs_path = os.path.join(root, "docs", "messages.md")
    docs = read(docs_path) if os.path.exists(docs_path) else ""
    begin, end = doc_section(docs)
    if begin is None:
        problems.append("docs/messages.md: the rendered tables are missing")
    elif docs[begin:end] != render_docs(registry):
        documented = set(ID.findall(docs[begin:end]))
        registered = set(registry.by_id)
        detail = "; ".join(filter(None, [
            "missing " + ", ".join(sorted(registered - documented)) if registered - documented
            else "",
            "not registered " + ", ".join(sorted(documented - registered))
            if documented - registered else ""])) or "the text differs"
        problems.append(f"docs/messages.md differs from the registry ({detail}); run "
                        "scripts/check-message-ids.py --write-docs")
    for message_id in sorted(set(ID.findall(docs)) - set(registry.by_id)):
        problems.append(f"docs/messages.md: names {message_id}, which is not in the registry")

    readme_path = os.path.join(root, "README.md")
    readme = read(readme_path) if os.path.exists(readme_path) else ""
    for message_id in sorted(set(ID.findall(readme)) - set(registry.by_id)):
        problems.append(f"README.md: names {message_id}, which is not in the registry")
    return registry, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--literals", action="store_true")
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    if args.literals:
        for rel, line, literal, _, _, commented in call_sites(root):
            if literal and not commented:
                print(f"{rel}:{line}: {literal}")
        return 0
    if args.write_docs:
        problems = []
        registry = Registry(root, problems)
        if problems:
            print("\n".join(problems))
            return 1
        path = os.path.join(root, "docs", "messages.md")
        text = read(path)
        begin, end = doc_section(text)
        if begin is None:
            print("docs/messages.md: no rendered section; add the two marker lines")
            return 1
        with open(path, "w", encoding="utf-8") as f:
            f.write(text[:begin] + render_docs(registry) + text[end:])
        return 0
    registry, problems = check(root)
    if problems:
        print("\n".join(problems))
        return 1
    print(f"message ids OK: {len(registry.rows)} registered, each logged and documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
