import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newDeliveryId } from '../../src/journal/ids.js';

test('delivery ids are RFC 9562 version 7 UUIDs that sort by time', () => {
  const earlier = newDeliveryId(1_700_000_000_000);
  const later = newDeliveryId(1_700_000_000_001);
  assert.match(earlier, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.ok(earlier < later, `${earlier} should sort before ${later}`);
  assert.equal(Number.parseInt(earlier.replace(/-/g, '').slice(0, 12), 16), 1_700_000_000_000);
  const many = new Set(Array.from({ length: 1000 }, () => newDeliveryId(1_700_000_000_000)));
  assert.equal(many.size, 1000, 'ids made in the same millisecond still differ');
});
