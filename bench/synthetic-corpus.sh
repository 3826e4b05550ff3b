#!/usr/bin/env bash
# synthetic-corpus.sh N OUTDIR -- a small deterministic Japanese corpus for the bench smoke run
# when the shared generator (../shared/bench/make-corpus.sh, built from manpages-ja) is not
# beside the clone. Same layout: OUTDIR/content/_index.md, content/sec-XX/_index.md,
# content/sec-XX/page-NNNN.md (title + weight, 2-4 `##` sections, one fenced code block),
# OUTDIR/corpus.json. Pages are ~1.5-3 KB; use the shared generator for real figures.
set -euo pipefail
if [ $# -ne 2 ] || ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ]; then
  echo "usage: $0 N OUTDIR" >&2; exit 2
fi
n=$1; out=$2
sentences=(
  "設定ファイルは起動時に一度だけ読み込まれ、環境変数で指定した値がそれより優先されます。"
  "ファイルシステムの空き容量が不足すると、書き込みは失敗してエラーコードを返します。"
  "この操作には管理者の権限が必要であり、一般のユーザーが実行すると拒否されます。"
  "ネットワーク経由で受け取ったデータは、検証してから利用者に表示してください。"
  "暗号化されたバックアップは別の場所に保管し、復元の手順を定期的に確認します。"
  "ログには日時、利用者の識別子、操作の種類を記録し、改ざんを防ぐ仕組みを設けます。"
  "プロセスが終了すると、開いていたファイル記述子はすべて自動的に閉じられます。"
  "文字コードの変換に失敗した行は読み飛ばされ、件数だけが標準エラー出力に表示されます。"
  "タイムアウトの既定値は三十秒で、オプションを指定すると変更できます。"
  "障害が発生したときは、影響の範囲を確認してから関係者に連絡します。"
)
headings=("概要" "使い方" "設定" "環境変数" "注意事項" "関連項目" "戻り値" "例")
sections=$(( n < 20 ? n : 20 ))
rm -rf "$out"
mkdir -p "$out/content"
printf -- '---\ntitle: 日本語合成コーパス\n---\n\n%s\n' "${sentences[0]}" > "$out/content/_index.md"
bytes=0
for ((s = 1; s <= sections; s++)); do
  dir=$(printf '%s/content/sec-%02d' "$out" "$s")
  mkdir -p "$dir"
  printf -- '---\ntitle: 第%d部 %s\nweight: %d\n---\n\n%s\n' "$s" "${headings[s % ${#headings[@]}]}" "$s" "${sentences[s % ${#sentences[@]}]}" > "$dir/_index.md"
done
for ((p = 1; p <= n; p++)); do
  s=$(( (p - 1) % sections + 1 ))
  file=$(printf '%s/content/sec-%02d/page-%04d.md' "$out" "$s" "$p")
  {
    printf -- '---\ntitle: %s の説明 %d\nweight: %d\n---\n\n' "${headings[p % ${#headings[@]}]}" "$p" "$p"
    for ((h = 0; h < 2 + p % 3; h++)); do
      printf '## %s %d\n\n' "${headings[(p + h) % ${#headings[@]}]}" "$h"
      for ((k = 0; k < 3 + (p + h) % 4; k++)); do
        printf '%s' "${sentences[(p * 7 + h * 3 + k) % ${#sentences[@]}]}"
      done
      printf '\n\n'
    done
    if (( p % 2 )); then printf '```sh\nexport LANG=ja_JP.UTF-8\nprog --config /etc/prog.conf\n```\n'; else printf '```yaml\ntimeout: 30\nlog: /var/log/prog.log\n```\n'; fi
  } > "$file"
  bytes=$(( bytes + $(wc -c < "$file") ))
done
printf '{"generator": "synthetic", "pages": %d, "sections": %d, "page_bytes": %d}\n' "$n" "$sections" "$bytes" > "$out/corpus.json"
