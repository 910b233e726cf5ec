import type { CompileContext } from '../actions/types.js';
import { compileJson, compileString, compileTextMap, TemplateCompileError, type StringTemplate } from '../template/template.js';
import type { Diagnostic, KeyPath, SourceLocation } from './diagnostics.js';
import { formatKeyPath } from './diagnostics.js';
import type { ErrorCode } from '../errors.js';

/** Finds where a key path sits in the routes file; `offset` is a column offset inside a string. */
export type Locate = (path: KeyPath, offset?: number) => SourceLocation;

export interface CompileSink {
  readonly dir: string;
  readonly locate: Locate;
  readonly report: (d: Diagnostic) => void;
}

export function reportAt(sink: CompileSink, path: KeyPath, code: ErrorCode, message: string, offset?: number): void {
  sink.report({ ...sink.locate(path, offset), code, path: formatKeyPath(path), message });
}

const FAILED: StringTemplate = compileString('');

/** Compiles one template string, reporting a syntax error at its line and column. */
export function compileStringAt(sink: CompileSink, path: KeyPath, source: string): StringTemplate {
  try {
    return compileString(source);
  } catch (error) {
    const offset = error instanceof TemplateCompileError ? error.offset : 0;
    reportAt(sink, path, 'HR_CONFIG_EXPRESSION', (error as Error).message, offset);
    return FAILED;
  }
}

export function createCompileContext(sink: CompileSink, base: KeyPath): CompileContext {
  const at = (key: KeyPath): KeyPath => [...base, ...key];
  return {
    dir: sink.dir,
    path: base,
    string: (key, source) => compileStringAt(sink, at(key), source),
    json(key, value) {
      // Compile each string where it stands, so an error points at its own line.
      const check = (v: unknown, p: KeyPath): void => {
        if (typeof v === 'string') compileStringAt(sink, at(p), v);
        else if (Array.isArray(v)) v.forEach((item, i) => check(item, [...p, i]));
        else if (v !== null && typeof v === 'object') for (const [k, item] of Object.entries(v)) check(item, [...p, k]);
      };
      try {
        return compileJson(value);
      } catch {
        check(value, key);
        return compileJson(null);
      }
    },
    textMap(key, map) {
      try {
        return compileTextMap(map);
      } catch {
        for (const [k, v] of Object.entries(map)) compileStringAt(sink, at([...key, k]), v);
        return compileTextMap({});
      }
    },
    error: (key, message) => reportAt(sink, at(key), 'HR_CONFIG_INVALID', message),
  };
}
