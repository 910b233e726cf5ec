import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { closest, distance } from 'fastest-levenshtein';
import type { TSchema } from '@sinclair/typebox';
import type { Diagnostic, KeyPath } from './diagnostics.js';
import { formatKeyPath } from './diagnostics.js';
import { locate, type ParsedSource } from './source.js';

// JSON Schema errors rewritten as a person reads them: the key path, the value quoted, what is
// valid, and for an unknown key the nearest valid one. Ajv reports every problem at once.

export type SchemaCheck = (value: unknown, base: KeyPath, source: ParsedSource, report: (d: Diagnostic) => void) => boolean;

// verbose: errors carry their parentSchema, which the messages read (valid keys, x-expects).
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
ajv.addKeyword('x-expects');

export function schemaCheck(schema: TSchema): SchemaCheck {
  const validate: ValidateFunction = ajv.compile(schema);
  return (value, base, source, report) => {
    if (validate(value)) return true;
    for (const d of describe(validate.errors ?? [], value, base, source)) report(d);
    return false;
  };
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const part of path) node = (node as Record<string | number, unknown> | undefined)?.[part];
  return node;
}

export function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function suggestion(key: string, valid: readonly string[]): string {
  const near = valid.length > 0 ? closest(key, valid as string[]) : undefined;
  const guess = near !== undefined && distance(key, near) <= Math.max(2, Math.floor(key.length / 3)) ? `did you mean "${near}"? ` : '';
  return `(${guess}valid keys: ${valid.join(', ')})`;
}

function describe(errors: readonly ErrorObject[], root: unknown, base: KeyPath, source: ParsedSource): Diagnostic[] {
  // A failed union reports one error per branch; keep the union's own message instead.
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const insideUnion = (e: ErrorObject): boolean =>
    unions.some((u) => u !== e && e.schemaPath.startsWith(u.schemaPath.replace(/\/(anyOf|oneOf)$/, '/')) && e.instancePath.startsWith(u.instancePath));
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (insideUnion(error)) continue;
    const rel = pointerToPath(error.instancePath);
    const value = valueAt(root, rel);
    let path: KeyPath = [...base, ...rel];
    let wantKey = false;
    let message: string;
    const schema = error.parentSchema as Record<string, unknown> | undefined;
    switch (error.keyword) {
      case 'additionalProperties': {
        const key = String(error.params['additionalProperty']);
        const valid = Object.keys((schema?.['properties'] as object | undefined) ?? {}).filter((k) => k !== '$schema');
        path = [...path, key];
        wantKey = true;
        message = `unknown key "${key}" ${suggestion(key, valid)}`;
        break;
      }
      case 'required':
        message = `missing required key "${String(error.params['missingProperty'])}"`;
        break;
      case 'anyOf':
      case 'oneOf':
      case 'type': {
        const expects = (schema?.['x-expects'] as string | undefined) ?? `of type ${String(error.params['type'] ?? 'object')}`;
        message = `${quote(value)} is not valid: expected ${expects}`;
        break;
      }
      case 'const':
      case 'enum':
        message = `${quote(value)} is not valid: expected ${quote(error.params['allowedValue'] ?? error.params['allowedValues'])}`;
        break;
      case 'minItems':
        message = `must have at least ${String(error.params['limit'])} item(s)`;
        break;
      case 'pattern':
        message = `${quote(value)} is not valid: must match ${String(error.params['pattern'])}${error.params['pattern'] === '^/' ? ' (start with /)' : ''}`;
        break;
      case 'minimum':
      case 'maximum':
        message = `${quote(value)} is not valid: must be ${error.keyword === 'minimum' ? '>=' : '<='} ${String(error.params['limit'])}`;
        break;
      case 'minLength':
        message = 'must not be empty';
        break;
      default:
        message = `${quote(value)} ${error.message ?? 'is not valid'}`;
    }
    const loc = locate(source, path, undefined, wantKey);
    const d: Diagnostic = { ...loc, code: error.keyword === 'additionalProperties' ? 'HR_CONFIG_UNKNOWN_KEY' : 'HR_CONFIG_INVALID', path: formatKeyPath(path), message };
    const key = `${d.line}:${d.col}:${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}
