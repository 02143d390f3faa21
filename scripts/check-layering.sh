#!/usr/bin/env bash
# Fails when a file outside src/httpd includes an httpd, APR or mod_* header: the pure and
# I/O layers must build and be tested without httpd (STYLE.md §2.3).
set -euo pipefail
src=${1:?usage: check-layering.sh SRC_DIR}
pattern='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](httpd\.h|http_[a-z_]+\.h|ap_[a-z_]+\.h|apr[a-z_]*\.h|apu[a-z_]*\.h|mod_[a-z_]+\.h|util_[a-z_]+\.h)'
bad=$(grep -rEn "$pattern" "$src" --include='*.h' --include='*.cpp' | grep -v "^$src/httpd/" || true)
if [ -n "$bad" ]; then
  echo "httpd/APR headers outside src/httpd:"; echo "$bad"; exit 1
fi
echo "layering OK"
