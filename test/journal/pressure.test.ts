import assert from 'node:assert/strict';
import { test } from 'node:test';
import { watchPressure } from '../../src/journal/pressure.js';

// A busy event loop squeezes how many runs may start; an idle one gives the room back.

const busyFor = async (ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const slice = Date.now() + 40;
    while (Date.now() < slice) {
      // keep the loop busy, as a flood of requests does
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
};

test('the dispatcher limit drops while the event loop is busy and comes back when it is idle', async (t) => {
  let changes = 0;
  const pressure = watchPressure({ normal: 64, squeezed: 2, sampleMs: 50, onChange: () => changes++ });
  t.after(() => pressure.stop());
  assert.equal(pressure.limit(), 64);
  await busyFor(400);
  assert.equal(pressure.limit(), 2, 'squeezed while busy');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(pressure.limit(), 64, 'room again once idle');
  assert.ok(changes > 0, 'the dispatcher is told so it can start what waited');
});
