// The verify module's public surface, for the config loader and the ingest route.
export type { EnvelopePreset, SchemeName, SchemeOptions, SchemeSpec, Verifier, VerifyRequest, VerifyResult } from './types.js';
export { schemes, schemeNames, isSchemeName } from './registry.js';
export { createTokenVerifier, checkTokens } from './token.js';
export { createAllowList, parseCidr, normaliseAddress } from './allow.js';
export type { AllowList, Cidr, ParsedCidr } from './allow.js';
export { SECRET_HEADERS, withoutSecrets } from './redact-headers.js';
