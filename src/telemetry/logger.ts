import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';
import { SECRET_HEADERS } from '../verify/redact-headers.js';

// Secrets are removed from the finished line, whatever field they ended up in: a token that a
// sender echoes in a body, a header value, an error message that quotes a URL. Known secret
// header fields are also censored by pino's redaction before serialisation.

const REDACT_PATHS = [...SECRET_HEADERS].map((name) => `headers[${JSON.stringify(name)}]`);

export type SecretSource = () => readonly string[];

export interface LoggerOptions {
  readonly level?: string;
  /** Human-readable lines (pino-pretty) instead of JSON; default: when stdout is a terminal. */
  readonly pretty?: boolean;
  readonly destination?: NodeJS.WritableStream;
  readonly secrets?: SecretSource;
}

export function scrub(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret && out.includes(escaped)) out = out.split(escaped).join('[redacted]');
  }
  return out;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? (() => []);
  const given = options.destination;
  const isTty = ((given ?? process.stdout) as NodeJS.WriteStream).isTTY === true;
  let destination: DestinationStream & { on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown };
  if (options.pretty ?? isTty) {
    // Loaded only when asked for: it is not needed by a daemon writing JSON lines.
    const pretty = createRequire(import.meta.url)('pino-pretty') as (o: object) => NodeJS.WritableStream;
    destination = pretty({ colorize: isTty, destination: given ?? 1, sync: true }) as unknown as typeof destination;
  } else {
    destination = (given ?? pino.destination({ dest: 1, sync: false })) as typeof destination;
  }
  // A reader that went away (`hookroute serve | head`) must not crash the daemon.
  destination.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: (line) => scrub(line, secrets()) },
    },
    destination,
  );
}
