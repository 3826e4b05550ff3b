// search-core.js — the browser half of shishin's search, with no DOM: it runs in the page (imported
// by search.js) and under Node (tests/js/). The analysis, query and snippet functions mirror Rust
// ones in src/search/ (the section headings name the file). Normalisation and the bigram tokeniser
// must stay identical to the Rust side: tests/search_engine.rs and tests/js/tokenizer.test.mjs pin
// both to tests/fixtures/tokenizer-*; tests/js/page-terms.mjs pins pageTerms to the built index.
// StaticIndex ranks like engine.rs while fetching as little as it can; the tests compare the two.

// ---- normalize.rs -------------------------------------------------------------------------------

const COMBINING = /\p{M}/u;
const WORD = /[\p{Alphabetic}\p{N}]/u;
const CONTROL = /\p{Cc}/gu;
// Rust's char::is_whitespace (Unicode White_Space); JS's \s would also take U+FEFF.
const WHITE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const WHITE_RUN = new RegExp(`${WHITE}+`, 'u');
const WHITE_EDGES = new RegExp(`^${WHITE}+|${WHITE}+$`, 'gu');

/** Trims Unicode White_Space like Rust's str::trim (JS's trim also takes U+FEFF). */
export function trimWhite(text) {
  return text.replace(WHITE_EDGES, '');
}

/** Whether the character (a code point) belongs to the chunk before it: a mark, or a half-width
 *  voicing mark. */
function continuesChunk(cp) {
  // No mark below U+0300 nor among the characters normalisation leaves alone: most of a text
  // skips the Unicode property test.
  if (cp < 0x300 || unchangedAlone(cp)) return false;
  return cp === 0xff9e || cp === 0xff9f || COMBINING.test(String.fromCodePoint(cp));
}

function isKatakanaLetter(c) {
  const cp = c.codePointAt(0);
  return (cp >= 0x30a1 && cp <= 0x30fa) || cp === 0x30fc;
}

/** Code points NFKC and lowercasing leave alone (normalize.rs `unchanged_alone`): skips the
 *  Unicode tables for most of a Japanese text. */
function unchangedAlone(cp) {
  return (cp >= 0x20 && cp <= 0x40) || (cp >= 0x5b && cp <= 0x7e) ||
    (cp >= 0x3001 && cp <= 0x3002) || (cp >= 0x3005 && cp <= 0x3011) ||
    (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x30a1 && cp <= 0x30fa) || cp === 0x30fc ||
    (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff);
}

/** NFKC, lowercase and trailing-ー folding, chunk by chunk, with a map to original characters
 *  (`origin`; null when `withMap` is false: reading a page's terms needs no map). */
export function normalizeWithMap(text, withMap = true) {
  const original = Array.from(text);
  const chars = [];
  const origin = withMap ? [] : null;
  let start = 0;
  while (start < original.length) {
    let end = start + 1;
    while (end < original.length && continuesChunk(original[end].codePointAt(0))) end++;
    if (end === start + 1 && unchangedAlone(original[start].codePointAt(0))) {
      chars.push(original[start]);
      if (origin) origin.push([start, end]);
      start = end;
      continue;
    }
    const chunk = original.slice(start, end).join('').normalize('NFKC').toLowerCase();
    for (const c of chunk) {
      chars.push(c);
      if (origin) origin.push([start, end]);
    }
    start = end;
  }
  foldLongVowels(chars, origin);
  return { text: chars.join(''), chars, origin };
}

export function normalize(text) {
  return normalizeWithMap(text, false).text;
}

function foldLongVowels(chars, origin) {
  const keep = chars.map(() => true);
  let i = 0;
  while (i < chars.length) {
    if (!isKatakanaLetter(chars[i])) {
      i++;
      continue;
    }
    const start = i;
    while (i < chars.length && isKatakanaLetter(chars[i])) i++;
    if (i - start >= 4 && chars[i - 1] === 'ー') {
      keep[i - 1] = false;
      if (origin) origin[i - 2] = [origin[i - 2][0], origin[i - 1][1]];
    }
  }
  let w = 0;
  for (let r = 0; r < chars.length; r++) {
    if (!keep[r]) continue;
    chars[w] = chars[r];
    if (origin) origin[w] = origin[r];
    w++;
  }
  chars.length = w;
  if (origin) origin.length = w;
}

// ---- bigram.rs ----------------------------------------------------------------------------------

export const MAX_WORD_CHARS = 64;

export function isJapanese(c) {
  const cp = c.codePointAt(0);
  return (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x309d && cp <= 0x309f) ||
    (cp >= 0x30a1 && cp <= 0x30fa) || (cp >= 0x30fc && cp <= 0x30ff) || (cp >= 0x31f0 && cp <= 0x31ff) ||
    (cp >= 0x3005 && cp <= 0x3007) ||
    (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x20000 && cp <= 0x3134f);
}

function charClass(c) {
  if (isJapanese(c)) return 'J';
  if (WORD.test(c)) return 'W';
  return 'S';
}

export function unigramTerm(c) {
  return `u:${c}`;
}

/** Bigram tokens of normalised characters: [{text, start, end, run}]. */
export function tokenize(chars) {
  const tokens = [];
  let run = 0;
  let i = 0;
  while (i < chars.length) {
    const cls = charClass(chars[i]);
    if (cls === 'S') {
      i++;
      continue;
    }
    const start = i;
    while (i < chars.length && charClass(chars[i]) === cls) i++;
    if (cls === 'J' && i - start >= 2) {
      for (let at = start; at + 1 < i; at++) {
        tokens.push({ text: chars[at] + chars[at + 1], start: at, end: at + 2, run });
      }
    } else {
      tokens.push({ text: chars.slice(start, Math.min(i, start + MAX_WORD_CHARS)).join(''), start, end: i, run });
    }
    run++;
  }
  return tokens;
}

export function tokenizeStr(normalized) {
  return tokenize(Array.from(normalized));
}

// ---- synonyms.rs --------------------------------------------------------------------------------

function containsMember(text, member) {
  const m = Array.from(member);
  const firstIsWord = m.length > 0 && charClass(m[0]) === 'W';
  const lastIsWord = m.length > 0 && charClass(m[m.length - 1]) === 'W';
  let at = text.indexOf(member);
  while (at !== -1) {
    const before = Array.from(text.slice(0, at)).pop();
    const after = Array.from(text.slice(at + member.length))[0];
    const beforeOk = !firstIsWord || before === undefined || charClass(before) !== 'W';
    const afterOk = !lastIsWord || after === undefined || charClass(after) !== 'W';
    if (beforeOk && afterOk) return true;
    at = text.indexOf(member, at + 1);
  }
  return false;
}

function synonymExpansions(groups, normalized) {
  const out = [];
  for (const group of groups) {
    const present = group.map((m) => containsMember(normalized, m));
    if (present.some((p) => p)) group.forEach((m, i) => { if (!present[i]) out.push(m); });
  }
  return out;
}

// ---- analysis.rs: the bigram part of field_terms ------------------------------------------------

/** Code point order: how Rust sorts strings (the BTreeSet of a field's synonym expansions). */
function byCodePoint(a, b) {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Analyzer::push_value: a value's tokens (of its normalised characters) from position `start`, a
 *  kanji's unigram beside the token it starts (and the last kanji of a run beside the run's last
 *  bigram). With `only`, just those terms are kept (positions still count every token). */
function pushValue(out, chars, start, gap, only) {
  const tokens = tokenize(chars);
  const keep = (t) => only === null || only.has(t);
  let end = start;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    const pos = start + index;
    if (keep(token.text)) out.push([token.text, pos]);
    if (script(chars[token.start]) === 'C') {
      const u = unigramTerm(chars[token.start]);
      if (keep(u)) out.push([u, pos]);
    }
    const lastOfRun = index + 1 >= tokens.length || tokens[index + 1].run !== token.run;
    if (lastOfRun && token.end - token.start === 2 && script(chars[token.end - 1]) === 'C') {
      const u = unigramTerm(chars[token.end - 1]);
      if (keep(u)) out.push([u, pos]);
    }
    end = pos + 1;
  }
  return end === start ? start : end + gap;
}

