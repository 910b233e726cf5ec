import { parseArgs } from 'node:util';
import { ConfigError, formatDiagnostic } from '../../config/diagnostics.js';
import { startServer } from '../../server.js';
import { scrub } from '../../telemetry/logger.js';
import { usageError, type Command } from '../io.js';
import { routesFileFor } from '../routes-file.js';
import { secretsFromEnv } from '../secrets.js';

const USAGE = 'hookroute serve [routes.yaml] [--port N] [--host H] [--data DIR] [--admin-port N] [--log-level L] [--log-output]';

function port(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} ${JSON.stringify(text)} is not a port (0-65535)`);
  return n;
}

export const serve: Command = async (args, io) => {
  let parsed;
  let ports: { port: number | undefined; adminPort: number | undefined };
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        port: { type: 'string' }, host: { type: 'string' }, data: { type: 'string' }, 'admin-port': { type: 'string' },
        'log-level': { type: 'string' }, 'log-output': { type: 'boolean' }, pretty: { type: 'boolean' },
      },
    });
    ports = { port: port(parsed.values.port, '--port'), adminPort: port(parsed.values['admin-port'], '--admin-port') };
  } catch (error) {
    return usageError(io, (error as Error).message, USAGE);
  }
  const { file, bundled } = routesFileFor(parsed.positionals[0], io.cwd);
  if (bundled) io.stdout.write(`${JSON.stringify({ level: 30, time: new Date().toISOString(), msg: `no routes.yaml in ${io.cwd}: serving the bundled example ${file}` })}\n`);

  let server;
  try {
    server = await startServer({
      file, port: ports.port, host: parsed.values.host, adminPort: ports.adminPort, env: io.env,
      data: parsed.values.data === undefined ? undefined : (await import('node:path')).resolve(io.cwd, parsed.values.data),
      logLevel: parsed.values['log-level'], logDestination: io.stdout as NodeJS.WritableStream,
      ...(parsed.values.pretty !== undefined && { pretty: parsed.values.pretty }),
      logOutput: parsed.values['log-output'] ?? false,
    });
  } catch (error) {
    const text = error instanceof ConfigError ? error.diagnostics.map(formatDiagnostic).join('\n') : (error as Error).message;
    io.stderr.write(`hookroute: cannot start:\n${scrub(text, secretsFromEnv(io.env))}\n`);
    return 1;
  }

  return new Promise<number>((resolve) => {
    const removers: (() => void)[] = [];
    const stop = (): void => {
      for (const remove of removers) remove();
      server.stop().then(() => resolve(0), (error: unknown) => {
        io.stderr.write(`hookroute: error while stopping: ${String(error)}\n`);
        resolve(1);
      });
    };
    if (io.onSignal !== undefined) {
      removers.push(io.onSignal('SIGTERM', stop), io.onSignal('SIGINT', stop));
      removers.push(io.onSignal('SIGHUP', () => void server.reload()));
    }
  });
};
