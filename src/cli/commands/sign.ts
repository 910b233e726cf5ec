import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isHookrouteError } from '../../errors.js';
import { isSignScheme, signRequest, signSchemes, type SignedHeader, type SignScheme } from '../../verify/sign.js';
import { usageError, type CliIo, type Command } from '../io.js';

// `hookroute sign`: the headers a sender would send with a body, signed with our own recipe
// (src/verify/sign.ts), to try an endpoint by hand: printed, as a curl command (--url), or sent
// (--send). The body is sent byte for byte as given, since the signature covers the bytes.

export const USAGE = `hookroute sign --scheme ${signSchemes.join('|')} --secret S
         (--data JSON|@file | --body TEXT|@file) [--event NAME] [--id ID] [--timestamp SECONDS]
         [--algorithm sha256|sha1|sha512 --header NAME --encoding hex|base64 --prefix P]   (hmac)
         [--content-type TYPE] [--url URL | --send URL]`;

// Schemes whose preset reads the event name from a header that the signer sets.
const EVENT_IN_HEADER: readonly SignScheme[] = ['github', 'gitlab', 'shopify'];
// Schemes whose preset reads the event name from the body itself (`type`).
const EVENT_IN_BODY: readonly SignScheme[] = ['stripe', 'slack', 'standard-webhooks'];
const HMAC_OPTIONS = ['algorithm', 'header', 'encoding', 'prefix'] as const;

interface Body {
  readonly bytes: Buffer;
  /** The file to hand curl when the bytes are exactly that file's. */
  readonly file?: string;
}

async function readArg(io: CliIo, text: string): Promise<Body> {
  if (!text.startsWith('@')) return { bytes: Buffer.from(text, 'utf8') };
  const file = text.slice(1);
  return { bytes: await readFile(resolve(io.cwd, file)), file };
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw new Error(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

/** A single-quoted shell word: safe to paste whatever the text holds. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function curlCommand(url: string, headers: readonly SignedHeader[], body: Body): string {
  const lines = [`curl -sS -X POST ${shellQuote(url)}`, ...headers.map(([name, value]) => `-H ${shellQuote(`${name}: ${value}`)}`)];
  lines.push(body.file !== undefined ? `--data-binary ${shellQuote(`@${body.file}`)}` : `--data-binary ${shellQuote(body.bytes.toString('utf8'))}`);
  return `${lines.join(' \\\n  ')}\n`;
}

async function send(io: CliIo, url: string, headers: readonly SignedHeader[], body: Body): Promise<number> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: headers.map(([n, v]): [string, string] => [n, v]), body: body.bytes });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    io.stderr.write(`hookroute: cannot POST to ${url}: ${cause ?? (error as Error).message}\n`);
    return 1;
  }
  const text = await response.text();
  io.stdout.write(`HTTP ${response.status}\n${text}${text.endsWith('\n') || text === '' ? '' : '\n'}`);
  return response.ok ? 0 : 1;
}

export const sign: Command = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args], allowPositionals: false,
      options: {
        scheme: { type: 'string' }, secret: { type: 'string' }, data: { type: 'string' }, body: { type: 'string' },
        event: { type: 'string' }, id: { type: 'string' }, timestamp: { type: 'string' },
        algorithm: { type: 'string' }, header: { type: 'string' }, encoding: { type: 'string' }, prefix: { type: 'string' },
        'content-type': { type: 'string' }, url: { type: 'string' }, send: { type: 'string' },
      },
    });
  } catch (error) {
    return usageError(io, (error as Error).message, USAGE);
  }
  const v = parsed.values;
  const scheme = v.scheme;
  if (scheme === undefined) return usageError(io, '--scheme is required', USAGE);
  if (!isSignScheme(scheme)) return usageError(io, `--scheme "${scheme}" is not one of ${signSchemes.join(', ')}`, USAGE);
  if (v.secret === undefined) return usageError(io, '--secret is required (the endpoint\'s secret or token)', USAGE);
  if ((v.data === undefined) === (v.body === undefined)) return usageError(io, 'give either --data JSON|@file or --body TEXT|@file', USAGE);
  if (v.url !== undefined && v.send !== undefined) return usageError(io, 'give --url (print a curl command) or --send (POST it now), not both', USAGE);
  if (scheme !== 'hmac') {
    const misplaced = HMAC_OPTIONS.find((key) => v[key] !== undefined);
    if (misplaced !== undefined) return usageError(io, `--${misplaced} applies only to --scheme hmac (${scheme} fixes its own)`, USAGE);
  }
  if (v.encoding !== undefined && v.encoding !== 'hex' && v.encoding !== 'base64') {
    return usageError(io, `--encoding "${v.encoding}" is not hex or base64`, USAGE);
  }
  if (v.event !== undefined && EVENT_IN_BODY.includes(scheme)) {
    return usageError(io, `${scheme} names the event in the body's "type"; drop --event and put it in --data`, USAGE);
  }
  if (v.timestamp !== undefined && !/^\d{1,12}$/.test(v.timestamp)) return usageError(io, `--timestamp "${v.timestamp}" is not seconds since the epoch`, USAGE);

  try {
    let body: Body;
    if (v.data !== undefined) {
      body = await readArg(io, v.data);
      const data = parseJson(body.bytes, '--data');
      // token and hmac endpoints read the default envelope: --event wraps the data in it, as
      // `hookroute test --event NAME --data JSON` does.
      if (v.event !== undefined && !EVENT_IN_HEADER.includes(scheme)) {
        body = { bytes: Buffer.from(JSON.stringify({ event: v.event, data })) };
      }
    } else {
      body = await readArg(io, v.body as string);
    }
    const signed = signRequest(scheme, {
      secret: v.secret, body: body.bytes, event: v.event, id: v.id ?? randomUUID(),
      timestamp: v.timestamp !== undefined ? Number(v.timestamp) : Math.floor(Date.now() / 1000),
      algorithm: v.algorithm, header: v.header, encoding: v.encoding as 'hex' | 'base64' | undefined, prefix: v.prefix,
    });
    const headers: SignedHeader[] = [['Content-Type', v['content-type'] ?? 'application/json'], ...signed];
    if (v.send !== undefined) return await send(io, v.send, headers, body);
    if (v.url !== undefined) {
      io.stdout.write(curlCommand(v.url, headers, body));
      if (EVENT_IN_BODY.includes(scheme)) io.stderr.write('# the signature carries a timestamp: send it within the endpoint\'s tolerance (default 5m)\n');
      return 0;
    }
    io.stdout.write(headers.map(([name, value]) => `${name}: ${value}\n`).join(''));
    return 0;
  } catch (error) {
    if (isHookrouteError(error, 'HR_CLI_USAGE')) return usageError(io, error.message, USAGE);
    io.stderr.write(`hookroute: ${(error as Error).message}\n`);
    return 1;
  }
};
