#!/usr/bin/python3
"""Checks every #include under SRC_DIR against the layer table (STYLE.md §2.3).

usage: check-layering.py SRC_DIR

Each folder of src/ may include the project folders of its row and the system headers of the
kinds of its row; anything else is refused, naming the file, the line and the rule. The
CMake targets of mod_cxxbalancer/CMakeLists.txt link the same dependencies.
"""
import pathlib
import re
import sys

# folder -> (project folders it may include, kinds of system headers it may include).
# A folder may always include itself.
PURE = ("std",)
LAYERS = {
    "core":     ((), PURE),
    "config":   (("core",), PURE),
    "http":     (("core",), PURE),
    "ajp":      (("core", "http"), PURE),
    "shm":      (("core", "config"), PURE),
    "balancer": (("core", "config", "shm"), PURE),
    "manager":  (("core", "config", "shm", "balancer"), PURE),
    "health":   (("core", "config", "http", "balancer", "shm"), PURE),
    "probe":    (("core", "config", "http"), PURE),
    "net":      (("core", "config", "http", "ajp", "balancer", "shm"),
                 ("std", "posix", "sockets", "openssl")),
    "proxy":    (("core", "config", "http", "ajp", "balancer", "shm", "manager", "health", "net"),
                 PURE),
    "httpd":    (("core", "config", "http", "ajp", "balancer", "shm", "manager", "health", "net",
                  "proxy"),
                 ("std", "posix", "sockets", "openssl", "httpd")),
}

# Kinds of system headers, tried in this order; the first that matches names the kind.
HEADER_KINDS = (
    ("httpd", re.compile(r"(httpd|http_\w+|ap_\w+|apr\w*|apu\w*|mod_\w+|util_\w+|mpm\w*)\.h")),
    ("openssl", re.compile(r"openssl/.+")),
    ("sockets", re.compile(r"sys/socket\.h|sys/un\.h|sys/select\.h|sys/epoll\.h|netdb\.h|poll\.h"
                           r"|ifaddrs\.h|netinet/.+|arpa/.+|net/.+")),
    ("std", re.compile(r"[a-z_0-9]+")),  # the C++ standard library: <string>, <cstdint>, ...
    ("posix", re.compile(r".+")),  # every other C or POSIX header: <unistd.h>, <time.h>, ...
)

KIND_TEXT = {
    "std": "the C++ standard library",
    "posix": "C and POSIX headers",
    "sockets": "socket headers",
    "openssl": "OpenSSL",
    "httpd": "httpd and APR headers",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def header_kind(name):
    for kind, pattern in HEADER_KINDS:
        if pattern.fullmatch(name):
            return kind
    raise AssertionError(name)


def check_file(path, folder):
    allowed_folders, allowed_kinds = LAYERS[folder]
    problems = []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        match = INCLUDE.match(line)
        if not match:
            continue
        quote, name = match.groups()
        where = f"{path}:{number}: #include {quote}{name}{'>' if quote == '<' else quote}"
        if quote == '"':
            target = name.split("/", 1)[0] if "/" in name else folder
            if target != folder and target not in allowed_folders:
                rule = (f"{folder}/ may include only "
                        + (", ".join(f"{f}/" for f in (folder,) + allowed_folders)))
                if target not in LAYERS:
                    rule += f" (no folder {target}/ in the layer table)"
                problems.append(f"{where}: {rule}")
        else:
            kind = header_kind(name)
            if kind not in allowed_kinds:
                may = ", ".join(KIND_TEXT[k] for k in allowed_kinds)
                problems.append(f"{where}: {KIND_TEXT[kind]} outside {places(kind)}; "
                                f"{folder}/ may include {may}")
    return problems


def places(kind):
    """The folders that may include headers of `kind`, for the message."""
    return " and ".join(f"{f}/" for f, (_, kinds) in LAYERS.items() if kind in kinds)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    src = pathlib.Path(argv[1])
    if not src.is_dir():
        print(f"{src}: not a directory", file=sys.stderr)
        return 2
    problems = []
    for folder in sorted(p for p in src.iterdir() if p.is_dir()):
        if folder.name not in LAYERS:
            problems.append(f"{folder}: no row for folder {folder.name}/ in the layer table "
                            f"(scripts/check-layering.py)")
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".h", ".cpp") and path.is_file():
                problems.extend(check_file(path, folder.name))
    for path in sorted(p for p in src.iterdir() if p.is_file() and p.suffix in (".h", ".cpp")):
        problems.append(f"{path}: a source file outside every layer folder")
    if problems:
        print("includes that break the layer table:")
        print("\n".join(problems))
        return 1
    print("layering OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
