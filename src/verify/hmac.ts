// Generic HMAC for senders without a preset: the signature of the raw body, in `header`, as hex
// (compared case-insensitively) or base64 (compared as sent), after an optional `prefix` such as
// "sha256=". A value without the expected prefix fails: accepting it would let a sender choose
// the format. No timestamp and no envelope: the endpoint sets `envelope` if it needs one.
// signatureHeaders is empty because the header is per endpoint: callers redact `options.header`.

import { hmac as computeHmac, safeEqualAny } from './compare.js';
import { assertValid, checkSecrets } from './options.js';
import { firstHeader, isBase64, normaliseHex } from './request.js';
import { PASS, malformedHeader, missingHeader, noMatch } from './result.js';
import type { SchemeOptions, SchemeSpec, Verifier } from './types.js';

const ALGORITHMS = ['sha256', 'sha1', 'sha512'] as const;
const ENCODINGS = ['hex', 'base64'] as const;
// RFC 9110 field-name token.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function check(options: SchemeOptions): string[] {
  const problems = checkSecrets('hmac', options);
  const { algorithm, header, encoding } = options;
  if (algorithm !== undefined && !(ALGORITHMS as readonly string[]).includes(algorithm)) {
    problems.push(`hmac \`algorithm\` "${algorithm}" is not supported (use ${ALGORITHMS.join(', ')})`);
  }
  if (header === undefined || header === '') {
    problems.push('hmac needs `header` (the header carrying the signature, e.g. x-signature)');
  } else if (!HEADER_NAME.test(header)) {
    problems.push(`hmac \`header\` "${header}" is not a valid header name`);
  }
  if (encoding !== undefined && !(ENCODINGS as readonly string[]).includes(encoding)) {
    problems.push(`hmac \`encoding\` "${String(encoding)}" is not supported (use hex or base64)`);
  }
  return problems;
}

function create(options: SchemeOptions): Verifier {
  assertValid('hmac', check(options));
  const secrets = [...options.secrets];
  const algorithm = options.algorithm ?? 'sha256';
  const encoding = options.encoding ?? 'hex';
  const header = (options.header ?? '').toLowerCase(); // request headers arrive lower-cased
  const prefix = options.prefix ?? '';
  const shape = `${prefix}<${encoding}>`;
  return (req) => {
    const value = firstHeader(req, header);
    if (value === undefined) return missingHeader(header);
    if (!value.startsWith(prefix)) return malformedHeader(header, shape);
    const text = value.slice(prefix.length);
    const received = encoding === 'hex' ? normaliseHex(text) : isBase64(text) ? text : undefined;
    if (received === undefined) return malformedHeader(header, shape);
    const expected = secrets.map((secret) => computeHmac(algorithm, secret, req.rawBody).toString(encoding));
    return safeEqualAny([received], expected) ? PASS : noMatch(secrets.length);
  };
}

export const hmac: SchemeSpec = Object.freeze({
  name: 'hmac',
  description: 'Generic HMAC (sha256, sha1 or sha512) of the body in a chosen header, hex or base64, with an optional prefix',
  timestamped: false,
  signatureHeaders: [],
  check,
  create,
});
