// The one comparison every scheme goes through, and the HMAC helper, checked against node:crypto.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { hmac, safeEqual, safeEqualAny } from '../../src/verify/compare.js';

test('safeEqual: equal strings and buffers are equal; strings compare as UTF-8 bytes', () => {
  assert.equal(safeEqual('abc', 'abc'), true);
  assert.equal(safeEqual(Buffer.from('abc'), 'abc'), true);
  assert.equal(safeEqual('João', Buffer.from('João', 'utf8')), true);
  assert.equal(safeEqual('João', Buffer.from('João', 'latin1')), false);
  assert.equal(safeEqual('', ''), true);
});

test('safeEqual: different lengths are unequal and never throw (timingSafeEqual alone would)', () => {
  assert.equal(safeEqual('abc', 'abcd'), false);
  assert.equal(safeEqual('', 'a'), false);
  assert.equal(safeEqual(Buffer.alloc(0), Buffer.alloc(1000)), false);
  assert.equal(safeEqual('abc', 'abd'), false);
  assert.equal(safeEqual('a'.repeat(64), 'b'.repeat(64)), false);
});

test('safeEqualAny: true when any received value equals any expected one', () => {
  assert.equal(safeEqualAny(['x', 'b'], ['a', 'b']), true);
  assert.equal(safeEqualAny(['x', 'y'], ['a', 'b']), false);
  assert.equal(safeEqualAny([], ['a']), false);
  assert.equal(safeEqualAny(['a'], []), false);
});

test('hmac: the concatenated parts give the HMAC of the whole, as node:crypto computes it', () => {
  const key = 'key';
  const body = Buffer.from('{"nome":"João"}', 'utf8');
  for (const algorithm of ['sha1', 'sha256', 'sha512']) {
    const whole = createHmac(algorithm, key).update(Buffer.concat([Buffer.from('123.'), body])).digest('hex');
    assert.equal(hmac(algorithm, key, '123.', body).toString('hex'), whole);
    assert.equal(hmac(algorithm, Buffer.from(key), '123.', body).toString('hex'), whole);
  }
});
