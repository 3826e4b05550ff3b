#!/usr/bin/env bash
# bench/search.sh [--no-pagefind] [--n N]
#
# Search figures on the shipped site (bench/README.md, "Search"):
#   1. engine query latency p50/p99 over tests/eval/queries.yaml, engine built once
#      (cargo run --release --example search_latency; N timed queries, default 1000)
#   2. `shishin search --json` wall time per process: once cold (no .shishin/ engine cache: load,
#      render, index, query) and five times warm (cached engine: open it, query)
#   3. static first-query bytes per query, raw and gzip, from the built files
#      (node bench/search-static-bytes.mjs), and the static path's recall@5 / MRR
#      (node tests/js/static-eval.mjs)
#   4. Pagefind on the same built site: index size, first-query bytes per query through Chromium
#      (CDP) and its recall@5 / MRR (node bench/pagefind-bytes.mjs); skipped by --no-pagefind
#
# Environment: SHISHIN_BIN (default: cargo build --release), BENCH_DIR (default target/bench),
# BENCH_CACHE (Pagefind install; default ~/.cache/shishin-bench, shared with bench/run.sh).
# Needs node; step 4 needs /usr/bin/chromium and tests/browser/node_modules (npm ci there).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
pagefind=1; n=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --no-pagefind) pagefind=0; shift ;;
    --n) n=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "bench/search.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
PAGEFIND_VERSION=1.6.0 # the version bench/run.sh uses
work="${BENCH_DIR:-$repo/target/bench}"
cache="${BENCH_CACHE:-${HOME:-/tmp}/.cache/shishin-bench}"
mkdir -p "$work" "$cache"
cd "$repo"

target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
bin="${SHISHIN_BIN:-}"
if [ -z "$bin" ]; then cargo build --release --locked --quiet --bin shishin; bin="$target/release/shishin"; fi
[ -x "$bin" ] || { echo "bench/search.sh: no shishin binary at $bin" >&2; exit 1; }

say() { printf '\n## %s\n\n' "$*"; }
echo "# search bench: $("$bin" --version) ($bin), $(nproc) cores, $(date -u +%Y-%m-%d)"

site="$work/search-site"
rm -rf "$site"
"$bin" build --root "$repo" --output "$site" >/dev/null
index_dir="$site$(grep -o '<meta name="shishin-search" content="[^"]*"' "$site/search/index.html" | sed 's/.*content="//; s/"$//')"

say "engine latency (engine built once; cargo run --release --example search_latency -- --n $n)"
cargo run --release --locked --quiet --example search_latency -- --root "$repo" --n "$n"

say "CLI: shishin search --json 暗号化 (fresh process each time; cold = no engine cache in .shishin/)"
rm -rf "$repo/.shishin/search-engine"
t0=$(date +%s%N); "$bin" search --root "$repo" --json 暗号化 >/dev/null 2>&1; t1=$(date +%s%N)
cold=$(( (t1 - t0) / 1000000 ))
times=()
for _ in 1 2 3 4 5; do
  t0=$(date +%s%N); "$bin" search --root "$repo" --json 暗号化 >/dev/null; t1=$(date +%s%N)
  times+=($(( (t1 - t0) / 1000000 )))
done
printf 'cold %s ms (load, render, index, cache); warm wall ms: %s; median %s ms\n' "$cold" "${times[*]}" "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)"

say "static search: first-query bytes (node bench/search-static-bytes.mjs)"
node "$here/search-static-bytes.mjs" "$site"
node "$repo/tests/js/static-eval.mjs" "$index_dir" "$repo/tests/eval/queries.yaml" 2>/dev/null \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log(`static: recall@5 ${r.recall.toFixed(3)}, MRR ${r.mrr.toFixed(3)}`)})'

if [ "$pagefind" = 1 ]; then
  say "Pagefind $PAGEFIND_VERSION on the same built site (node bench/pagefind-bytes.mjs)"
  pf="$cache/pagefind/node_modules/.bin/pagefind"
  [ -x "$pf" ] || npm install --prefix "$cache/pagefind" --no-audit --no-fund --loglevel=error "pagefind@$PAGEFIND_VERSION" >/dev/null
  pfsite="$work/search-site-pagefind"
  rm -rf "$pfsite"; cp -r "$site" "$pfsite"
  t0=$(date +%s%N); "$pf" --site "$pfsite" --quiet; t1=$(date +%s%N)
  kb() { find "$@" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.1f KB", s / 1024 }'; }
  echo "pagefind --site: $(( (t1 - t0) / 1000000 )) ms; its index (index/ fragment/ pf_meta wasm, gzip-compressed) $(kb "$pfsite"/pagefind/{index,fragment} "$pfsite"/pagefind/*.pf_meta "$pfsite"/pagefind/wasm.*), pagefind/ with its UI $(kb "$pfsite/pagefind"); shishin's index $(kb "$index_dir") raw JSON"
  node "$here/pagefind-bytes.mjs" "$pfsite"
fi
