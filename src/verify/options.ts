// Load-time checks shared by the schemes. Problems are plain strings (the config loader adds
// file:line:col); they name the option and the scheme, and never quote a secret's value.

import { HookrouteError } from '../errors.js';
import type { SchemeName, SchemeOptions } from './types.js';

export function checkSecrets(scheme: SchemeName, options: SchemeOptions): string[] {
  if (options.secrets.length === 0) return [`${scheme} needs \`secret\` (one, or a list while rotating)`];
  // An empty key would make every signature trivially forgeable.
  return options.secrets.flatMap((s, i) => (s === '' ? [`${scheme} \`secret\` #${i + 1} is empty`] : []));
}

export function checkTolerance(scheme: SchemeName, options: SchemeOptions): string[] {
  const t = options.toleranceMs;
  return Number.isFinite(t) && t > 0 ? [] : [`${scheme} needs a positive \`tolerance\` (such as 5m)`];
}

const HMAC_ONLY = ['algorithm', 'header', 'encoding', 'prefix'] as const;

/** A preset fixes its own algorithm and header: setting them would be silently ignored. */
export function checkNoHmacOptions(scheme: SchemeName, options: SchemeOptions): string[] {
  return HMAC_ONLY.filter((key) => options[key] !== undefined).map(
    (key) => `\`${key}\` applies only to \`verify: hmac\`, not to ${scheme}`,
  );
}

/** create() refuses options that check() rejects, so a misconfigured endpoint never fails open. */
export function assertValid(scheme: SchemeName, problems: readonly string[]): void {
  if (problems.length > 0) {
    throw new HookrouteError('HR_CONFIG_INVALID', `verify: ${scheme}: ${problems.join('; ')}`);
  }
}
