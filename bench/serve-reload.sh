#!/usr/bin/env bash
# Benchmarks `shishin serve` on a site (default: the shipped one at the repo root):
#   1. edit → live-reload message latency (examples/serve_reload.rs: a real WebSocket client,
#      one page edited --runs times; prints median / p90 / max and the server's rebuild times)
#   2. loopback load with wrk (64 connections, 2 threads) on a page and on /api/search
#      (skipped with a note when wrk is missing: apt-get install wrk)
#
# Usage: bench/serve-reload.sh [--debug] [--smoke] [--root DIR] [--page URL] [--query Q]
#   --debug   use the dev profile (no release build; slower figures)
#   --smoke   3 edits and 3 s of load per URL instead of 30 edits and 30 s
# Results go to stdout; bench/SERVE.md records the figures and the machine.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$repo"
profile=release
runs=30
secs=30
page_url=/mic/3.2.1/
query='暗号化'
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) profile=debug ;;
    --smoke) runs=3; secs=3 ;;
    --root) root="$(cd "$2" && pwd)"; shift ;;
    --page) page_url="$2"; shift ;;
    --query) query="$2"; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
cd "$repo"
if [ "$profile" = release ]; then
  cargo build --release --locked --bin shishin --example serve_reload
else
  cargo build --locked --bin shishin --example serve_reload
fi
bin="$target/$profile/shishin"

echo "== edit → reload ($profile build, $(nproc) cores)"
"$target/$profile/examples/serve_reload" --bin "$bin" --root "$root" --runs "$runs"

if ! command -v wrk >/dev/null; then
  echo "== wrk not installed (apt-get install wrk); load test skipped"
  exit 0
fi

log="$(mktemp)"
"$bin" serve --root "$root" --port 0 >"$log.out" 2>"$log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$log" "$log.out"' EXIT
for _ in $(seq 1 600); do
  grep -q '^listening on ' "$log.out" 2>/dev/null && break
  sleep 0.1
done
base="$(sed -n 's|^listening on \(http://[^/]*\)/$|\1|p' "$log.out")"
[ -n "$base" ] || { echo "serve did not start:"; cat "$log"; exit 1; }
# The search index is built after the first build; wait until the API answers.
q="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$query")"
for _ in $(seq 1 300); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/search?q=$q")" = 200 ] && break
  sleep 0.1
done

status=0
for url in "$base$page_url" "$base/api/search?q=$q"; do
  echo "== wrk -t2 -c64 -d${secs}s $url"
  out="$(wrk -t2 -c64 -d"${secs}s" --latency "$url")"
  echo "$out"
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "!! errors under load on $url"
    status=1
  fi
done
exit "$status"
