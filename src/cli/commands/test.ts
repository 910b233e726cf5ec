import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { ConfigError, formatDiagnostic } from '../../config/diagnostics.js';
import { loadRoutesFile } from '../../config/load.js';
import type { Endpoint, Snapshot } from '../../config/snapshot.js';
import { dryRun, type DryRunResult } from '../../routing/dry-run.js';
import { scrub } from '../../telemetry/logger.js';
import { usageError, type CliIo, type Command } from '../io.js';
import { routesFileFor } from '../routes-file.js';
import { secretsFromEnv } from '../secrets.js';

export const USAGE = 'hookroute test [routes.yaml] [--event NAME --data JSON|@file] [--body JSON|@file] [--header K:V]... [--endpoint PATH] [--run]';

async function jsonArg(io: CliIo, text: string, name: string): Promise<unknown> {
  const source = text.startsWith('@') ? await readFile(resolve(io.cwd, text.slice(1)), 'utf8') : text;
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    throw new Error(`${name} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Expected ⊆ actual: every key the test names must be there with that value. */
export function isSubset(expected: unknown, actual: unknown): boolean {
  if (expected !== null && typeof expected === 'object' && actual !== null && typeof actual === 'object') {
    if (Array.isArray(expected)) return Array.isArray(actual) && expected.length === actual.length && expected.every((e, i) => isSubset(e, actual[i]));
    return Object.entries(expected).every(([k, v]) => isSubset(v, (actual as Record<string, unknown>)[k]));
  }
  return isDeepStrictEqual(expected, actual);
}

function endpointFor(snapshot: Snapshot, path: string | undefined): Endpoint {
  const endpoint = path === undefined ? [...snapshot.endpoints.values()][0] : snapshot.endpoints.get(path);
  if (endpoint === undefined) throw new Error(`no endpoint ${JSON.stringify(path)}; the file declares ${[...snapshot.endpoints.keys()].join(', ')}`);
  return endpoint;
}

function report(result: DryRunResult): unknown {
  return {
    event: result.event,
    ...(result.error !== undefined && { error: result.error }),
    routes: result.routes.length === 0 ? '(no route matched)' : result.routes.map((r) => ({
      route: r.name,
      ...(r.key !== undefined && { concurrencyKey: r.key }),
      actions: r.actions.map((a) => ({ [a.type]: a.name, ...(a.rendered ?? {}), ...(a.error !== undefined && { error: a.error }), ...(a.result !== undefined && { result: a.result }) })),
    })),
    ...(result.skipped.length > 0 && { notFired: result.skipped }),
  };
}

async function runFileTests(snapshot: Snapshot, io: CliIo, out: (text: string) => void): Promise<number> {
  if (snapshot.tests.length === 0) {
    io.stderr.write(`hookroute: ${snapshot.file} has no tests: add a tests: section, or pass --event NAME --data JSON\n`);
    return 2;
  }
  let failures = 0;
  for (const t of snapshot.tests) {
    const problems: string[] = [];
    try {
      const result = await dryRun(snapshot, { endpoint: endpointFor(snapshot, t.endpoint), headers: t.headers, body: t.body });
      if (result.error !== undefined) problems.push(result.error);
      const names = result.routes.map((r) => r.name);
      if (t.expectRoutes !== undefined && !isDeepStrictEqual(names, [...t.expectRoutes])) {
        problems.push(`routes: expected ${JSON.stringify(t.expectRoutes)}, got ${JSON.stringify(names)}`);
      }
      for (const [route, expected] of Object.entries(t.expectActions ?? {})) {
        const actual = result.routes.find((r) => r.name === route)?.actions.map((a) => a.error === undefined ? a.rendered : { error: a.error });
        if (actual === undefined) problems.push(`actions of ${route}: the route did not fire`);
        else if (!isSubset(expected, actual)) problems.push(`actions of ${route}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
      }
    } catch (error) {
      problems.push((error as Error).message);
    }
    if (problems.length === 0) out(`ok - ${t.name}\n`);
    else {
      failures++;
      out(`not ok - ${t.name} (${snapshot.file}:${t.line})\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    }
  }
  out(`${snapshot.tests.length - failures} passed, ${failures} failed\n`);
  return failures === 0 ? 0 : 1;
}

export const test: Command = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args], allowPositionals: true,
      options: {
        event: { type: 'string' }, data: { type: 'string' }, body: { type: 'string' }, header: { type: 'string', multiple: true },
        endpoint: { type: 'string' }, run: { type: 'boolean' }, json: { type: 'boolean' },
      },
    });
  } catch (error) {
    return usageError(io, (error as Error).message, USAGE);
  }
  const { values } = parsed;
  const { file } = routesFileFor(parsed.positionals[0], io.cwd);
  let snapshot: Snapshot;
  try {
    snapshot = await loadRoutesFile(file, { env: io.env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${scrub(error.diagnostics.map(formatDiagnostic).join('\n'), secretsFromEnv(io.env))}\n`);
    return 1;
  }
  const out = (text: string): void => void io.stdout.write(scrub(text, snapshot.secrets));
  if (values.event === undefined && values.body === undefined && values.data === undefined) return runFileTests(snapshot, io, out);

  try {
    const headers: Record<string, string> = {};
    for (const h of values.header ?? []) {
      const colon = h.indexOf(':');
      if (colon <= 0) return usageError(io, `--header ${JSON.stringify(h)} is not NAME:VALUE`, USAGE);
      headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
    }
    const endpoint = endpointFor(snapshot, values.endpoint);
    const data = values.data === undefined ? {} : await jsonArg(io, values.data, '--data');
    let result: DryRunResult;
    if (values.event !== undefined) {
      result = await dryRun(snapshot, { endpoint, headers, body: { evento: values.event, dados: data }, direct: { event: values.event, data } }, values.run ?? false);
    } else {
      // No --event: the sample is a whole request body, read through the endpoint's envelope.
      const body = values.body !== undefined ? await jsonArg(io, values.body, '--body') : data;
      result = await dryRun(snapshot, { endpoint, headers, body }, values.run ?? false);
    }
    const shown = report(result);
    out(values.json === true ? `${JSON.stringify(shown, null, 2)}\n` : stringify(shown, { lineWidth: 0 }));
    if (values.run !== true) out('# dry run: nothing was executed (add --run to execute the actions)\n');
    return result.error === undefined ? 0 : 1;
  } catch (error) {
    io.stderr.write(`hookroute: ${(error as Error).message}\n`);
    return 1;
  }
};
