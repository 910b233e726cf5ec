import { isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import type { Diagnostic, KeyPath } from './diagnostics.js';
import { formatKeyPath } from './diagnostics.js';
import { locate, type ParsedSource } from './source.js';

// ${VAR} and ${VAR:-default} are replaced in the parsed values, not in the text, so a value
// from the environment can never change the YAML's structure and positions stay exact.
// $${VAR} writes a literal ${VAR}.
const REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

// Names that say a variable holds a secret; their values are redacted wherever we print.
export const SECRET_NAME = /(TOKEN|SECRET|PASS|PASSWORD|KEY|AUTH|CREDENTIAL|SIGNATURE|PRIVATE)/i;
// Keys under which any substituted value is treated as a secret.
const SECRET_KEYS = new Set(['token', 'secret', 'headers', 'env']);

export interface Substitution {
  readonly name: string;
  readonly value: string;
  readonly secret: boolean;
}

export function substituteEnv(
  source: ParsedSource,
  env: Readonly<Record<string, string | undefined>>,
  report: (d: Diagnostic) => void,
): Substitution[] {
  const used: Substitution[] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isPair(pair) && isScalar(pair.key)) walk(pair.value, [...path, String(pair.key.value)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
      node.value = replace(node.value, path, node);
    }
  };
  const replace = (text: string, path: KeyPath, node: Node): string =>
    text.replace(REFERENCE, (whole, escaped: string, name: string, fallback: string | undefined, at: number) => {
      if (escaped === '$') return whole.slice(1);
      const value = env[name];
      if (value !== undefined && value !== '') {
        const secret = SECRET_NAME.test(name) || path.some((p) => typeof p === 'string' && SECRET_KEYS.has(p));
        used.push({ name, value, secret });
        return value;
      }
      if (fallback !== undefined) return fallback;
      const loc = locate(source, path, at);
      void node;
      report({
        ...loc,
        code: 'HR_CONFIG_ENV_MISSING',
        path: formatKeyPath(path),
        message: `environment variable ${name} is not set (export it, or give a default: \${${name}:-value})`,
      });
      return '';
    });
  walk(source.doc.contents, []);
  return used;
}
