import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

// Secrets are removed from the finished line, whatever field they ended up in: a token that a
// sender echoes in a body, a header value, an error message that quotes a URL. Known secret
// header fields are also censored by pino's redaction before serialisation.

const REDACT_PATHS = [
  'headers.authorization', 'headers["x-webhook-token"]', 'headers["x-hub-signature-256"]', 'headers["x-hub-signature"]',
  'headers["x-gitlab-token"]', 'headers["stripe-signature"]', 'headers["x-slack-signature"]',
  'headers["x-shopify-hmac-sha256"]', 'headers["webhook-signature"]', 'headers.cookie',
];

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
  const target = options.destination ?? process.stdout;
  const isTty = (target as NodeJS.WriteStream).isTTY === true;
  const sink: NodeJS.WritableStream = options.pretty ?? isTty ? pretty({ colorize: isTty, destination: target as never, sync: true }) : target;
  const secrets = options.secrets ?? (() => []);
  const scrubbing = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      sink.write(scrub(chunk.toString(), secrets()));
      callback();
    },
  });
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    scrubbing,
  );
}
