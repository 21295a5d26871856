#!/usr/bin/env bash
# Start `make run` on a spare port, wait for the login page, and check that it lists both demo
# municipalities. Used by CI after `make test`, so the README's first command is proven too.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${CHECK_PORT:-8765}
log=$(mktemp)
make run PORT="$port" >"$log" 2>&1 &
runner=$!
trap 'kill $runner 2>/dev/null; pkill -f "runserver --noreload 127.0.0.1:$port" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 300); do
  if page=$(curl -fsS "http://127.0.0.1:$port/login/" 2>/dev/null); then
    for name in "เทศบาลตำบลลำพญา" "เทศบาลเมืองตาคลี"; do
      grep -q "$name" <<<"$page" || { echo "make run: the login page does not list $name" >&2; exit 1; }
    done
    grep -q "lamphaya-officer" "$log" || { echo "make run did not print the demo logins" >&2; cat "$log" >&2; exit 1; }
    echo "make run serves http://127.0.0.1:$port/login/ with both demo municipalities"
    exit 0
  fi
  kill -0 $runner 2>/dev/null || { echo "make run stopped:" >&2; cat "$log" >&2; exit 1; }
  sleep 1
done
echo "make run did not serve the login page within 300 s" >&2
cat "$log" >&2
exit 1
