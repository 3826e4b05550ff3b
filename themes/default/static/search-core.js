// search-core.js — the browser half of shishin's search, with no DOM: it runs in the page (imported
// by search.js) and under Node (tests/js/). Every function mirrors a Rust one in src/search/; the
// comment names it. Normalisation and the bigram tokeniser must stay identical to the Rust side:
// tests/search_engine.rs and tests/js/tokenizer.test.mjs pin both to tests/fixtures/tokenizer-*.

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

function continuesChunk(c) {
  return COMBINING.test(c) || c === '\uFF9E' || c === '\uFF9F';
}

function isKatakanaLetter(c) {
  const cp = c.codePointAt(0);
  return (cp >= 0x30a1 && cp <= 0x30fa) || cp === 0x30fc;
}

/** NFKC, lowercase and trailing-ー folding, chunk by chunk, with a map to original characters. */
export function normalizeWithMap(text) {
  const original = Array.from(text);
  const chars = [];
  const origin = [];
  let start = 0;
  while (start < original.length) {
    let end = start + 1;
    while (end < original.length && continuesChunk(original[end])) end++;
    const chunk = original.slice(start, end).join('').normalize('NFKC').toLowerCase();
    for (const c of chunk) {
      chars.push(c);
      origin.push([start, end]);
    }
    start = end;
  }
  foldLongVowels(chars, origin);
  return { text: chars.join(''), chars, origin };
}

export function normalize(text) {
  return normalizeWithMap(text).text;
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
      origin[i - 2] = [origin[i - 2][0], origin[i - 1][1]];
    }
  }
  let w = 0;
  for (let r = 0; r < chars.length; r++) {
    if (!keep[r]) continue;
    chars[w] = chars[r];
    origin[w] = origin[r];
    w++;
  }
  chars.length = w;
  origin.length = w;
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

