// Reads tests/eval/queries.yaml in the one form the file uses — one flow mapping per line,
// `- { q: "…", expect: [id, …] }` with an optional `, within: N` and then an optional
// `, anchor: id` (the expected hit's deep link) — so Node needs no YAML package.
// Any other non-comment line is an error naming the line, so a file the Rust side accepts but this
// reader would misread fails loudly.
const LINE = /^\s*-\s*\{\s*q:\s*"((?:[^"\\]|\\.)*)"\s*,\s*expect:\s*\[([^\]]*)\]\s*(?:,\s*within:\s*(\d+)\s*)?(?:,\s*anchor:\s*([a-z0-9.-]+)\s*)?\}\s*$/;

export function readQueries(text, name = 'queries.yaml') {
  const queries = [];
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t === 'queries:') return;
    const m = LINE.exec(line);
    if (!m) throw new Error(`${name}:${i + 1}: expected - { q: "…", expect: [ids] }, found: ${t}`);
    const expect = m[2].split(',').map((s) => s.trim()).filter((s) => s !== '');
    queries.push({ q: JSON.parse(`"${m[1]}"`), expect, within: m[3] === undefined ? null : Number(m[3]), anchor: m[4] ?? null });
  });
  return queries;
}
