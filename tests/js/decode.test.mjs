// The browser's index-file decoder (search-core.js `decodeIndexFile`): raw-deflate members are
// inflated through DecompressionStream, plain JSON passes through, and a corrupt member rejects
// its own promise only (no unhandled rejection from the stream's writer). A term shard's parts
// are found through its header, and a truncated header is an error, not an unknown term. Run by
// tests/integration/search_engine.rs; alone: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { decodeIndexFile, StaticIndex, byteRange, fnv1a } from '../../themes/default/static/search-core.js';

const value = { 検索: ['暗号化', 3, null], long: 'あ'.repeat(20000) };

test('a raw-deflate member and a plain JSON file decode to their JSON', async () => {
  const json = Buffer.from(JSON.stringify(value));
  assert.deepEqual(await decodeIndexFile(deflateRawSync(json)), value);
  assert.deepEqual(await decodeIndexFile(json), value);
  // An ArrayBuffer, as fetch gives it.
  const member = deflateRawSync(json);
  assert.deepEqual(await decodeIndexFile(member.buffer.slice(member.byteOffset, member.byteOffset + member.length)), value);
});

test('a corrupt or truncated member rejects, and nothing else does', async () => {
  const unhandled = [];
  const note = (err) => unhandled.push(err);
  process.on('unhandledRejection', note);
  try {
    const member = deflateRawSync(Buffer.from(JSON.stringify(value)));
    await assert.rejects(decodeIndexFile(new Uint8Array([0x05, 0xff, 0x00, 0x13, 0x37])));
    await assert.rejects(decodeIndexFile(member.subarray(0, member.length >> 1)));
    // Rejections left unhandled surface after the current turn.
    await new Promise((done) => setTimeout(done, 100));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', note);
  }
});

test('a term lies in the part of its shard that its hash names; a truncated header rejects', async () => {
  // One shard of 4 parts (static_index.rs `write_term_shards`): the term's entry in its part, the
  // other parts empty.
  const parts = 4;
  const term = '暗号';
  const part = Math.floor(fnv1a(term) / 1) % parts;
  const member = deflateRawSync(Buffer.from(JSON.stringify({ [term]: [0, 0, 1, [0, 4, 1, 7]] })));
  const header = Buffer.alloc(2 * parts);
  header.writeUInt16LE(member.length, 2 * part);
  const whole = Buffer.concat([header, member]);
  const meta = { version: 10, count: 1, primary: 1, primaryBoost: 1.3, shards: { t: 1, parts, k: 1 }, suffix: '.json.deflate', totals: [1, 1, 7], corpora: [], limits: {}, positions: false };
  const open = (file) => new StaticIndex(meta, async (path, range) => {
    assert.equal(path, 't/0.bin');
    return byteRange(file, range);
  });
  const found = await open(whole).term(term);
  assert.deepEqual(found.df, [0, 0, 1]);
  assert.deepEqual([...found.fields[2].keys()], [0], 'page 0 has it in the body');
  const absent = await open(whole).term('未知の語');
  assert.deepEqual(absent.df, [0, 0, 0], 'a term in no part is unknown');
  await assert.rejects(open(whole.subarray(0, 5)).term(term), /header of 2 part lengths, not 4/);
});
