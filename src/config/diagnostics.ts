import type { ErrorCode } from '../errors.js';

/** A place in the routes file, 1-based as editors count. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** One problem found in a routes file, located so an editor can jump to it. */
export interface Diagnostic extends SourceLocation {
  readonly code: ErrorCode;
  /** The key path in the routes file, as a user writes it: routes[2].actions[0].timeout */
  readonly path: string;
  readonly message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.path === '' ? '' : `${d.path}: `;
  return `${d.file}:${d.line}:${d.col}: ${where}${d.message}`;
}

export type KeyPath = readonly (string | number)[];

export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** Thrown by the loader when a routes file has problems; carries every one of them. */
export class ConfigError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'ConfigError';
    this.diagnostics = diagnostics;
  }
}