/** Analyzer::field_terms without lindera: [[term, position]] of a field made of `values`
 *  (with `only`, a Map or Set, just those terms). */
export function fieldTerms(values, synonymGroups, gap, only = null) {
  const out = [];
  let next = 0;
  const normalized = values.map((v) => normalizeWithMap(v, false));
  for (const n of normalized) next = pushValue(out, n.chars, next, gap, only);
  const extras = [...new Set(synonymExpansions(synonymGroups, normalized.map((n) => n.text).join('\n')))].sort(byCodePoint);
  for (const extra of extras) next = pushValue(out, Array.from(extra), next, gap, only);
  return out;
}

/**
 * A page's terms as the index holds them (doc.rs field_values + field_terms): Map term → per
 * field (title, headings, body) the sorted positions, or null. `page` is a display file's data;
 * `only` (a Map or Set), when given, keeps just those terms (a query reads a page for a few).
 */
export function pageTerms(page, synonymGroups, gap, only = null) {
  const headings = page.sections.filter(([anchor, heading]) => anchor !== null && heading !== '').map(([, h]) => h);
  const bodies = page.sections.map(([, , text]) => text).filter((t) => t !== '');
  const terms = new Map();
  [[page.title], headings.concat(page.tags), bodies].forEach((values, f) => {
    for (const [t, pos] of fieldTerms(values, synonymGroups, gap, only)) {
      if (!terms.has(t)) terms.set(t, [null, null, null]);
      const entry = terms.get(t);
      (entry[f] ||= []).push(pos);
    }
  });
  for (const entry of terms.values()) for (const list of entry) list?.sort((a, b) => a - b);
  return terms;
}

// ---- clause.rs ----------------------------------------------------------------------------------

const MAX_COMPONENT_DIGITS = 6;

export function canonicalNumber(word) {
  let body;
  if (word.startsWith('第') && word.endsWith('章') && word.length >= 2) body = word.slice(1, -1);
  else body = word.endsWith('.') ? word.slice(0, -1) : word;
  if (body === '') return null;
  const parts = [];
  for (const part of body.split(/[.-]/)) {
    if (part === '' || part.length > MAX_COMPONENT_DIGITS || !/^[0-9]+$/.test(part)) return null;
    const trimmed = part.replace(/^0+/, '');
    parts.push(trimmed === '' ? '0' : trimmed);
  }
  return parts.join('.');
}

function isStructuredNumber(word) {
  return canonicalNumber(word) !== null && (/[.-]/.test(word) || word.startsWith('第'));
}

function clauseTerm(c) {
  return c.corpus === null ? c.number : `${c.corpus}:${c.number}`;
}

function splitClauses(words, lookup, alone) {
  const clauses = [];
  const ids = [];
  const text = [];
  let i = 0;
  while (i < words.length) {
    const word = words[i];
    const sep = word.search(/[-:]/);
    if (sep !== -1) {
      const prefix = word.slice(0, sep);
      const number = canonicalNumber(word.slice(sep + 1));
      if (lookup.corpora.includes(prefix) && number !== null) {
        const c = { corpus: prefix, number };
        if (lookup.hasClause(c)) { clauses.push(c); i++; continue; }
      }
    }
    if (lookup.corpora.includes(word) && i + 1 < words.length) {
      const number = canonicalNumber(words[i + 1]);
      if (number !== null) {
        const c = { corpus: word, number };
        if (lookup.hasClause(c)) { clauses.push(c); i += 2; continue; }
      }
    }
    if (alone || isStructuredNumber(word)) {
      const number = canonicalNumber(word);
      if (number !== null) {
        const c = { corpus: null, number };
        if (lookup.hasClause(c)) { clauses.push(c); i++; continue; }
      }
    }
    if (word.includes('-') && lookup.hasId(word)) { ids.push(word); i++; continue; }
    text.push(word);
    i++;
  }
  return { clauses, ids, text };
}

// ---- query.rs -----------------------------------------------------------------------------------

export class QueryError extends Error {
  constructor(kind, max) {
    super(kind === 'empty' ? '検索語を入力してください（例: 暗号化、3.2.1）'
      : kind === 'tooLong' ? `検索語が長すぎます（${max}文字まで）`
      : `語が多すぎます（${max}語まで）`);
    this.kind = kind;
    this.max = max;
  }
}

/** The character of a one-character token that is a kanji, else null (query::lone_kanji). */
function loneKanji(text) {
  const chars = Array.from(text);
  return chars.length === 1 && script(chars[0]) === 'C' ? chars[0] : null;
}

function queryTerm(token) {
  const c = loneKanji(token.text);
  return c === null ? token.text : unigramTerm(c);
}

