// The browser tokeniser must produce exactly what the Rust analyser does: normalisation, bigram
// tokens, query parsing and clause numbers for every line of tests/fixtures/tokenizer-cases.txt, as
// recorded by Rust in tests/fixtures/tokenizer-expected.json (tests/integration/search_engine.rs writes and
// checks that file, then runs this one). Run alone: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  normalize, tokenizeStr, parseQuery, canonicalNumber, trimWhite, fnv1a, QueryError,
} from '../../themes/default/static/search-core.js';

const expected = JSON.parse(readFileSync(new URL('../fixtures/tokenizer-expected.json', import.meta.url), 'utf8'));
const noClauses = { corpora: [], hasClause: () => false, hasId: () => false };

function parsed(input) {
  try {
    const q = parseQuery(input, noClauses, expected.limits);
    return { terms: q.terms, minMatch: q.minMatch, words: q.words, bonus: q.bonus, phrases: q.phrases };
  } catch (e) {
    if (!(e instanceof QueryError)) throw e;
    return { error: e.kind };
  }
}

test('every shared case gives the Rust result', () => {
  assert.ok(expected.cases.length >= 40, 'the shared list is loaded');
  for (const c of expected.cases) {
    const label = JSON.stringify(c.input);
    assert.equal(normalize(c.input), c.normalized, `normalize ${label}`);
    const tokens = tokenizeStr(c.normalized).map((t) => [t.text, t.start, t.end, t.run]);
    assert.deepEqual(tokens, c.tokens, `tokens ${label}`);
    assert.deepEqual(parsed(c.input), c.query, `query ${label}`);
    assert.equal(canonicalNumber(trimWhite(c.normalized)), c.number, `clause number ${label}`);
  }
});

test('shards use FNV-1a 32 over UTF-8 like static_index.rs', () => {
  assert.equal(fnv1a(''), 0x811c9dc5);
  assert.equal(fnv1a('a'), 0xe40c292c);
  assert.equal(fnv1a('foobar'), 0xbf9cf968);
  assert.ok(fnv1a('暗号') >= 0 && fnv1a('暗号') <= 0xffffffff);
});
