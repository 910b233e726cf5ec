// The contract between an endpoint's `token` / `verify:` settings and the HTTP ingest route.
// Verification is pure and synchronous: it sees the raw bytes, the headers and the clock that the
// caller passes in, so tests control time and nothing here does I/O or keeps state.

export interface VerifyRequest {
  /** The body's bytes exactly as received: signatures are over bytes, never over parsed JSON. */
  readonly rawBody: Buffer;
  /** Lower-cased names, as node's IncomingHttpHeaders; a repeated header is an array. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Milliseconds since the epoch. */
  readonly now: number;
}

/**
 * `reason` is for the log only (the client gets a bare 401). It never holds a secret, a token or a
 * computed signature, e.g. "missing header x-hub-signature-256",
 * "timestamp 1700000000 is 412s old (tolerance 300s)".
 */
export type VerifyResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export type Verifier = (req: VerifyRequest) => VerifyResult;

/** What the routes file gives an endpoint. */
export interface SchemeOptions {
  /** `secret: x` or `secret: [x, y]`: during a rotation any one of them may match. */
  readonly secrets: readonly string[];
  /** For timestamped schemes; the loader's default is 5 minutes. */
  readonly toleranceMs: number;
  /** hmac only: sha256 (default), sha1 or sha512. */
  readonly algorithm?: string;
  /** hmac only: the header carrying the signature. */
  readonly header?: string;
  /** hmac only (default hex). */
  readonly encoding?: 'hex' | 'base64';
  /** hmac only, e.g. "sha256=": stripped from the header value before comparing. */
  readonly prefix?: string;
}

/** JSONata sources over {$body, $headers, $query}: where the sender puts name, data and id. */
export interface EnvelopePreset {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

export type SchemeName = 'github' | 'gitlab' | 'stripe' | 'slack' | 'shopify' | 'standard-webhooks' | 'hmac';

export interface SchemeSpec {
  readonly name: SchemeName;
  readonly description: string;
  readonly timestamped: boolean;
  /** The sender's own envelope, used unless the endpoint sets `envelope`. */
  readonly envelope?: EnvelopePreset;
  /**
   * A set-up request the sender makes once and expects answered itself (Slack's
   * url_verification): given the verified, parsed body, the answer to send, or undefined.
   */
  readonly handshake?: (body: unknown) => unknown;
  /**
   * Headers to strip before storing or logging (lower-case). `hmac` names its header in its
   * options, so the caller adds `options.header` itself (see withoutSecrets' `extra`).
   */
  readonly signatureHeaders: readonly string[];
  /** Validates options at load; returns problems as strings ("hmac needs `header`"). */
  check(options: SchemeOptions): string[];
  /** Throws HR_CONFIG_INVALID if check() finds problems: a verifier is never built half-configured. */
  create(options: SchemeOptions): Verifier;
}
