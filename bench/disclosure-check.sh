#!/usr/bin/env bash
# bench/disclosure-check.sh [--smoke] [--rows N] [--json-bytes B]
#
# `shishin disclosure check` on hostile answer files, to show it stays linear in time and memory
# and caps its output: a CSV of N unknown rows (default 200,000) and a one-line JSON of about
# B bytes (default 1,000,000) of unknown item ids. Prints wall time, peak RSS and stderr size.
# Targets (issue 14): 200,000 rows < 2 s; 1 MB one-line JSON < 1 s and < 200 MiB.
#
#   --smoke   small inputs (2,000 rows, 40 KB), dev build; fails when output is not capped
#
# Environment: SHISHIN_BIN (default: cargo build --release, or the dev build in --smoke),
# BENCH_DIR (work dir, default target/bench).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
smoke=0; rows=200000; bytes=1000000
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1; rows=2000; bytes=40000; shift ;;
    --rows) rows=$2; shift 2 ;;
    --json-bytes) bytes=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench/disclosure-check.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
target="${CARGO_TARGET_DIR:-$repo/target}"
bin="${SHISHIN_BIN:-}"
if [ -z "$bin" ]; then
  if [ "$smoke" = 1 ]; then (cd "$repo" && cargo build --locked --quiet); bin="$target/debug/shishin"
  else (cd "$repo" && cargo build --release --locked --quiet); bin="$target/release/shishin"; fi
fi
work="${BENCH_DIR:-$repo/target/bench}/disclosure"
mkdir -p "$work"

# A CSV of unknown rows and a one-line JSON of unknown ids.
python3 - "$work" "$rows" "$bytes" <<'PY'
import json, sys
work, rows, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(f"{work}/rows.csv", "w", encoding="utf-8") as f:
    f.write("\ufeffitem_id,column,value\r\n_meta,template,disclosure\r\n_meta,version,1.0\r\n")
    for i in range(rows):
        f.write(f"disc-unknown-{i},presence,有\r\n")
answers, n = {}, 0
while len(json.dumps(answers, ensure_ascii=False)) < size:
    for _ in range(1000):
        answers[f"disc-unknown-{n}"] = {"presence": "有"}
        n += 1
with open(f"{work}/one-line.json", "w", encoding="utf-8") as f:
    json.dump({"template": "disclosure", "version": "1.0", "answers": answers}, f, ensure_ascii=False)
PY

problems=0
echo "| input | size | wall s | peak RSS MiB | stderr bytes | exit |"
echo "|---|---|---|---|---|---|"
for input in rows.csv one-line.json; do
  file="$work/$input"
  set +e
  /usr/bin/time -f '%e %M' -o "$work/time.txt" "$bin" disclosure check "$file" --root "$repo" 2>"$work/stderr.txt" >/dev/null
  code=$?
  set -e
  read -r wall rss < <(tail -n 1 "$work/time.txt")  # time adds a line for a non-zero exit
  err_bytes=$(wc -c <"$work/stderr.txt")
  echo "| $input | $(wc -c <"$file") B | $wall | $((rss / 1024)) | $err_bytes | $code |"
  shown=$(grep -c '^error: ' "$work/stderr.txt" || true)
  if [ "$code" != 1 ] || [ "$shown" != 50 ] || ! grep -q 'more problems not shown' "$work/stderr.txt"; then
    echo "bench: $input: expected exit 1 and 50 problems shown, got exit $code and $shown" >&2; problems=1
  fi
done
[ "$problems" = 0 ] || exit 1
[ "$smoke" = 1 ] && echo "smoke: ok"
exit 0
