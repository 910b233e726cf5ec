import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { routesJsonSchema } from '../../src/cli/commands/schema.js';
import { repoRoot } from '../helpers/paths.js';

// The editor's schema is generated from the same definitions as the validator; the committed
// copy must be what the code generates (run `npm run schema` after changing a spec).

test('schema/routes.schema.json is the generated schema', async () => {
  const committed = await readFile(path.join(repoRoot, 'schema', 'routes.schema.json'), 'utf8');
  assert.equal(committed, routesJsonSchema(), 'schema/routes.schema.json is stale: run `npm run schema`');
});

test('the editor schema accepts the bundled example and refuses a misspelt key', async () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(routesJsonSchema()) as object);
  const example = parse(await readFile(path.join(repoRoot, 'routes.example.yaml'), 'utf8')) as Record<string, unknown>;
  assert.equal(validate(example), true, JSON.stringify(validate.errors));

  const broken = structuredClone(example) as { routes: { actions: Record<string, unknown>[] }[] };
  (broken.routes[0] as { actions: Record<string, unknown>[] }).actions[0] = { log: 'x.jsonl', recrod: {} };
  assert.equal(validate(broken), false);
  const none = structuredClone(example) as { routes: { actions: Record<string, unknown>[] }[] };
  (none.routes[0] as { actions: Record<string, unknown>[] }).actions[0] = { name: 'no type' };
  assert.equal(validate(none), false);
});
