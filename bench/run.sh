#!/usr/bin/env bash
# bench/run.sh [--smoke] [--pages N ...] [--runs R] [--no-peers]
#
# Build time and peak RSS of shishin on the shipped site and on Japanese corpora of N pages,
# the same corpus through Hugo (+ Pagefind) and mdBook when available, static-search bytes and
# CLI search latency, and the serve edit → reload latency (bench/search-bytes.mjs and
# bench/reload-latency.mjs, which need Chromium and tests/browser's npm packages).
# Prints a Markdown table; bench/README.md holds the figures.
#
#   --smoke       CI mode: one 50-page corpus, one run, no peers, nothing installed except
#                 the corpus generator's packages; fails when a build's output looks wrong
#   --pages N...  corpus sizes (default: 1000 5000)
#   --runs R      timed runs per measurement after one warm-up run (default 3; median shown)
#   --no-peers    skip Hugo, Pagefind and mdBook
#   --no-mdbook   skip mdBook only (its 5,000-page build takes a minute per run)
#
# Environment: SHISHIN_BIN (binary to time; default: cargo build --release, or the dev build in
# --smoke), BENCH_DIR (work dir, default target/bench), BENCH_CACHE (corpora, peer tools;
# default ~/.cache/shishin-bench), SHARED_BENCH (dir of make-corpus.sh; default ../shared/bench
# beside the clone).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
smoke=0; runs=3; peers=1; mdbook_peer=1; pages=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1; shift ;;
    --pages) shift; while [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; do pages+=("$1"); shift; done ;;
    --runs) runs=$2; shift 2 ;;
    --no-peers) peers=0; shift ;;
    --no-mdbook) mdbook_peer=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$smoke" = 1 ]; then
  [ ${#pages[@]} -gt 0 ] || pages=(50)
  runs=1; peers=0
fi
[ ${#pages[@]} -gt 0 ] || pages=(1000 5000)

work="${BENCH_DIR:-$repo/target/bench}"
cache="${BENCH_CACHE:-${HOME:-/tmp}/.cache/shishin-bench}"
shared="${SHARED_BENCH:-$repo/../shared/bench}"
mkdir -p "$work" "$cache"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
[ -x /usr/bin/time ] || apt_install time

# ---- the binary -------------------------------------------------------------------------------
bin="${SHISHIN_BIN:-}"
target="${CARGO_TARGET_DIR:-$repo/target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
if [ -z "$bin" ]; then
  if [ "$smoke" = 1 ]; then
    (cd "$repo" && cargo build --locked --quiet); bin="$target/debug/shishin"
  else
    (cd "$repo" && cargo build --release --locked --quiet); bin="$target/release/shishin"
  fi
fi
[ -x "$bin" ] || { echo "bench: no shishin binary at $bin" >&2; exit 1; }
profile=$(case "$bin" in */release/*) echo release ;; */debug/*) echo "dev (debug)" ;; *) echo "$bin" ;; esac)

# ---- measuring -------------------------------------------------------------------------------
# measure CMD... : runs the command (1 warm-up + $runs timed runs when runs > 1) under
# /usr/bin/time -v; sets WALL (median seconds) and RSS (median peak RSS in MiB).
log="$work/last-command.log"
measure() {
  local tf walls=() rsss=() i total=$runs
  tf=$(mktemp)
  [ "$runs" -gt 1 ] && total=$((runs + 1))
  for ((i = 0; i < total; i++)); do
    if ! /usr/bin/time -v -o "$tf" "$@" >"$log" 2>&1; then
      echo "bench: command failed: $*" >&2; tail -n 30 "$log" >&2; rm -f "$tf"; return 1
    fi
    [ "$runs" -gt 1 ] && [ "$i" = 0 ] && continue # warm-up
    walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$tf")")
    rsss+=("$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$tf")")
  done
  rm -f "$tf"
  WALL=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  RSS=$(printf '%s\n' "${rsss[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
}
ms_now() { date +%s%N | cut -c1-13; }
mib() { du -sb "$1" 2>/dev/null | awk '{ printf "%.1f MiB", $1 / 1048576 }'; }
# What the files take on this disk (whole blocks: a small file costs a block however small).
disk() { du -s --block-size=1 "$1" 2>/dev/null | awk '{ printf "%.1f MiB on disk", $1 / 1048576 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "–" }'; }
rows=()
row() { rows+=("| $(IFS='|'; echo "$*" | sed 's/|/ | /g') |"); }
problems=0
expect() { # expect CONDITION-DESCRIPTION COMMAND...: smoke assertions that keep the script honest
  local what=$1; shift
  if ! "$@"; then echo "bench: CHECK FAILED: $what" >&2; problems=1; fi
}
# `disclosure check` on hostile answer files (its own script; the smoke keeps it working).
disclosure_args=(); [ "$smoke" = 1 ] && disclosure_args=(--smoke)
if SHISHIN_BIN="$bin" BENCH_DIR="$work" "$here/disclosure-check.sh" "${disclosure_args[@]}" >"$work/disclosure-check.txt" 2>&1; then
  row "hostile answer files" "disclosure check (bench/disclosure-check.sh)" "$(grep -E '^\| rows.csv' "$work/disclosure-check.txt" | awk -F'|' '{gsub(/ /, "", $4); print $4 " s (CSV of unknown rows)"}')" "–" "–" "–"
else
  echo "bench: bench/disclosure-check.sh failed (see $work/disclosure-check.txt)" >&2; problems=1
fi

# ---- corpora ---------------------------------------------------------------------------------
# corpus N → prints the corpus dir (generated once into the cache)
corpus() {
  local n=$1 dir
  if [ -x "$shared/make-corpus.sh" ]; then
    dir="$cache/corpus-manpages-$n"
    if [ ! -f "$dir/corpus.json" ] && [ ! -f "$dir/parts.txt" ]; then
      dpkg-query -W -f='${Status}' manpages-ja 2>/dev/null | grep -q "ok installed" || apt_install manpages-ja groff-base >&2
      if [ "$n" -le 9999 ]; then
        CORPUS_CACHE="$cache/man-text" "$shared/make-corpus.sh" "$n" "$dir" >&2
      else
        # The generator makes at most 9,999 pages: a larger corpus is parts of 5,000 pages with
        # seeds manja-bench-1, -2, … (part 1 is the 5,000-page corpus), each under content/part-K/.
        local parts=$(( (n + 4999) / 5000 )) k part
        rm -rf "$dir"; mkdir -p "$dir/content"
        for ((k = 1; k <= parts; k++)); do
          part="$cache/corpus-manpages-5000-seed$k"
          [ "$k" = 1 ] && part=$(corpus 5000)
          [ -f "$part/corpus.json" ] || CORPUS_CACHE="$cache/man-text" python3 "$shared/make_corpus.py" 5000 "$part" --seed "manja-bench-$k" >&2
          [ "$k" = 1 ] && cp "$part/content/_index.md" "$dir/content/"
          mkdir -p "$dir/content/part-$k"
          printf -- '---\ntitle: "第%s部"\nweight: %s\n---\n\n第%s部のページ。\n' "$k" "$k" "$k" >"$dir/content/part-$k/_index.md"
          cp -r "$part"/content/sec-* "$dir/content/part-$k/"
        done
        echo "$parts parts of 5,000 pages (seeds manja-bench-1..$parts)" >"$dir/parts.txt"
      fi
    fi
  elif [ "$smoke" = 1 ]; then
    dir="$cache/corpus-synthetic-$n"
    [ -f "$dir/corpus.json" ] || "$here/synthetic-corpus.sh" "$n" "$dir" >&2
  else
    echo "bench: real figures need the shared corpus generator at $shared/make-corpus.sh (set SHARED_BENCH); --smoke works without it" >&2
    return 1
  fi
  echo "$dir"
}

# site_from_corpus N CORPUS → a shishin site ("shishin init", content replaced)
site_from_corpus() {
  local site="$work/site-$1"
  rm -rf "$site"
  "$bin" init "$site" >/dev/null 2>&1
  rm -rf "$site/content"
  cp -r "$2/content" "$site/content"
  echo "$site"
}

has_search=0
browser=0
[ -x /usr/bin/chromium ] && [ -d "$repo/tests/browser/node_modules/playwright-core" ] && browser=1
has_serve=0
grep -qE '^\s+serve\b' <<<"$("$bin" --help 2>/dev/null)" && has_serve=1
# reload SITE FILE URLPATH LABEL: edit → browser shows it, under `shishin serve` (median of 5)
reload() {
  [ "$has_serve" = 1 ] && [ "$browser" = 1 ] || return 0
  local r
  if r=$(timeout 600 node "$here/reload-latency.mjs" "$bin" "$1" "$2" "$3" 5); then
    row "$4" "serve: edit → reload shown" "$r" "–" "–" "–"
  else
    echo "bench: reload latency failed" >&2; problems=1
  fi
}
grep -qE '^\s+search\b' <<<"$("$bin" --help 2>/dev/null)" && has_search=1

echo "bench: shishin $("$bin" --version | awk '{print $2}') ($profile), runs=$runs, pages=${pages[*]}, peers=$peers, search=$has_search"

# ---- the shipped site ------------------------------------------------------------------------
rm -rf "$work/shipped-out"
measure "$bin" build --root "$repo" --output "$work/shipped-out"
shipped_pages=$(find "$work/shipped-out" -name index.html | wc -l)
row "shipped site ($shipped_pages pages)" "shishin build" "${WALL} s" "${RSS} MiB" "$(mib "$work/shipped-out")" "–"
expect "the shipped site has pages" [ "$shipped_pages" -gt 10 ]
rm -rf "$work/reload-shipped"; mkdir -p "$work/reload-shipped"
cp -r "$repo/shishin.yaml" "$repo/content" "$work/reload-shipped/"
reload "$work/reload-shipped" content/mic/3/3.2/3.2.1.md /mic/3.2.1/ "shipped site"
# The serve feature's own benchmark (write → reload message over the WebSocket, no browser).
if [ "$smoke" = 0 ] && [ -x "$here/serve-reload.sh" ]; then
  if "$here/serve-reload.sh" --smoke >"$work/serve-reload.txt" 2>&1; then
    row "shipped site" "serve: write → reload message (bench/serve-reload.sh --smoke)" "$(grep -m1 -iE 'median' "$work/serve-reload.txt" | sed 's/|/\//g')" "–" "–" "–"
  else
    echo "bench: bench/serve-reload.sh failed (see $work/serve-reload.txt)" >&2; problems=1
  fi
fi

# ---- corpora ---------------------------------------------------------------------------------
search_queries=(設定ファイル 環境変数 ファイルシステム)
for n in "${pages[@]}"; do
  dir=$(corpus "$n")
  site=$(site_from_corpus "$n" "$dir")
  out="$work/out-$n"
  rm -rf "$out"
  measure "$bin" build --root "$site" --output "$out"
  s_wall=$WALL; s_rss=$RSS
  built=$(find "$out" -name index.html | wc -l)
  size="$(mib "$out")"
  [ "$has_search" = 1 ] && size="$size in $(find "$out" -type f | wc -l) files (search index $(mib "$out/search"), $(disk "$out/search"), in $(find "$out/search" -type f | wc -l) files)"
  row "$n pages" "shishin build" "${s_wall} s" "${s_rss} MiB" "$size" "–"
  expect "$n-page corpus: every page built ($built index.html for $n pages)" [ "$built" -gt "$n" ]
  sample=$(find "$out" -path '*page-0001*' -name index.html | head -n 1)
  expect "$n-page corpus: pages hold the Japanese text" grep -q '<h2' "${sample:-/dev/null}"

  if [ "$has_search" = 1 ]; then
    # CLI search latency: the first query may build the on-disk engine index (cold).
    rm -rf "$site/.shishin"
    t=$(ms_now); "$bin" search --root "$site" --json "${search_queries[0]}" >"$work/search.json"; cold=$(( $(ms_now) - t ))
    warm=()
    for q in "${search_queries[@]}"; do t=$(ms_now); "$bin" search --root "$site" --json "$q" >/dev/null; warm+=($(( $(ms_now) - t ))); done
    warm_med=$(printf '%s\n' "${warm[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    hits=$(grep -o '"id"' "$work/search.json" | wc -l)
    row "$n pages" "shishin search (CLI, ${search_queries[0]})" "cold ${cold} ms, warm ${warm_med} ms" "–" "$hits hits" "–"
    expect "$n-page corpus: CLI search finds ${search_queries[0]}" [ "$hits" -gt 0 ]
    if [ "$browser" = 1 ]; then
      bytes=$(node "$here/search-bytes.mjs" "$out" "${search_queries[@]}") || { echo "bench: search-bytes failed" >&2; bytes="failed"; problems=1; }
      row "$n pages" "static search, first query" "$bytes" "–" "–" "–"
      # Every query of bench/frequent-queries.yaml and bench/mixed-queries.yaml: bytes sent
      # (scripts included) and the time to results once transferred, computed from the built
      # files (bench/search-static-bytes.mjs).
      for set in frequent mixed; do
        if node "$here/search-static-bytes.mjs" "$out" "$here/$set-queries.yaml" >"$work/$set-$n.md" 2>&1; then
          row "$n pages" "static search, first query, bench/$set-queries.yaml (per query: $work/$set-$n.md)" "$(tail -n 1 "$work/$set-$n.md" | sed 's/^static first query //; s/|/\//g')" "–" "–" "–"
        else
          echo "bench: search-static-bytes failed (see $work/$set-$n.md)" >&2; problems=1
        fi
        # The same queries' first run in Chromium itself, cold code included (bench/search-browser-time.mjs).
        if node "$here/search-browser-time.mjs" "$out" "$here/$set-queries.yaml" >"$work/$set-$n-browser.md" 2>&1; then
          row "$n pages" "static search in Chromium, bench/$set-queries.yaml (per query: $work/$set-$n-browser.md)" "$(tail -n 1 "$work/$set-$n-browser.md" | sed 's/^first query in a fresh Chromium context //')" "–" "–" "–"
        else
          echo "bench: search-browser-time failed (see $work/$set-$n-browser.md)" >&2; problems=1
        fi
      done
    fi
  fi

  first=$(cd "$site" && find content -path '*/sec-01/page-0001.md' | sort | head -n 1)
  first_url="/${first#content/}"
  reload "$site" "$first" "${first_url%.md}/" "$n pages"

  if [ "$peers" = 1 ]; then
    # Hugo (Debian package) + Pagefind (npm), on a copy of the minimal peer site.
    command -v hugo >/dev/null || apt_install hugo
    pf="$cache/pagefind/node_modules/.bin/pagefind"
    [ -x "$pf" ] || npm install --prefix "$cache/pagefind" --no-audit --no-fund --loglevel=error pagefind@1.6.0 >/dev/null
    rm -rf "$work/hugo-site"; cp -r "$here/peers/hugo" "$work/hugo-site"
    hout="$work/hugo-$n"
    rm -rf "$hout"
    measure hugo --quiet -s "$work/hugo-site" --contentDir "$dir/content" -d "$hout"
    h_wall=$WALL; h_rss=$RSS
    row "$n pages" "Hugo $(hugo version | grep -o 'v[0-9.]*' | head -n 1) (no search)" "${h_wall} s" "${h_rss} MiB" "$(mib "$hout")" "$(ratio "$s_wall" "$h_wall")"
    measure sh -c "rm -rf '$hout/pagefind' && exec '$pf' --site '$hout' --quiet"
    p_wall=$WALL; p_rss=$RSS
    hp=$(awk -v a="$h_wall" -v b="$p_wall" 'BEGIN { print a + b }')
    row "$n pages" "Hugo + Pagefind $("$pf" --version | awk '{print $2}')" "${hp} s" "Pagefind ${p_rss} MiB" "index $(mib "$hout/pagefind"), $(disk "$hout/pagefind"), in $(find "$hout/pagefind" -type f | wc -l) files" "$(ratio "$s_wall" "$hp")"
    # mdBook (crates.io), built once into the cache.
    mdbook="$(command -v mdbook || echo "$cache/cargo/bin/mdbook")"
    [ "$mdbook_peer" = 0 ] || [ -x "$mdbook" ] || cargo install mdbook --locked --version 0.5.4 --root "$cache/cargo" --quiet
    if [ "$mdbook_peer" = 1 ] && [ -d "$dir/mdbook" ]; then
      mout="$work/mdbook-$n"
      measure "$mdbook" build "$dir/mdbook" -d "$mout"
      row "$n pages" "mdBook $("$mdbook" --version | awk '{print $2}') (elasticlunr search)" "${WALL} s" "${RSS} MiB" "$(mib "$mout")" "$(ratio "$s_wall" "$WALL")"
    fi
  fi
done

echo
echo "| corpus | tool | wall time (median of $runs) | peak RSS | output | shishin ÷ tool |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(date -u +%Y-%m-%d)"
if [ "$smoke" = 1 ]; then
  if [ "$problems" = 0 ]; then echo "smoke: ok (${pages[*]} pages built in ${s_wall} s, ${s_rss} MiB)"; else echo "smoke: FAILED"; fi
fi
exit "$problems"