/** Kept matches of a text: [[start, end, Set(terms)]] in original characters. */
export function mark(text, h) {
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

/** FNV-1a 32 over UTF-8 bytes. */
export function fnv1a(text) {
  let h = 0x811c9dc5;
  for (const b of ENCODER.encode(text)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

function decodeField(list, withPositions) {
  const map = new Map();
  let i = 0;
  let doc = 0;
  while (i < list.length) {
    doc += list[i++];
    const tf = list[i++];
    let positions = null;
    if (withPositions) {
      positions = new Array(tf);
      let p = 0;
      for (let k = 0; k < tf; k++) {
        p += list[i++];
        positions[k] = p;
      }
    }
    map.set(doc, { tf, positions });
  }
  return map;
}

/**
 * The static index: `load(relPath)` returns the parsed JSON of a file of the index directory
 * (fetch in the browser, readFile under Node). Shards and chunks are loaded once, on demand.
 */
export class StaticIndex {
  static async open(load) {
    return new StaticIndex(await load('meta.json'), load);
  }

  constructor(meta, load) {
    if (meta.version !== 1) throw new Error(`unsupported search index version ${meta.version}`);
    this.meta = meta;
    this.load = load;
    this.shards = new Map();
    this.chunks = new Map();
    this.clauseDocs = new Map();
    this.idDocs = new Map();
    meta.docs.forEach((row, index) => {
      const [id, corpus, , key] = row;
      if (!this.idDocs.has(id)) this.idDocs.set(id, []);
      this.idDocs.get(id).push(index);
      if (key === null) return;
      const terms = [key];
      if (corpus >= 0) terms.push(`${meta.corpora[corpus]}:${key}`);
      for (const t of terms) {
        if (!this.clauseDocs.has(t)) this.clauseDocs.set(t, []);
        this.clauseDocs.get(t).push(index);
      }
    });
    const n = meta.docs.length;
    this.avg = meta.totals.map((total) => (n > 0 ? total / n : 0));
    this.lookup = {
      corpora: meta.corpora,
      hasClause: (c) => this.clauseDocs.has(clauseTerm(c)),
      hasId: (id) => this.idDocs.has(id),
    };
  }

  docId(index) {
    return this.meta.docs[index][0];
  }

  parse(raw) {
    return parseQuery(raw, this.lookup, this.meta.limits);
  }

  byRank(docs) {
    return [...docs].sort((a, b) => this.meta.docs[a][2] - this.meta.docs[b][2] || a - b);
  }

  async postings(terms) {
    const shardIds = new Set(terms.map((t) => fnv1a(t) % this.meta.shards));
    await Promise.all([...shardIds].map(async (id) => {
      if (!this.shards.has(id)) this.shards.set(id, this.load(`t/${id}.json`));
      await this.shards.get(id);
    }));
    const out = new Map();
    for (const t of terms) {
      const shard = await this.shards.get(fnv1a(t) % this.meta.shards);
      const raw = shard[t];
      const withPositions = !t.startsWith('u:');
      out.set(t, raw ? raw.map((list) => decodeField(list, withPositions)) : [new Map(), new Map(), new Map()]);
    }
    return out;
  }

  bm25(weight, tf, doc, field) {
    const { k1, b } = this.meta;
    const len = this.meta.docs[doc][4 + field];
    return weight * (1 + k1) * tf / (tf + k1 * (1 - b + b * len / this.avg[field]));
  }

  idf(df) {
    const n = this.meta.docs.length;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Score of a term (one token) or phrase (several) in doc, summed over fields; 0 = no match. */
  sequenceScore(post, seq, doc, weight) {
    let score = 0;
    for (let f = 0; f < 3; f++) {
      const lists = seq.map((t) => post.get(t)[f]);
      if (lists.some((l) => !l.has(doc))) continue;
      let tf;
      if (seq.length === 1) tf = lists[0].get(doc).tf;
      else {
        const rest = lists.slice(1).map((l) => new Set(l.get(doc).positions));
        tf = lists[0].get(doc).positions.filter((p) => rest.every((s, k) => s.has(p + k + 1))).length;
      }
      if (tf === 0) continue;
      const idf = seq.reduce((sum, t, k) => sum + this.idf(lists[k].size), 0);
      score += this.bm25(idf * this.meta.boosts[f] * weight, tf, doc, f);
    }
    return score;
  }

  /** Ranked [{doc, score}] and the parsed query; throws QueryError. */
  async search(raw, limit) {
    const q = this.parse(raw);
    const exact = [];
    const push = (docs) => { for (const d of docs) if (!exact.includes(d)) exact.push(d); };
    for (const id of q.ids) push(this.byRank(this.idDocs.get(id) || []));
    for (const c of q.clauses) push(this.byRank(this.clauseDocs.get(clauseTerm(c)) || []));
    if (!hasText(q)) {
      for (const c of q.clauses) {
        const prefix = `${clauseTerm(c)}.`;
        const under = [];
        for (const [term, docs] of this.clauseDocs) if (term.startsWith(prefix) && term.length > prefix.length) under.push(...docs);
        push(this.byRank(under));
      }
    }
    let text = [];
    if (hasText(q)) text = (await this.textSearch(q)).filter((h) => !exact.includes(h.doc));
    const top = text.reduce((m, h) => Math.max(m, h.score), 0);
    const hits = exact.map((doc, rank) => ({ doc, score: top + (exact.length - rank) })).concat(text);
    return { query: q, hits: hits.slice(0, limit) };
  }

  async textSearch(q) {
    const needed = new Set(q.terms);
    for (const seq of q.phrases.concat(q.bonus)) for (const t of seq) needed.add(t);
    const post = await this.postings([...needed]);
    const candidates = new Set();
    for (const t of needed) for (const field of post.get(t)) for (const doc of field.keys()) candidates.add(doc);
    const hits = [];
    for (const doc of candidates) {
      let score = 0;
      let ok = true;
      for (const phrase of q.phrases) {
        const s = this.sequenceScore(post, phrase, doc, 1);
        if (s === 0) { ok = false; break; }
        score += s;
      }
      if (!ok) continue;
      const matched = new Set();
      for (const t of q.terms) {
        const s = this.sequenceScore(post, [t], doc, 1);
        if (s > 0) { matched.add(t); score += s; }
      }
      if (q.terms.length > 0 && matched.size < q.minMatch) continue;
      for (const seq of q.bonus) score += this.sequenceScore(post, seq, doc, this.meta.bonus);
      // First tier: every word satisfied (engine.rs all_words_query).
      const allWords = q.words.every((w) => w.filter((t) => matched.has(t)).length >= required(w.length, this.meta.limits.wordMatch));
      hits.push({ doc, score, allWords });
    }
    hits.sort((a, b) => (b.allWords - a.allWords) || (b.score - a.score) || (a.doc - b.doc));
    return hits;
  }

  /** Display data of a page: {id, url, title, number, breadcrumb, sections}. */
  async page(doc) {
    const chunkId = this.meta.docs[doc][7];
    if (!this.chunks.has(chunkId)) this.chunks.set(chunkId, this.load(`c/${chunkId}.json`));
    const chunk = await this.chunks.get(chunkId);
    const row = chunk.find((r) => r[0] === this.docId(doc));
    const [id, url, title, number, breadcrumb, sections] = row;
    return { id, url, title, number, breadcrumb, sections };
  }

  /** Best section, deep link and snippet of a hit (as the server's engine::Hit). */
  async present(hit, query) {
    const p = await this.page(hit.doc);
    const h = highlightTerms(query, this.meta.synonyms);
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
