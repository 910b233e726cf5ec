import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { actionSpecs } from '../actions/registry.js';
import { schemeNames } from '../verify/registry.js';
import { ConfigError, type Diagnostic } from './diagnostics.js';
import { reportAt, type CompileSink } from './compile-context.js';
import { compileEndpoint, durationAt, type RawEndpoint } from './compile-endpoints.js';
import { compileRoutes, type ActionType, type RawRoute } from './compile-routes.js';
import { compileTests, type RawTest } from './compile-tests.js';
import { substituteEnv } from './env.js';
import { closedActionSchema, validatorSchema } from './schema.js';
import type { AdminSettings, Endpoint, ServerSettings, Snapshot } from './snapshot.js';
import { locate, parseSource } from './source.js';
import { parseSize } from './units.js';
import { schemaCheck } from './validate.js';

interface RawFile {
  server?: {
    port?: number; host?: string; bodyLimit?: string | number; data?: string; durability?: 'normal' | 'full';
    dedupWindow?: string; retention?: string; shutdownTimeout?: string; trustProxy?: ServerSettings['trustProxy'];
  };
  admin?: { host?: string; port?: number; token?: string; enabled?: boolean };
  endpoints?: RawEndpoint[];
  routes: RawRoute[];
  tests?: RawTest[];
}

// Compiled once per process: building Ajv validators is the slow part of a load.
const checkFile = schemaCheck(validatorSchema({ actions: actionSpecs, schemeNames }));
const actionTypes: readonly ActionType[] = actionSpecs.map((spec) => ({ spec, check: schemaCheck(closedActionSchema(spec)) }));

export interface LoadOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Reads, validates and compiles a routes file; throws ConfigError with every problem found. */
export async function loadRoutesFile(file: string, options: LoadOptions = {}): Promise<Snapshot> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigError([{ file: path, line: 1, col: 1, code: 'HR_CONFIG_READ', path: '', message: `cannot read the routes file: ${reason}` }]);
  }
  return compileRoutesText(path, text, options);
}

export function compileRoutesText(file: string, text: string, options: LoadOptions = {}): Snapshot {
  const source = parseSource(file, text);
  const diagnostics: Diagnostic[] = [...source.diagnostics];
  if (diagnostics.length > 0) throw new ConfigError(diagnostics);
  const report = (d: Diagnostic): void => void diagnostics.push(d);
  const dir = dirname(file);
  const sink: CompileSink = { dir, locate: (p, offset) => locate(source, p, offset), report };

  const substitutions = substituteEnv(source, options.env ?? process.env, report);
  const raw = source.doc.toJS() as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([{ file, line: 1, col: 1, code: 'HR_CONFIG_INVALID', path: '', message: 'the routes file must be a map with at least `routes:`' }]);
  }
  const shaped = checkFile(raw, [], source, report);
  const rawFile = raw as RawFile;
  // A file with schema errors is still compiled as far as its shape allows, so that one run
  // reports every problem (a bad expression, a bad duration) along with them (style.md, point 3).
  // What cannot be compiled is skipped: such a file is never used.
  const tolerant = <T>(compile: () => T, fallback: () => T): T => {
    if (shaped) return compile();
    try {
      return compile();
    } catch {
      return fallback();
    }
  };

  const server = tolerant(() => compileServer(sink, dir, rawFile.server ?? {}), () => compileServer(sink, dir, {}));
  const admin: AdminSettings = {
    enabled: rawFile.admin?.enabled ?? true,
    host: rawFile.admin?.host ?? '127.0.0.1',
    port: rawFile.admin?.port ?? 5001,
    token: rawFile.admin?.token,
  };
  const endpoints = new Map<string, Endpoint>();
  tolerant(() => (rawFile.endpoints ?? [{ path: '/webhook' }]).forEach((e, i) => {
    if (endpoints.has(e.path)) reportAt(sink, ['endpoints', i, 'path'], 'HR_CONFIG_INVALID', `"${e.path}" is declared twice; endpoint paths must be unique`);
    tolerant(() => void endpoints.set(e.path, compileEndpoint(sink, i, e)), () => undefined);
  }), () => undefined);
  const compiler = { sink, source, types: actionTypes };
  const routes = tolerant(() => compileRoutes(compiler, rawFile.routes), () => {
    // One malformed route must not hide the problems of the others: compile them one by one
    // (a sparse list keeps each route's index, and so its place in messages).
    if (Array.isArray(rawFile.routes)) {
      rawFile.routes.forEach((r, i) => {
        const one: RawRoute[] = [];
        one[i] = r;
        tolerant(() => compileRoutes(compiler, one), () => []);
      });
    }
    return [];
  });
  const tests = tolerant(() => compileTests(sink, source, rawFile.tests ?? []), () => []);
  if (diagnostics.length > 0 || !shaped) throw new ConfigError(sortByPlace(diagnostics));

  const secrets = new Set<string>();
  for (const s of substitutions) if (s.secret) secrets.add(s.value);
  for (const e of rawFile.endpoints ?? []) for (const v of [e.token, e.secret].flat()) if (typeof v === 'string') secrets.add(v);
  if (admin.token !== undefined) secrets.add(admin.token);

  return deepFreeze({
    id: createHash('sha256').update(text).digest('hex').slice(0, 16),
    file,
    dir,
    source: text,
    server,
    admin,
    endpoints,
    routes,
    tests,
    secrets: [...secrets].filter((s) => s.length >= 3),
    warnings: [],
  });
}

function compileServer(sink: CompileSink, dir: string, raw: NonNullable<RawFile['server']>): ServerSettings {
  let bodyLimit = 1024 * 1024;
  if (raw.bodyLimit !== undefined) {
    const bytes = parseSize(raw.bodyLimit);
    if (bytes === undefined || bytes === 0) reportAt(sink, ['server', 'bodyLimit'], 'HR_CONFIG_SIZE', `${JSON.stringify(raw.bodyLimit)} is not a size (try 512kb, 1mb, 10mb)`);
    else bodyLimit = bytes;
  }
  return {
    port: raw.port ?? 5000,
    host: raw.host ?? '0.0.0.0',
    bodyLimit,
    data: resolve(dir, raw.data ?? './data'),
    durability: raw.durability ?? 'normal',
    dedupWindowMs: durationAt(sink, ['server', 'dedupWindow'], raw.dedupWindow, 24 * 3_600_000),
    retentionMs: durationAt(sink, ['server', 'retention'], raw.retention, 7 * 86_400_000),
    shutdownTimeoutMs: durationAt(sink, ['server', 'shutdownTimeout'], raw.shutdownTimeout, 30_000),
    trustProxy: raw.trustProxy ?? false,
  };
}

/** In file order, each problem once (a route compiled twice after a failure reports twice). */
function sortByPlace(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const key = `${d.line}:${d.col}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => a.line - b.line || a.col - b.col);
}

// The compiled snapshot is shared by every request; freezing it makes "no request ever sees
// half of a reload" something the runtime enforces, not a convention. Maps are left as they are.
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value) && !(value instanceof Map) && !Buffer.isBuffer(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) if (typeof v !== 'function') deepFreeze(v);
  }
  return value;
}