/** Raw input → {ids, clauses, terms, minMatch, bonus, phrases, text, quoted, highlightTokens}. */
export function parseQuery(raw, lookup, limits) {
  if (Array.from(raw).length > limits.chars) throw new QueryError('tooLong', limits.chars);
  const cleaned = raw.replace(CONTROL, ' ').replace(/[\u201C\u201D\u201E]/g, '"');
  const normalized = normalize(cleaned);
  if (trimWhite(normalized) === '') throw new QueryError('empty');
  let text = normalized;
  const quotes = (normalized.match(/"/g) || []).length;
  if (quotes % 2 === 1) {
    const at = normalized.lastIndexOf('"');
    text = `${normalized.slice(0, at)} ${normalized.slice(at + 1)}`;
  }
  const words = [];
  const phraseTexts = [];
  text.split('"').forEach((piece, index) => {
    if (index % 2 === 1) {
      const p = trimWhite(piece);
      if (p !== '') phraseTexts.push(p);
    } else {
      for (const w of piece.split(WHITE_RUN)) if (w !== '') words.push(w);
    }
  });
  if (words.length + phraseTexts.length > limits.terms) throw new QueryError('tooManyTerms', limits.terms);
  const alone = words.length === 1 && phraseTexts.length === 0;
  const split = splitClauses(words, lookup, alone);
  const q = {
    ids: split.ids, clauses: split.clauses, terms: [], minMatch: 0, words: [], bonus: [], phrases: [],
    text: split.text.join(' '), quoted: [], highlightTokens: [],
  };
  for (const word of split.text) {
    const tokens = tokenizeStr(word);
    const wordTerms = [];
    for (const t of tokens) {
      const term = queryTerm(t);
      if (!wordTerms.includes(term)) wordTerms.push(term);
      if (!q.terms.includes(term)) q.terms.push(term);
    }
    if (wordTerms.length > 0) q.words.push(wordTerms);
    if (tokens.length >= 2) q.bonus.push(tokens.map((t) => t.text));
    if (tokens.length > 0) q.highlightTokens.push(tokens);
  }
  for (const phrase of phraseTexts) {
    const tokens = tokenizeStr(phrase);
    if (tokens.length === 0) continue;
    q.phrases.push(tokens.length === 1 ? [queryTerm(tokens[0])] : tokens.map((t) => t.text));
    q.highlightTokens.push(tokens);
    q.quoted.push(phrase);
  }
  q.minMatch = q.terms.length === 0 ? 0 : required(q.terms.length, limits.minMatch);
  return q;
}

/** How many of n terms a ratio asks for: at least one, rounded up (query::required). */
export function required(n, ratio) {
  return Math.min(Math.max(Math.ceil(n * ratio), 1), Math.max(n, 1));
}

function hasText(q) {
  return q.terms.length > 0 || q.phrases.length > 0;
}

// ---- snippet.rs ---------------------------------------------------------------------------------

/** 'C' kanji, 'H' hiragana, 'K' katakana, null otherwise (bigram::script). */
function script(c) {
  const cp = c.codePointAt(0);
  if (cp >= 0x3041 && cp <= 0x309f) return 'H';
  if ((cp >= 0x30a1 && cp <= 0x30ff) || (cp >= 0x31f0 && cp <= 0x31ff)) return 'K';
  if (isJapanese(c)) return 'C';
  return null;
}

function isTwoCharStretch(chars, i) {
  const s = script(chars[i]);
  return (s === 'C' || s === 'K') &&
    i + 1 < chars.length && script(chars[i + 1]) === s &&
    (i === 0 || script(chars[i - 1]) !== s) &&
    (i + 2 >= chars.length || script(chars[i + 2]) !== s);
}

/** What to highlight: query tokens plus synonyms of what the query mentions. */
export function highlightTerms(q, synonymGroups) {
  const h = { terms: new Set(), whole: new Set(), unigrams: new Set() };
  const addRun = (run) => {
    const kanji = loneKanji(run[0].text);
    if (kanji !== null) {
      h.unigrams.add(kanji);
      return;
    }
    const chars = Array.from(run[0].text).concat(run.slice(1).map((t) => Array.from(t.text).pop()));
    run.forEach((token, i) => {
      h.terms.add(token.text);
      if (run.length === 1 || isTwoCharStretch(chars, i)) h.whole.add(token.text);
    });
  };
  const addRunTokens = (tokens) => {
    let first = 0;
    while (first < tokens.length) {
      let last = first;
      while (last + 1 < tokens.length && tokens[last + 1].run === tokens[first].run) last++;
      addRun(tokens.slice(first, last + 1));
      first = last + 1;
    }
  };
  for (const tokens of q.highlightTokens) addRunTokens(tokens);
  let mentioned = q.text;
  for (const p of q.quoted) mentioned += `\n${p}`;
  for (const extra of synonymExpansions(synonymGroups, mentioned)) addRunTokens(tokenizeStr(extra));
  return h;
}

/** Kept matches of a text: [[start, end, Set(terms)]] in original characters. Remembered per
 *  text in `h` (a query's highlight terms): the best section is marked to be chosen and again for
 *  its snippet, and pages share headings. */
export function mark(text, h) {
  if (!h.marks) h.marks = new Map();
  let spans = h.marks.get(text);
  if (spans === undefined) h.marks.set(text, spans = markText(text, h));
  return spans;
}

function markText(text, h) {
  const n = normalizeWithMap(text);
  const tokens = tokenize(n.chars);
  const spans = [];
  let i = 0;
  while (i < tokens.length) {
    if (!h.terms.has(tokens[i].text)) {
      i++;
      continue;
    }
    const first = i;
    while (i + 1 < tokens.length && tokens[i + 1].run === tokens[first].run && h.terms.has(tokens[i + 1].text)) i++;
    const chain = tokens.slice(first, i + 1);
    if (chain.length >= 2 || h.whole.has(chain[0].text)) {
      spans.push([n.origin[chain[0].start][0], n.origin[chain[chain.length - 1].end - 1][1], new Set(chain.map((t) => t.text))]);
    }
    i++;
  }
  if (h.unigrams.size > 0) {
    n.chars.forEach((c, index) => {
      if (h.unigrams.has(c)) spans.push([n.origin[index][0], n.origin[index][1], new Set([unigramTerm(c)])]);
    });
    spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  }
  return spans;
}

function distinctTerms(spans) {
  const all = new Set();
  for (const s of spans) for (const t of s[2]) all.add(t);
  return all.size;
}

/** Index of the best section ([[anchor, heading, text]]): most distinct matches, headings weigh more. */
export function bestSection(sections, h, headingWeight) {
  let best = 0;
  let bestScore = 0;
  sections.forEach(([, heading, text], index) => {
    const score = headingWeight * distinctTerms(mark(heading, h)) + distinctTerms(mark(text, h));
    if (score > bestScore) {
      best = index;
      bestScore = score;
    }
  });
  return best;
}

/** {text, highlights: [[start, end]] in characters of text}. */
export function makeSnippet(text, h, width, context) {
  const chars = Array.from(text);
  const spans = mark(text, h);
  let start = 0;
  let best = 0;
  for (const [spanStart] of spans) {
    const s = Math.max(0, spanStart - context);
    const e = Math.min(chars.length, s + width);
    const inside = new Set();
    for (const [a, b, terms] of spans) if (a >= s && b <= e) for (const t of terms) inside.add(t);
    if (inside.size > best) {
      best = inside.size;
      start = s;
    }
  }
  const end = Math.min(chars.length, start + width);
  const prefix = start > 0 ? 1 : 0;
  const out = (start > 0 ? '…' : '') + chars.slice(start, end).join('') + (end < chars.length ? '…' : '');
  const highlights = [];
  for (const [a0, b0] of spans) {
    const a = Math.max(a0, start);
    const b = Math.min(b0, end);
    if (a >= b) continue;
    const ra = a - start + prefix;
    const rb = b - start + prefix;
    const last = highlights[highlights.length - 1];
    if (last && ra <= last[1]) last[1] = Math.max(last[1], rb);
    else highlights.push([ra, rb]);
  }
  return { text: out, highlights };
}

// ---- static_index.rs / engine.rs ---------------------------------------------------------------

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/** An index file's bytes → its JSON. meta.json is plain JSON; the other files and blob members
 *  are raw deflate (static_index.rs `Z_SUFFIX`), unless a server sent a file with
 *  Content-Encoding and the browser has inflated it already: JSON starts with `{` or `[`, and the
 *  rare deflate stream that does too is not JSON. */
export async function decodeIndexFile(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (b[0] === 0x7b || b[0] === 0x5b) {
    try {
      return JSON.parse(DECODER.decode(b));
    } catch {
      // a deflate stream: inflated below
    }
  }
  return JSON.parse(DECODER.decode(await inflateRaw(b)));
}

/** Raw deflate → bytes. The bytes are written straight into the stream: reading them back from a
 *  Blob (`blob.stream()`) cost Chromium about 2 ms a file against 0.1–0.2 ms (bench/README.md,
 *  tenth pass). A corrupt stream rejects the result; the writer's own promises reject too and
 *  are ignored here. */
async function inflateRaw(bytes) {
  const stream = new DecompressionStream('deflate-raw');
  const writer = stream.writable.getWriter();
  writer.write(bytes).catch(() => {});
  writer.close().catch(() => {});
  return new Uint8Array(await new Response(stream.readable).arrayBuffer());
}

/** A page's record slot (page_records.rs: a two-byte length, the raw-deflate record, zeros) →
 *  the record's member. */
export function recordMember(slot) {
  const b = slot instanceof Uint8Array ? slot : new Uint8Array(slot);
  return b.subarray(2, 2 + (b[0] | (b[1] << 8)));
}

/** A page's record slot → {cover, lengths, counts: record id → tf per field} (page_records.rs
 *  `record`). */
async function decodeRecord(slot) {
  const bytes = await inflateRaw(recordMember(slot));
  let at = 0;
  const varint = () => {
    let v = 0;
    let scale = 1;
    let b;
    do {
      b = bytes[at++];
      v += (b & 0x7f) * scale;
      scale *= 128;
    } while (b >= 0x80);
    return v;
  };
  const cover = varint();
  const lengths = [varint(), varint(), varint()];
  const counts = new Map();
  let id = 0;
  while (at < bytes.length) {
    id += varint();
    const code = bytes[at++];
    counts.set(id, code < 32 ? [0, 0, code] : [0, 1, 2].map((f) => ((code - 32) & (1 << f) ? varint() : 0)));
  }
  return { cover, lengths, counts };
}

/** A term shard's header (two-byte little-endian lengths of its parts) → each part's byte range
 *  [start, end) in the file (the parts follow the header back to back; an empty part's range is
 *  empty). */
export function partRanges(header) {
  const b = header instanceof Uint8Array ? header : new Uint8Array(header);
  const ranges = [];
  let at = b.length - (b.length % 2);
  for (let i = 0; i + 1 < b.length; i += 2) {
    const end = at + (b[i] | (b[i + 1] << 8));
    ranges.push([at, end]);
    at = end;
  }
  return ranges;
}

/** The bytes [start, end) of a whole file's bytes when `range` is given ([start]: to the end;
 *  a loader reading whole files: Node's, or the browser's when a server ignored the Range
 *  header). */
export function byteRange(bytes, range) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return range ? b.subarray(range[0], range[1]) : b;
}

/** FNV-1a 32 over UTF-8 bytes. */
export function fnv1a(text) {
  let h = 0x811c9dc5;
  for (const b of ENCODER.encode(text)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

/**
 * Reads a flat postings list (static_index.rs `encode_list`) into `fields` (per field a Map
 * page → {tf, len, positions}) and `lengths` (page → field lengths); returns the pages.
 */
function decodeList(list, positional, fields, lengths) {
  const pages = [];
  let i = 0;
  let doc = 0;
  while (i < list.length) {
    doc += list[i++];
    const mask = list[i++];
    if (!lengths.has(doc)) lengths.set(doc, [null, null, null]);
    for (let f = 0; f < 3; f++) {
      if ((mask & (1 << f)) === 0) continue;
      const tf = list[i++];
      const len = list[i++];
      let positions = null;
      if (positional) {
        positions = new Array(tf);
        let p = 0;
        for (let k = 0; k < tf; k++) {
          p += list[i++];
          positions[k] = p;
        }
      }
      fields[f].set(doc, { tf, len, positions });
      lengths.get(doc)[f] = len;
    }
    pages.push(doc);
  }
  return pages;
}

/** A blob member `[blob, offset, length]` (static_index.rs `Blobs`) → the `load` arguments
 *  fetching just its bytes: the blob's path and the byte range [start, end). */
function blobMember([blob, offset, length]) {
  return [`b/${blob}.bin`, [offset, offset + length]];
}

// Impact map levels: `0`–`9`, `a`–`v` (static_index.rs MAP_DIGITS), by character code.
const LEVEL_OF = (() => {
  const table = new Uint8Array(128);
  '0123456789abcdefghijklmnopqrstuv'.split('').forEach((c, level) => { table[c.charCodeAt(0)] = level; });
  return table;
})();
const ZERO_LEVEL = '0'.charCodeAt(0);

/**
 * The postings of one term as far as they are fetched. A term stored whole in its shard is known
 * at once; a long one comes in blocks of decreasing impact (`frontier` bounds every page not yet
 * seen) and, when it has more than one block, an impact map in its first block (a bound of every
 * page's impact, 0 where the page lacks the term). A page's entry is never split between blocks,
 * so a page seen once has its tf and length known in every field; lists carry no positions
 * (`partial` until the page is read) unless `meta.positions` keeps them in whole lists. A term
 * with many pages in the map's lowest level also has a *fine map* of its own (`loadFine`), which
 * splits that level when the pages that can still rank sit in it.
 */
class TermPostings {
  constructor(term, entry, lengths, inlinePositions) {
    this.df = entry ? entry.slice(0, 3) : [0, 0, 0];
    this.fields = [new Map(), new Map(), new Map()];
    this.seen = new Set();
    this.partial = new Set(); // seen in a block: tf and length known, positions not
    this.absent = new Set(); // pages read whole (addPage) without this term
    this.lengths = lengths;
    this.positional = !term.startsWith('u:');
    const data = entry ? entry[3] : [];
    this.blocks = data.length > 0 && Array.isArray(data[0]) ? data : [];
    // Each block's blob member [blob, offset, length], then the fine map's: a term's members lie
    // back to back from the first block's place (static_index.rs `Blobs`).
    this.members = [];
    if (this.blocks.length > 0) {
      let [, blob, at] = this.blocks[0];
      for (const length of [this.blocks[0][3], ...this.blocks.slice(1).map((b) => b[1]), ...entry.slice(4)]) {
        this.members.push([blob, at, length]);
        at += length;
      }
    }
    // A term with an impact map may have a number in the pages' records (page_records.rs).
    this.id = this.blocks.length > 1 && this.blocks[0].length > 4 ? this.blocks[0][4] : null;
    this.levels = null; // the impact map (in the first block): one level character per page
    this.levelBounds = null; // [0, bound of level 1, …]
    this.fine = entry && entry.length > 4 ? this.members[this.blocks.length] : null; // the fine map's member
    this.fineBounds = null; // per page: its bound by the fine map (pages of level 1 only)
    this.finePending = null;
    this.lowestAsZero = false;
    this.next = 0;
    this.pending = null;
    // A list stored whole has positions only when the build kept them (`meta.positions`).
    if (this.blocks.length === 0) this.add(data, inlinePositions && this.positional);
  }

  /** A list's pages; `positional` false for a list without positions (static_index.rs). */
  add(list, positional) {
    for (const doc of decodeList(list, positional, this.fields, this.lengths)) {
      this.seen.add(doc);
      if (this.positional && !positional) this.partial.add(doc);
    }
  }

  /** Whether the page's entry is known with its positions (what a phrase needs). */
  placed(doc) {
    return this.seen.has(doc) && !this.partial.has(doc);
  }

  get exhausted() {
    return this.next >= this.blocks.length;
  }

  /** Upper bound of the term's score on any page not seen yet (0 when all are seen). */
  get frontier() {
    return this.exhausted ? 0 : this.blocks[this.next][0];
  }

  /** Whether every page's impact is bounded: all blocks fetched, or the map loaded. */
  get mapped() {
    return this.exhausted || this.levels !== null;
  }

  /** Upper bound of the term's score on a page not seen yet (0: the page lacks the term). */
  bound(doc) {
    return this.levels === null ? this.frontier : Math.min(this.frontier, this.mapBound(doc));
  }

  /** The impact map's bound of the term's score on a page (0: the page lacks the term). */
  mapBound(doc) {
    const level = LEVEL_OF[this.levels.charCodeAt(doc)];
    if (level === 1 && this.fineBounds !== null) return this.fineBounds[doc];
    // What a fine map could say at best (StaticIndex.fineMapsWorthFetching asks).
    if (level === 1 && this.lowestAsZero) return 0;
    return this.levelBounds[level];
  }

  /** Whether the map is loaded and puts the page in its lowest level, which a fine map not
   *  fetched yet would split. */
  refinable(doc) {
    return this.fine !== null && this.fineBounds === null && this.levels !== null && LEVEL_OF[this.levels.charCodeAt(doc)] === 1;
  }

  /** Fetches the fine map: `[[bound of fine level 1, …], levels]`, one level character per page
   *  of the map's level 1, in page order. */
  loadFine(load) {
    if (this.fine === null || this.fineBounds !== null || this.levels === null) return Promise.resolve();
    if (!this.finePending) {
      this.finePending = load(...blobMember(this.fine)).then(([bounds, levels]) => {
        const fineBounds = new Float64Array(this.levels.length);
        let k = 0;
        for (let doc = 0; doc < this.levels.length; doc++) {
          if (LEVEL_OF[this.levels.charCodeAt(doc)] !== 1) continue;
          const level = LEVEL_OF[levels.charCodeAt(k++)];
          fineBounds[doc] = level === 0 ? 0 : bounds[level - 1];
        }
        this.fineBounds = fineBounds;
        this.finePending = null;
      }, (err) => {
        this.finePending = null;
        throw err;
      });
    }
    return this.finePending;
  }

  /** Fetches the impact map (with the first block); a term stored whole or in one block has none. */
  loadMap(load) {
    return this.next === 0 ? this.advance(load) : Promise.resolve();
  }

  /** What a page's own text says of this term: `entry` from pageTerms, or undefined. */
  addPage(doc, entry, lengths) {
    if (this.placed(doc)) return;
    this.partial.delete(doc);
    if (!entry) {
      this.absent.add(doc);
      return;
    }
    entry.forEach((positions, f) => {
      if (positions) this.fields[f].set(doc, { tf: positions.length, len: lengths[f], positions: this.positional ? positions : null });
    });
    this.seen.add(doc);
  }

  /** What a page's record says of this term (`tfs`: its tf per field, or undefined when the
   *  page lacks it): tf and length known, positions not, as a block says. */
  addCounts(doc, tfs, lengths) {
    if (this.seen.has(doc) || this.absent.has(doc)) return;
    if (!tfs) {
      this.absent.add(doc);
      return;
    }
    tfs.forEach((tf, f) => {
      if (tf > 0) this.fields[f].set(doc, { tf, len: lengths[f], positions: null });
    });
    this.seen.add(doc);
    if (this.positional) this.partial.add(doc);
  }

  /** 'yes' (seen), 'no' (not in the term's postings) or 'unk' (not seen: its score is unknown,
   *  and whether the page has it at all unless the term is `mapped`). */
  state(doc) {
    if (this.seen.has(doc)) return 'yes';
    if (this.exhausted || this.absent.has(doc)) return 'no';
    return this.levels !== null && this.levels.charCodeAt(doc) === ZERO_LEVEL ? 'no' : 'unk';
  }

  /** Fetches the next block; the state changes in one step when it has arrived. */
  advance(load) {
    if (!this.pending && !this.exhausted) {
      this.pending = load(...blobMember(this.members[this.next])).then((data) => {
        // A term in one block has no map: the block is its whole list.
        if (this.next === 0 && this.blocks.length > 1) {
          const [list, [bounds, levels]] = data;
          this.add(list, false);
          this.levelBounds = [0, ...bounds];
          this.levels = levels;
        } else this.add(data, false);
        this.next++;
        this.pending = null;
      }, (err) => {
        this.pending = null;
        throw err;
      });
    }
    return this.pending || Promise.resolve();
  }
}

// The round (the first: directory entries only; the second: after the first blocks of the terms
// that could change the ranking most) whose unsettled ranking fetches the first blocks, and with
// them the impact maps, of every open term.
const MAP_ROUND = 2;
// With the maps, undecided pages are read whole; once this many have been read and more than this
// many are still undecided (pages that tie, such as generated near-copies), the next blocks
// instead, which settle many pages at once.
const READ_MAPPED = 24;
// Undecided pages read in the first reading round and in each later one. Two a round read the
// fewest bytes on the frequent queries (bench/README.md, *first query*); six in the first round
// read the same bytes, within 1 % summed over both bench sets at 1,000, 5,000 and 20,000 pages,
// in two rounds fewer (each a round trip; bench/README.md, eleventh pass). The first round's
// pages are mostly results, whose files the list shows anyway.
const READ_FIRST = 6;
const READ_BATCH = 2;
// A challenger (a page not among the first results) whose bound lies within this factor of the
// last first result's score: its record first (page_records.rs), for a seventh of its file. One
// further above is likely to rank, and its file is read (and shown) anyway (bench/README.md,
// ninth pass: 1.1 against 1.2, 1.3, 1.5 and 2).
const RECORD_MARGIN = 1.1;

/**
 * The static index: `load(relPath, range)` returns the bytes (Uint8Array or ArrayBuffer) of a file
 * of the index directory, or with `range` = [start, end) just those bytes of it (an HTTP range
 * request in the browser, readFile and `byteRange` under Node). Every file or range is loaded
 * once, on demand; `this.load` gives its JSON (or, for a page record, the decoded record).
 */
export class StaticIndex {
  static async open(load) {
    return new StaticIndex(await decodeIndexFile(await load('meta.json')), load);
  }

  constructor(meta, load) {
    if (meta.version !== 10) throw new Error(`unsupported search index version ${meta.version}`);
    this.meta = meta;
    this.suffix = meta.suffix;
    this.files = new Map();
    this.load = (path, range, decode = decodeIndexFile) => {
      const key = range ? `${path}@${range[0]}` : path;
      if (!this.files.has(key)) {
        this.files.set(key, load(path, range).then(decode).catch((err) => {
          this.files.delete(key); // a later query may try again
          throw err;
        }));
      }
      return this.files.get(key);
    };
    this.terms = new Map(); // term → Promise<TermPostings>
    this.keys = new Map(); // lookup key → value, for the fetched lookup shards
    this.keyShards = new Set();
    this.lengths = new Map(); // page → field lengths seen in any postings
    const n = meta.count;
    this.avg = meta.totals.map((total) => (n > 0 ? total / n : 0));
    this.lookup = {
      corpora: meta.corpora,
      hasClause: (c) => this.keys.has(`c:${clauseTerm(c)}`),
      hasId: (id) => this.keys.has(`i:${id}`),
    };
  }

  /** Parses a query; first fetches the lookup shards of every word that may be a clause or id. */
  async parse(raw) {
    const asked = new Set();
    const probe = {
      corpora: this.meta.corpora,
      hasClause: (c) => { asked.add(`c:${clauseTerm(c)}`); return false; },
      hasId: (id) => { asked.add(`i:${id}`); return false; },
    };
    // Answering "no" to every question visits every word the real parse may ask about.
    parseQuery(raw, probe, this.meta.limits);
    const shards = new Set([...asked].map((k) => fnv1a(k) % this.meta.shards.k));
    await Promise.all([...shards].filter((s) => !this.keyShards.has(s)).map(async (s) => {
      const shard = await this.load(`k/${s}${this.suffix}`);
      for (const [key, value] of Object.entries(shard)) this.keys.set(key, value);
      this.keyShards.add(s);
    }));
    return parseQuery(raw, this.lookup, this.meta.limits);
  }

  /** The postings of a term (its directory entry, then blocks on demand). The entry lies in one
   *  part of its shard's file: the file's header gives the parts' lengths, and the part is read by
   *  a range (static_index.rs `write_term_shards`); an empty part means an unknown term. */
  term(t) {
    if (!this.terms.has(t)) {
      const { t: count, parts } = this.meta.shards;
      const h = fnv1a(t);
      const path = `t/${h % count}.bin`;
      const part = Math.floor(h / count) % parts;
      const promise = this.load(path, [0, 2 * parts], partRanges)
        .then((ranges) => {
          // A short header (a truncated file) would read as unknown terms: an error instead.
          if (ranges.length !== parts) throw new Error(`${path}: a header of ${ranges.length} part lengths, not ${parts}`);
          const [start, end] = ranges[part];
          return end > start ? this.load(path, [start, end]) : {};
        })
        .then((shard) => new TermPostings(t, shard[t], this.lengths, this.meta.positions));
      promise.catch(() => this.terms.delete(t));
      this.terms.set(t, promise);
    }
    return this.terms.get(t);
  }

  boostOf(doc) {
    return doc < this.meta.primary ? this.meta.primaryBoost : 1;
  }

  bm25(weight, tf, len, field) {
    const { k1, b } = this.meta;
    return weight * (1 + k1) * tf / (tf + k1 * (1 - b + b * len / this.avg[field]));
  }

  idf(df) {
    if (!this.idfs) this.idfs = new Map();
    let v = this.idfs.get(df);
    if (v === undefined) {
      const n = this.meta.count;
      this.idfs.set(df, v = Math.log(1 + (n - df + 0.5) / (df + 0.5)));
    }
    return v;
  }

  /** Sum of the idfs of a phrase's tokens in field f (the phrase's idf), once per phrase. */
  phraseIdf(post, seq, f) {
    if (seq.length === 1) return this.idf(post.get(seq[0]).df[f]);
    if (!this.phraseIdfs) this.phraseIdfs = new WeakMap();
    let sums = this.phraseIdfs.get(seq);
    if (!sums) {
      sums = [0, 1, 2].map((g) => seq.reduce((sum, t) => sum + this.idf(post.get(t).df[g]), 0));
      this.phraseIdfs.set(seq, sums);
    }
    return sums[f];
  }

  /** Score of a term (one token) or phrase (several) on a page whose postings of every token are
   *  known, summed over fields, boost included; 0 = no match. */
  sequenceScore(post, seq, doc, weight) {
    let score = 0;
    for (let f = 0; f < 3; f++) {
      const entries = seq.map((t) => post.get(t).fields[f].get(doc));
      if (entries.some((e) => e === undefined)) continue;
      let tf;
      if (seq.length === 1) tf = entries[0].tf;
      else {
        const rest = entries.slice(1).map((e) => new Set(e.positions));
        tf = entries[0].positions.filter((p) => rest.every((s, k) => s.has(p + k + 1))).length;
      }
      if (tf === 0) continue;
      score += this.bm25(this.phraseIdf(post, seq, f) * this.meta.boosts[f] * weight, tf, entries[0].len, f);
    }
    return score * this.boostOf(doc);
  }

  /** Largest tf the term can have in field f of a page not seen in its postings yet: the page's
   *  score for the term is at most the frontier. */
  tfBound(tp, doc, f, len) {
    if (tp.df[f] === 0) return 0;
    const { k1, b } = this.meta;
    const most = tp.bound(doc);
    const w = this.boostOf(doc) * this.idf(tp.df[f]) * this.meta.boosts[f] * (1 + k1);
    if (most >= w) return Infinity;
    const norm = k1 * (1 - b + b * len / this.avg[f]);
    return Math.floor(most * norm / (w - most) + 1e-9);
  }

  /** Per token of `seq`: the largest ratio, over the fields holding it, of the idf sum of `seq`
   *  to the token's idf. Fixed for a query (the dfs are), so computed once per phrase. */
  phraseRatios(post, seq) {
    if (!this.ratios) this.ratios = new WeakMap();
    let ratios = this.ratios.get(seq);
    if (!ratios) {
      ratios = seq.map((t) => {
        let most = 0;
        for (let f = 0; f < 3; f++) {
          const df = post.get(t).df[f];
          if (df > 0) most = Math.max(most, this.phraseIdf(post, seq, f) / this.idf(df));
        }
        return most;
      });
      this.ratios.set(seq, ratios);
    }
    return ratios;
  }

  /** Per token: its score on the page (known, or its bound). The phrase occurs at most as often
   *  as any one token, so it scores at most that token's score times the largest ratio, over the
   *  fields the token is in, of the phrase's idf to the token's (`phraseRatios`). */
  coarseBound(post, seq, doc, weight) {
    const ratios = this.phraseRatios(post, seq);
    let sum = 0;
    let least = Infinity;
    for (let k = 0; k < seq.length; k++) {
      const tp = post.get(seq[k]);
      const s = tp.state(doc);
      const score = s === 'yes' ? this.sequenceScore(post, [seq[k]], doc, 1) : s === 'no' ? 0 : tp.bound(doc);
      sum += score;
      least = Math.min(least, score * ratios[k]);
    }
    return weight * Math.min(sum, least);
  }

  /**
   * Upper bound of a phrase's score on a page while some of its tokens are unknown there. Per
   * field, the phrase cannot occur more often than its known tokens occur together at the right
   * offsets, nor than any unknown token can occur (`tfBound`); with no such limit, a phrase scores
   * at most the sum of its tokens' scores (its idf is their sum and its tf at most each of theirs).
   */
  sequenceBound(post, seq, doc, weight) {
    let total = 0;
    const lengths = this.lengths.get(doc);
    for (let f = 0; f < 3; f++) {
      const len = lengths?.[f] ?? null;
      let most = Infinity;
      const known = [];
      for (let k = 0; k < seq.length && most > 0; k++) {
        const tp = post.get(seq[k]);
        const s = tp.state(doc);
        if (s === 'no') most = 0;
        else if (s === 'yes') {
          const e = tp.fields[f].get(doc);
          if (e === undefined) most = 0;
          else {
            most = Math.min(most, e.tf);
            if (e.positions) known.push([e.positions, k]);
          }
        } else if (len !== null) most = Math.min(most, this.tfBound(tp, doc, f, len));
      }
      if (most === 0) continue;
      if (most === Infinity || len === null) return this.coarseBound(post, seq, doc, weight);
      if (known.length >= 2) {
        const [first, at] = known[0];
        const rest = known.slice(1).map(([positions, k]) => [new Set(positions), k - at]);
        most = Math.min(most, first.filter((p) => rest.every(([s, d]) => s.has(p + d))).length);
        if (most === 0) continue;
      }
      total += this.bm25(this.phraseIdf(post, seq, f) * this.meta.boosts[f] * weight, most, len, f);
    }
    // Summed and boosted in sequenceScore's order: a bound reached exactly is the same number.
    return total * this.boostOf(doc);
  }

  /**
   * What is known of a page's rank: its score lies in [lb, ub], `qual` is 'yes' when it certainly
   * qualifies (phrases, MIN_MATCH_RATIO) and 'maybe' when that depends on unknown postings; null
   * when it certainly does not. `tierLB`/`tierUB` bound whether it matches every word.
   */
  bounds(q, post, doc, scores) {
    // Called for every candidate page in every round: loops and one reused array, no per-call
    // sets (a 5,000-page site bounds thousands of pages per query).
    const plan = this.planOf(q);
    let lb = 0;
    let ub = 0;
    let qual = 'yes';
    for (const phrase of q.phrases) {
      const s = this.statesOf(post, phrase, doc);
      if (s === 'no') return null;
      if (s === 'yes') {
        const v = this.sequenceScore(post, phrase, doc, 1);
        if (v === 0) return null;
        lb += v;
        ub += v;
      } else {
        qual = 'maybe';
        ub += this.sequenceBound(post, phrase, doc, 1);
      }
    }
    // Per term: 1 on the page (seen, or a mapped term its map places there), 2 unknown, 0 not.
    const on = plan.on;
    let matched = 0;
    let unknown = 0;
    for (let i = 0; i < q.terms.length; i++) {
      const t = q.terms[i];
      const tp = post.get(t);
      const s = tp.state(doc);
      on[i] = 0;
      if (s === 'yes') {
        // A known term's score on a page never changes: computed once per query.
        let v = scores.get(t).get(doc);
        if (v === undefined) scores.get(t).set(doc, v = this.sequenceScore(post, [t], doc, 1));
        on[i] = 1;
        matched++;
        lb += v;
        ub += v;
      } else if (s === 'unk') {
        // A mapped term is known to be on the page (its map says so) before its score is known.
        if (tp.mapped) {
          on[i] = 1;
          matched++;
        } else {
          on[i] = 2;
          unknown++;
        }
        ub += tp.bound(doc);
      }
    }
    if (q.terms.length > 0) {
      if (matched + unknown < q.minMatch) return null;
      if (matched < q.minMatch) qual = 'maybe';
    }
    for (const seq of q.bonus) {
      const s = this.statesOf(post, seq, doc);
      if (s === 'no') continue;
      if (s === 'yes') {
        const v = this.sequenceScore(post, seq, doc, this.meta.bonus);
        lb += v;
        ub += v;
      } else ub += this.sequenceBound(post, seq, doc, this.meta.bonus);
    }
    let tierLB = 1;
    let tierUB = 1;
    for (const { terms, need } of plan.words) {
      let sure = 0;
      let may = 0;
      for (const i of terms) {
        if (on[i] === 1) sure++;
        if (on[i] !== 0) may++;
      }
      if (sure < need) tierLB = 0;
      if (may < need) tierUB = 0;
    }
    const exact = qual === 'yes' && lb === ub && tierLB === tierUB;
    return { doc, lb, ub, qual, tierLB, tierUB, exact };
  }

  /** 'no' when a token of `seq` is not on the page, 'yes' when every one is seen (with its
   *  positions, for a phrase of several tokens), else 'unk'. */
  statesOf(post, seq, doc) {
    let all = 'yes';
    for (const t of seq) {
      const tp = post.get(t);
      const s = tp.state(doc);
      if (s === 'no') return 'no';
      if (s !== 'yes' || (seq.length > 1 && !tp.placed(doc))) all = 'unk';
    }
    return all;
  }

  /** Per query, once: each word's terms as indices into q.terms, and how many it needs. */
  planOf(q) {
    if (!this.plans) this.plans = new WeakMap();
    let plan = this.plans.get(q);
    if (!plan) {
      const { wordMatch } = this.meta.limits;
      plan = {
        on: new Uint8Array(q.terms.length),
        words: q.words.map((w) => ({ terms: w.map((t) => q.terms.indexOf(t)), need: required(w.length, wordMatch) })),
      };
      this.plans.set(q, plan);
    }
    return plan;
  }

  /** The same for every page not seen in any fetched postings (null: none can qualify). Such a
   *  page has none of the fully fetched terms, so a phrase or bonus needing one cannot occur. */
  unseenBounds(q, post) {
    const live = (t) => !post.get(t).exhausted;
    const frontier = (seq) => seq.reduce((sum, t) => sum + post.get(t).frontier, 0);
    if (!q.phrases.every((p) => p.every(live))) return null;
    if (q.terms.length > 0 && q.terms.filter(live).length < q.minMatch) return null;
    let ub = frontier(q.terms) + q.phrases.reduce((sum, p) => sum + frontier(p), 0);
    for (const seq of q.bonus) if (seq.every(live)) ub += this.meta.bonus * frontier(seq);
    const { wordMatch } = this.meta.limits;
    const tierUB = q.words.every((w) => w.filter(live).length >= required(w.length, wordMatch)) ? 1 : 0;
    return { doc: -1, lb: 0, ub, qual: 'maybe', tierLB: 0, tierUB, exact: false };
  }

  /**
   * The first `want` pages by (every word matched, score, page number) — engine.rs's two tiers —
   * once the fetched postings prove them: `{hits}`. Else what stands in the way: `pages` whose
   * bounds overlap where the order is decided, and `unseen` when pages not seen yet still could
   * rank. `done` caches pages whose every term is settled (their bounds cannot change) and pages
   * out of the running (null): the first pages' lower bounds only rise and every page's upper
   * bound only falls, so a page they beat once stays beaten.
   */
  settle(q, post, needed, want, done, scores, cache) {
    // Once every term is mapped, every page is bounded: all of them are candidates (a page
    // lacking every term drops out at once). Else the pages seen in some postings, and `unseen`.
    const mapped = needed.every((t) => post.get(t).mapped);
    const seen = new Set();
    if (!mapped) for (const t of needed) for (const d of post.get(t).seen) seen.add(d);
    // A page's bounds change only when a block or map arrives, or when the page is read (which
    // drops it from the cache): with the maps, rounds that read pages reuse every other bound.
    const version = needed.map((t) => `${post.get(t).next}${post.get(t).mapped ? 'm' : ''}${post.get(t).fineBounds ? 'f' : ''}`).join();
    if (cache.version !== version) {
      cache.clear();
      cache.version = version;
    }
    const known = [];
    const visit = (doc) => {
      let b = done.get(doc);
      if (b === undefined) {
        b = cache.get(doc);
        if (b === undefined) {
          b = this.bounds(q, post, doc, scores);
          if (needed.every((t) => post.get(t).state(doc) !== 'unk' && !post.get(t).partial.has(doc))) done.set(doc, b);
          else cache.set(doc, b);
        }
      }
      if (b) known.push(b);
    };
    if (mapped) for (let doc = 0; doc < this.meta.count; doc++) visit(doc);
    else for (const doc of seen) visit(doc);
    // The first `want` qualified pages by (tierLB, lb, page): kept in order while scanning, as
    // sorting every known page (all of them once every term is mapped) each round cost more.
    const order = (a, b) => (b.tierLB - a.tierLB) || (b.lb - a.lb) || (a.doc - b.doc);
    const top = [];
    for (const e of known) {
      if (e.qual !== 'yes' || want === 0) continue;
      if (top.length === want) {
        if (order(e, top[want - 1]) >= 0) continue;
        top.pop();
      }
      let i = top.length;
      top.push(e);
      for (; i > 0 && order(e, top[i - 1]) < 0; i--) top[i] = top[i - 1];
      top[i] = e;
    }
    const chosen = new Set(top.map((e) => e.doc));
    const rest = known.filter((e) => !chosen.has(e.doc));
    const unseen = mapped ? null : this.unseenBounds(q, post);
    if (unseen) rest.push(unseen);
    const beats = (x, y) => {
      if (x.exact && y.exact) return x.tierLB > y.tierLB || (x.tierLB === y.tierLB && (x.lb > y.lb || (x.lb === y.lb && x.doc < y.doc)));
      // y scoring at most x's known score, y later in reading order: a tie, which x wins.
      return x.tierLB > y.tierUB || (x.tierLB >= y.tierUB && (x.lb > y.ub || (x.lb === y.ub && x.doc < y.doc)));
    };
    const blocking = new Set();
    const block = (e) => { if (!e.exact) blocking.add(e); };
    for (let i = 0; i + 1 < top.length; i++) {
      if (!beats(top[i], top[i + 1])) { block(top[i]); block(top[i + 1]); }
    }
    const last = top[top.length - 1];
    for (const y of rest) {
      if (top.length === want && y !== unseen && beats(last, y)) {
        done.set(y.doc, null);
        if (y.qual === 'yes') done.qualifiedOut = true;
        continue;
      }
      // Each first page that does not surely beat y (all of them while there are fewer than
      // `want`) is undecided against it, and so is y.
      let undecided = false;
      for (const x of top) {
        if (top.length < want || !beats(x, y)) {
          block(x);
          undecided = true;
        }
      }
      if (undecided || top.length < want) block(y);
    }
    if (blocking.size === 0) {
      // Whether a page beyond the first `want` qualifies: surely when one is known to, surely not
      // when no other page may; null when only unknown postings could tell.
      const others = known.filter((e) => !chosen.has(e.doc));
      const more = done.qualifiedOut || others.some((e) => e.qual === 'yes') ? true : (others.length === 0 && !unseen ? false : null);
      return { hits: top.map((e) => ({ doc: e.doc, score: e.lb, allWords: e.tierLB === 1 })), more };
    }
    // The undecided pages that may rank highest first.
    const pages = [...blocking].filter((e) => e !== unseen).sort((a, b) => (b.ub - a.ub) || (a.doc - b.doc)).map((e) => e.doc);
    const bounds = new Map([...blocking].map((e) => [e.doc, e]));
    return { pages, unseen: blocking.has(unseen), last: top.length === want ? last : null, chosen, bounds };
  }

  /** Reads a page's record (its tf of the most frequent mapped terms, and its field lengths):
   *  those terms' scores there become known, and their phrases and adjacency bonus bounded by
   *  the least tf of their tokens. */
  async readRecord(doc, post) {
    const { cover, lengths, counts } = await this.record(doc);
    this.lengths.set(doc, lengths);
    for (const tp of post.values()) if (tp.id !== null && tp.id < cover) tp.addCounts(doc, counts.get(tp.id), lengths);
  }

  /** Reads a page whole (its display file) and settles every needed term there. */
  async readPage(doc, post) {
    const p = await this.page(doc);
    const terms = pageTerms(p, this.meta.synonyms, this.meta.gap, post);
    this.lengths.set(doc, p.lengths);
    for (const [t, tp] of post) tp.addPage(doc, terms.get(t), p.lengths);
  }

  /**
   * Ranked text hits (at most `want`). Postings come in blocks, most important first; a round
   * fetches the next blocks of the terms that can change the ranking most, or, once only a few
   * pages remain undecided, those pages' own files (which the result list shows anyway). When the
   * first blocks do not settle the ranking (several frequent words: the top pages sit deep in
   * every list), the open terms' impact maps bound every page instead, and the undecided pages
   * are read whole, highest bound first, a few at a time, until the top `want` are proven.
   */
  async textSearch(q, want) {
    const found = await this.proveTop(q, want);
    if (found.more !== null) return found;
    // Rare (few pages qualify, some only maybe): prove one page more to tell.
    const again = await this.proveTop(q, want + 1);
    return { hits: again.hits.slice(0, want), more: again.hits.length > want };
  }

  /** {hits: the first `want` text hits, more: whether another page qualifies (null: unknown)}. */
  async proveTop(q, want) {
    const needed = [...new Set([...q.terms, ...q.phrases.flat(), ...q.bonus.flat()])];
    const post = new Map(await Promise.all(needed.map(async (t) => [t, await this.term(t)])));
    // How much a term's unseen pages can still count: the frontier times the term itself and
    // each phrase or adjacency bonus it is part of that can still occur (a phrase scores at most
    // the sum of its tokens' scores).
    const live = (t) => !post.get(t).exhausted;
    const reach = (t) => {
      let times = q.terms.includes(t) ? 1 : 0;
      for (const seq of q.bonus) if (seq.every(live)) times += this.meta.bonus * seq.filter((x) => x === t).length;
      for (const seq of q.phrases) times += seq.filter((x) => x === t).length;
      return times * post.get(t).frontier;
    };
    const done = new Map(); // and done.qualifiedOut: a page left out as beaten qualified
    const cache = new Map(); // page → bounds while unsettled (settle)
    const scores = new Map(needed.map((t) => [t, new Map()]));
    const read = new Set();
    const recorded = new Set();
    for (let round = 1; ; round++) {
      const { hits, more, pages, unseen, last, chosen, bounds } = this.settle(q, post, needed, want, done, scores, cache);
      if (hits) return { hits, more };
      const open = needed.filter(live);
      if (round === MAP_ROUND && open.some((t) => !post.get(t).mapped)) {
        await Promise.all(open.map((t) => post.get(t).loadMap(this.load)));
        continue;
      }
      // While pages never seen could still rank, or many seen ones are undecided: the next blocks
      // of the terms that could change the ranking most (within half of the largest reach). Then
      // the few undecided pages are read whole (the list shows the winners' files anyway); with
      // every page bounded by the maps, the undecided ones are read a few at a time instead.
      const mapped = open.every((t) => post.get(t).mapped);
      const few = pages.length <= want || open.length === 0;
      const unread = pages.filter((doc) => !read.has(doc));
      // Before reading the next pages: when fine maps could decide every one of them (they sit
      // in the lowest level of some terms' maps), those terms' fine maps instead (a few hundred
      // bytes each, where each read costs a page's file). Pages that may rank are read as before.
      const next = unread.slice(0, read.size === 0 ? READ_FIRST : READ_BATCH);
      if (mapped && last && next.length > 0) {
        const refine = this.fineMapsWorthFetching(q, post, open, next, last, scores);
        if (refine.length > 0) {
          await Promise.all(refine.map((t) => post.get(t).loadFine(this.load)));
          continue;
        }
      }
      let toRead = [];
      if (mapped && (read.size < READ_MAPPED || pages.length <= READ_MAPPED || open.length === 0)) toRead = unread.slice(0, read.size === 0 ? READ_FIRST : READ_BATCH);
      else if (few && !unseen) toRead = unread;
      // A challenger (not among the first `want`) whose bound barely reaches the last of them:
      // its record first, which settles most such near-ties for a seventh of the page's file.
      // The first pages are shown, so their files are read anyway.
      const recordFirst = (doc) => {
        const b = bounds.get(doc);
        return this.meta.record > 0 && last && !chosen.has(doc) && !recorded.has(doc) && b.tierUB <= last.tierLB && b.ub < last.lb * RECORD_MARGIN;
      };
      const toRecord = toRead.filter(recordFirst);
      toRead = toRead.filter((doc) => !toRecord.includes(doc));
      for (const doc of toRead) read.add(doc);
      for (const doc of toRecord) recorded.add(doc);
      const jobs = toRead.map((doc) => this.readPage(doc, post).then(() => cache.delete(doc)));
      jobs.push(...toRecord.map((doc) => this.readRecord(doc, post).then(() => cache.delete(doc))));
      if (toRead.length + toRecord.length === 0 && (unseen || !few) && open.length > 0) {
        const reaches = open.map(reach);
        const most = Math.max(...reaches);
        jobs.push(...open.filter((_, i) => reaches[i] >= most / 2).map((t) => post.get(t).advance(this.load)));
      }
      if (jobs.length === 0) throw new Error('search: the ranking did not settle with every posting known');
      await Promise.all(jobs);
    }
  }

  /** The open terms whose fine maps could decide every one of `pages` (undecided) against
   *  the last of the first pages (`last`): a page is decided when its bound, with those terms
   *  counting nothing where it lies in their maps' lowest level (the best a fine map can say),
   *  falls below `last`'s score. Empty when one of the pages cannot be decided that way. */
  fineMapsWorthFetching(q, post, open, pages, last, scores) {
    const worth = new Set();
    for (const doc of pages) {
      const terms = open.filter((t) => post.get(t).refinable(doc) && post.get(t).state(doc) === 'unk');
      if (terms.length === 0) return [];
      for (const t of terms) post.get(t).lowestAsZero = true;
      const b = this.bounds(q, post, doc, scores);
      for (const t of terms) post.get(t).lowestAsZero = false;
      if (!(b === null || last.tierLB > b.tierUB || (last.tierLB >= b.tierUB && last.lb > b.ub))) return [];
      for (const t of terms) worth.add(t);
    }
    return [...worth];
  }

  /** {query: the parsed query, hits: ranked [{doc, score}] (at most `limit`), more: whether
   *  another page would follow}; throws QueryError. */
  async search(raw, limit) {
    const q = await this.parse(raw);
    const exact = [];
    const push = (docs) => { for (const d of docs || []) if (!exact.includes(d)) exact.push(d); };
    for (const id of q.ids) push(this.keys.get(`i:${id}`)?.[0]);
    for (const c of q.clauses) push(this.keys.get(`c:${clauseTerm(c)}`)?.[0]);
    if (!hasText(q)) for (const c of q.clauses) push(this.keys.get(`c:${clauseTerm(c)}`)?.[1]);
    let text = [];
    let moreText = false;
    if (hasText(q) && limit > 0) {
      const found = await this.textSearch(q, limit + exact.length);
      text = found.hits.filter((h) => !exact.includes(h.doc));
      moreText = found.more;
    }
    const top = text.reduce((m, h) => Math.max(m, h.score), 0);
    const hits = exact.map((doc, rank) => ({ doc, score: top + (exact.length - rank) })).concat(text);
    return { query: q, hits: hits.slice(0, limit), more: hits.length > limit || moreText };
  }

  /** A page's file (after its record's slot): {id, url, title, number, breadcrumb, sections,
   *  tags, lengths}. */
  async page(doc) {
    const slot = this.meta.record;
    const [id, url, title, number, breadcrumb, sections, tags, lengths] = await this.load(`d/${doc}${this.suffix}`, slot > 0 ? [slot] : undefined);
    return { id, url, title, number, breadcrumb, sections, tags, lengths };
  }

  /** A page's record (page_records.rs), the slot at the start of its file: {cover, lengths,
   *  counts: record id → tf per field}. */
  record(doc) {
    return this.load(`d/${doc}${this.suffix}`, [0, this.meta.record], decodeRecord);
  }

  /** Best section, deep link and snippet of a hit (as the server's engine::Hit). */
  async present(hit, query) {
    const p = await this.page(hit.doc);
    // One set of highlight terms (and its remembered marks) per query, for all its hits.
    if (!this.highlights) this.highlights = new WeakMap();
    let h = this.highlights.get(query);
    if (!h) this.highlights.set(query, h = highlightTerms(query, this.meta.synonyms));
    const { snippet: width, context, headingWeight } = this.meta.limits;
    const best = p.sections.length > 0 ? bestSection(p.sections, h, headingWeight) : -1;
    const section = best >= 0 ? p.sections[best] : null;
    const snip = section ? makeSnippet(section[2], h, width, context) : { text: '', highlights: [] };
    const anchor = section ? section[0] : null;
    return {
      id: p.id, title: p.title, number: p.number, breadcrumb: p.breadcrumb,
      url: anchor ? `${p.url}#${anchor}` : p.url,
      section: anchor ? section[1] : null,
      snippet: snip.text, highlights: snip.highlights, score: hit.score,
    };
  }
}
