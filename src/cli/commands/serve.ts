import { parseArgs } from 'node:util';
import { ConfigError, formatDiagnostic } from '../../config/diagnostics.js';
import { startServer, type RunningServer } from '../../server.js';
import { scrub } from '../../telemetry/logger.js';
import { usageError, type Command } from '../io.js';
import { routesFileFor } from '../routes-file.js';
import { secretsFromEnv } from '../secrets.js';

export const USAGE = 'hookroute serve [routes.yaml] [--port N] [--host H] [--data DIR] [--admin-port N] [--log-level L] [--log-output] [--no-watch]';

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
        'log-level': { type: 'string' }, 'log-output': { type: 'boolean' }, pretty: { type: 'boolean' }, 'no-watch': { type: 'boolean' },
      },
    });
    ports = { port: port(parsed.values.port, '--port'), adminPort: port(parsed.values['admin-port'], '--admin-port') };
  } catch (error) {
    return usageError(io, (error as Error).message, USAGE);
  }
  const { file, bundled } = routesFileFor(parsed.positionals[0], io.cwd);
  // Written before the logger exists, so it honours --log-level here: info is hidden at warn and up.
  const quiet = ['warn', 'error', 'fatal', 'silent'].includes(parsed.values['log-level'] ?? 'info');
  if (bundled && !quiet) io.stdout.write(`${JSON.stringify({ level: 30, time: new Date().toISOString(), msg: `no routes.yaml in ${io.cwd}: serving the bundled example ${file}` })}\n`);

  // Signals are taken from the start: the listeners answer before startServer returns (it
  // still waits for the file watcher), and a SIGTERM then must stop cleanly, not kill.
  let server: RunningServer | undefined;
  let stopping = false;
  let finish: ((code: number) => void) | undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const removers: (() => void)[] = [];
  const stopNow = (running: RunningServer): void => {
    running.stop().then(() => finish?.(0), (error: unknown) => {
      io.stderr.write(`hookroute: error while stopping: ${String(error)}\n`);
      finish?.(1);
    });
  };
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const remove of removers) remove();
    if (server !== undefined) stopNow(server);
  };
  if (io.onSignal !== undefined) {
    removers.push(io.onSignal('SIGTERM', stop), io.onSignal('SIGINT', stop));
    removers.push(io.onSignal('SIGHUP', () => void server?.reload()));
  }

  try {
    server = await startServer({
      file, port: ports.port, host: parsed.values.host, adminPort: ports.adminPort, env: io.env,
      data: parsed.values.data === undefined ? undefined : (await import('node:path')).resolve(io.cwd, parsed.values.data),
      logLevel: parsed.values['log-level'], logDestination: io.stdout as NodeJS.WritableStream,
      ...(parsed.values.pretty !== undefined && { pretty: parsed.values.pretty }),
      logOutput: parsed.values['log-output'] ?? false,
      watch: parsed.values['no-watch'] !== true,
    });
  } catch (error) {
    const text = error instanceof ConfigError ? error.diagnostics.map(formatDiagnostic).join('\n') : (error as Error).message;
    for (const remove of removers) remove();
    io.stderr.write(`hookroute: cannot start:\n${scrub(text, secretsFromEnv(io.env))}\n`);
    return 1;
  }

  if (stopping) stopNow(server);
  return finished;
};
