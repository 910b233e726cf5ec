import { parseArgs } from 'node:util';
import { ConfigError, formatDiagnostic } from '../../config/diagnostics.js';
import { loadRoutesFile } from '../../config/load.js';
import { scrub } from '../../telemetry/logger.js';
import { secretsFromEnv } from '../secrets.js';
import { usageError, type Command } from '../io.js';
import { routesFileFor } from '../routes-file.js';

export const USAGE = 'hookroute check [routes.yaml]';

export const check: Command = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: {} });
  } catch (error) {
    return usageError(io, (error as Error).message, USAGE);
  }
  const { file } = routesFileFor(parsed.positionals[0], io.cwd);
  try {
    const s = await loadRoutesFile(file, { env: io.env });
    const actions = s.routes.reduce((n, r) => n + r.actions.length, 0);
    io.stdout.write(`${file}: ok (${s.endpoints.size} endpoint(s), ${s.routes.length} route(s), ${actions} action(s), ${s.tests.length} test(s))\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const text = error.diagnostics.map(formatDiagnostic).join('\n');
    io.stderr.write(`${scrub(text, secretsFromEnv(io.env))}\n${error.diagnostics.length} problem(s) found; nothing was applied.\n`);
    return 1;
  }
};
