// The browser's index-file decoder (search-core.js `decodeIndexFile`): raw-deflate members are
// inflated through DecompressionStream, plain JSON passes through, and a corrupt member rejects
// its own promise only (no unhandled rejection from the stream's writer). Run by
// tests/integration/search_engine.rs; alone: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { decodeIndexFile } from '../../themes/default/static/search-core.js';

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
