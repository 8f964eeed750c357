#!/usr/bin/env bash
# The whole suite: once on SQLite, once on PostgreSQL, browser journeys in real Chromium in both.
# Under CI (CI=true) a missing PostgreSQL or Chromium fails the run; elsewhere it is reported loudly.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
PG_URL="${CHANNELBASE_TEST_PG:-postgresql://postgres@127.0.0.1:5432/postgres}"
CHROMIUM="${CHANNELBASE_CHROMIUM:-/usr/bin/chromium}"
in_ci() { [ "${CI:-}" = "true" ]; }
not_run=()
marker=()
# Two pytest workers (pytest-xdist; each has its own database): the suite takes about half the time
# on the 2-core CI machine. CHANNELBASE_TEST_WORKERS=0 runs in one process.
workers=(-n "${CHANNELBASE_TEST_WORKERS:-2}")

if [ ! -x "$CHROMIUM" ]; then
  if in_ci; then echo "FAIL: $CHROMIUM is missing; browser tests are mandatory in CI (apt-get install chromium)."; exit 1; fi
  not_run+=("browser tests: Chromium not found at $CHROMIUM — enable with: sudo apt-get install chromium")
  marker=(-m "not browser")
fi

pg_ok=0
if "$PY" - "$PG_URL" <<'PYCODE' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1].replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3).close()
PYCODE
then pg_ok=1
else
  if in_ci; then echo "FAIL: PostgreSQL is not reachable at $PG_URL; the PostgreSQL pass is mandatory in CI."; exit 1; fi
  not_run+=("PostgreSQL pass: no server at $PG_URL — enable with: sudo pg_ctlcluster \$(ls /etc/postgresql) main start  (or set CHANNELBASE_TEST_PG)")
fi

status=0
echo "== Lint (ruff) =="
.venv/bin/ruff check channelbase tests bench scripts || status=1
echo "== Types (mypy) =="
.venv/bin/mypy || status=1

echo "== Test pass 1/2: SQLite =="
env -u CHANNELBASE_TEST_DB .venv/bin/pytest "${workers[@]}" "${marker[@]}" "$@" || status=1

if [ "$pg_ok" = 1 ]; then
  echo "== Test pass 2/2: PostgreSQL ($PG_URL) =="
  CHANNELBASE_TEST_DB="$PG_URL" .venv/bin/pytest "${workers[@]}" "${marker[@]}" "$@" || status=1
fi

if [ ${#not_run[@]} -gt 0 ]; then
  echo
  echo "!! NOT RUN on this machine:"
  for item in "${not_run[@]}"; do echo "!!   - $item"; done
fi
if [ "$status" != 0 ]; then echo "Some checks FAILED (see above)."; elif [ ${#not_run[@]} -gt 0 ]; then echo "Every test that ran passed; see what did NOT run above."; else echo "All test passes succeeded."; fi
exit "$status"
