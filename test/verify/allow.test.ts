// `allow:` lists on node's net.BlockList.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAllowList, normaliseAddress, parseCidr } from '../../src/verify/allow.js';

test('allow: IPv4 CIDR: inside passes, outside fails', () => {
  const list = createAllowList(['192.168.1.0/24', '10.0.0.0/8']);
  assert.deepEqual(list.problems, []);
  assert.equal(list.allows('192.168.1.1'), true);
  assert.equal(list.allows('192.168.1.255'), true);
  assert.equal(list.allows('10.200.3.4'), true);
  assert.equal(list.allows('192.168.2.1'), false);
  assert.equal(list.allows('11.0.0.1'), false);
});

test('allow: IPv6 CIDR: inside passes, outside fails', () => {
  const list = createAllowList(['2001:db8::/32', 'fd00::/8']);
  assert.deepEqual(list.problems, []);
  assert.equal(list.allows('2001:db8::1'), true);
  assert.equal(list.allows('2001:db8:ffff:1::42'), true);
  assert.equal(list.allows('fd12:3456::1'), true);
  assert.equal(list.allows('2001:db9::1'), false);
  assert.equal(list.allows('::1'), false);
  assert.equal(list.allows('fe80::1%eth0'), false);
});

test('allow: IPv4-mapped IPv6 client addresses are matched as IPv4', () => {
  const list = createAllowList(['127.0.0.1', '10.0.0.0/8']);
  assert.equal(list.allows('::ffff:127.0.0.1'), true);
  assert.equal(list.allows('::FFFF:10.1.2.3'), true);
  assert.equal(list.allows('::ffff:127.0.0.2'), false);
  assert.equal(list.allows('::ffff:11.0.0.1'), false);
  assert.equal(normaliseAddress('::ffff:192.0.2.1'), '192.0.2.1');
  // A mapped entry in the list is the IPv4 range it carries.
  const mapped = createAllowList(['::ffff:192.168.0.0/112']);
  assert.deepEqual(mapped.problems, []);
  assert.equal(mapped.allows('192.168.3.4'), true);
  assert.equal(mapped.allows('::ffff:192.168.3.4'), true);
  assert.equal(mapped.allows('192.169.0.1'), false);
});

test('allow: a single address without a prefix allows exactly that address', () => {
  const list = createAllowList(['203.0.113.7', '2001:db8::7']);
  assert.deepEqual(list.problems, []);
  assert.equal(list.allows('203.0.113.7'), true);
  assert.equal(list.allows('203.0.113.8'), false);
  assert.equal(list.allows('2001:db8::7'), true);
  assert.equal(list.allows('2001:db8:0:0:0:0:0:7'), true);
  assert.equal(list.allows('2001:db8::8'), false);
});

test('allow: invalid entries are reported by position and quoted; the valid ones still apply', () => {
  const list = createAllowList(['10.0.0.0/33', 'banana', '10.0.0.0/', '2001:db8::/129', '10.0.0.0/-1', '192.168.0.0/16', '1.2.3.4/8x']);
  assert.equal(list.problems.length, 6);
  assert.match(list.problems[0] ?? '', /^allow\[0\]: "10\.0\.0\.0\/33" is not a CIDR: an IPv4 prefix is 0 to 32$/);
  assert.match(list.problems[1] ?? '', /^allow\[1\]: "banana" is not a CIDR/);
  assert.match(list.problems[3] ?? '', /IPv6 prefix is 0 to 128/);
  assert.equal(list.allows('192.168.9.9'), true);
  assert.equal(list.allows('10.0.0.1'), false);
});

test('allow: garbage client addresses are refused, never thrown on; an empty list allows nothing', () => {
  const list = createAllowList(['0.0.0.0/0']);
  assert.equal(list.allows('1.2.3.4'), true);
  assert.equal(list.allows(''), false);
  assert.equal(list.allows('not an address'), false);
  const empty = createAllowList([]);
  assert.equal(empty.problems.length, 1);
  assert.equal(empty.allows('127.0.0.1'), false);
});

test('parseCidr: returns the family and prefix', () => {
  assert.deepEqual(parseCidr('10.0.0.0/8'), { ok: true, cidr: { address: '10.0.0.0', family: 'ipv4', prefix: 8 } });
  assert.deepEqual(parseCidr(' ::1 '), { ok: true, cidr: { address: '::1', family: 'ipv6', prefix: undefined } });
  assert.equal(parseCidr('300.1.1.1').ok, false);
});
