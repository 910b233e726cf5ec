import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { HookrouteError, isHookrouteError } from '../errors.js';
import type { EventContext } from '../template/expression.js';
import type { JsonTemplate, StringTemplate } from '../template/template.js';
import type { ActionSpec } from './types.js';
import { LogFiles } from './log-files.js';

export interface LogRaw {
  readonly log: string;
  readonly record?: unknown;
}

export interface LogCompiled {
  readonly path: StringTemplate;
  readonly record: JsonTemplate | undefined;
  readonly dir: string;
}

export interface LogRendered {
  /** Absolute path of the file appended to. */
  readonly path: string;
  readonly record: unknown;
  /** For a templated path: the folder it must stay inside, checked again before writing. */
  readonly confinedTo?: string;
  /** The routes file's folder: describe() shows the path relative to it. */
  readonly dir?: string;
}

const schema = Type.Object({
  log: Type.String({
    description:
      "File to append one JSON line per event to; relative to the routes file's folder. Folders are created. " +
      'May hold templates, but a templated path must stay inside that folder.',
  }),
  record: Type.Optional(
    Type.Unknown({
      description: 'What each line holds: a structure whose strings may be templates. Default: {received, id, event, data}.',
    }),
  ),
});

function escapes(message: string): HookrouteError {
  return new HookrouteError('HR_PATH_ESCAPES', message);
}

/**
 * Where a rendered, templated path lands, refusing any that a payload value could have pointed
 * outside `dir`: NUL bytes, absolute paths, `..` segments, or the folder itself.
 */
export function confinedPath(dir: string, rendered: string): string {
  const shown = JSON.stringify(rendered);
  if (rendered.includes('\0')) throw escapes(`log path ${shown} holds a NUL byte`);
  if (path.isAbsolute(rendered)) throw escapes(`log path ${shown} is absolute; a templated path must stay inside ${dir}`);
  if (rendered.split(/[/\\]/).includes('..')) throw escapes(`log path ${shown} contains "..", which could leave ${dir}`);
  const resolved = path.resolve(dir, rendered);
  const relative = path.relative(dir, resolved);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw escapes(`log path ${shown} resolves to ${resolved}, outside ${dir}`);
  }
  return resolved;
}

function defaultRecord(event: EventContext): unknown {
  const { received, id, event: name } = event.bindings;
  return { received, id, event: name, data: event.data };
}

// Open handles shared by every log action of the process (log-files.ts): one write per line on
// an O_APPEND handle, reopened after a rotation, closed when idle; never keeps the process alive.
const files = new LogFiles();

/** Closes the log action's open files (after their writes in flight): the daemon's stop hook. */
export function closeLogFiles(): Promise<void> {
  return files.close();
}

export const logAction: ActionSpec<LogRaw, LogCompiled, LogRendered> = {
  type: 'log',
  description: 'Appends one JSON line per event to a file.',
  schema,
  defaultAttempts: 1,
  defaultTimeoutMs: 5000,

  compile(raw, ctx) {
    const template = ctx.string(['log'], raw.log);
    if (raw.log.includes('\0')) ctx.error(['log'], 'the path holds a NUL byte');
    if (!template.isLiteral && (path.isAbsolute(raw.log) || raw.log.split(/[/\\]/).includes('..'))) {
      ctx.error(['log'], `${JSON.stringify(raw.log)}: a templated path must stay inside the routes file's folder (${ctx.dir}): write it relative, without ".."`);
    }
    return { path: template, record: raw.record === undefined ? undefined : ctx.json(['record'], raw.record), dir: ctx.dir };
  },

  async render(compiled, event) {
    const record = compiled.record === undefined ? defaultRecord(event) : await compiled.record.render(event);
    if (record === undefined) throw new HookrouteError('HR_TEMPLATE_UNDEFINED', 'record renders to nothing for this event');
    if (compiled.path.isLiteral) return { path: path.resolve(compiled.dir, compiled.path.source), record, dir: compiled.dir };
    const rendered = await compiled.path.text(event);
    return { path: confinedPath(compiled.dir, rendered), record, confinedTo: compiled.dir, dir: compiled.dir };
  },

  async execute(rendered, attempt) {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (attempt.signal.aborted) return { outcome: 'error', durationMs: 0, error: 'stopped: shutting down' };
    let timer: NodeJS.Timeout | undefined;
    try {
      // Checked again: a rendered action may come from elsewhere than render() (a replay).
      if (rendered.confinedTo !== undefined) confinedPath(rendered.confinedTo, path.relative(rendered.confinedTo, rendered.path));
      const line = Buffer.from(`${JSON.stringify(rendered.record)}\n`);
      // A write cannot be cancelled; a stuck one (a dead network mount) is reported, not awaited.
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), attempt.timeoutMs)));
      const outcome = await Promise.race([files.append(rendered.path, line).then(() => 'ok' as const), timedOut]);
      if (outcome === 'timeout') {
        return { outcome, durationMs: elapsed(), error: `writing ${rendered.path} did not finish within ${attempt.timeoutMs} ms` };
      }
      return { outcome, durationMs: elapsed() };
    } catch (error) {
      const message = isHookrouteError(error) ? `${error.code}: ${error.detail}` : (error as Error).message;
      return { outcome: 'error', durationMs: elapsed(), error: `could not append to ${rendered.path}: ${message}` };
    } finally {
      clearTimeout(timer);
    }
  },

  describe(rendered) {
    // Relative to the routes file's folder when inside it, as a user writes it in the file.
    const relative = rendered.dir === undefined ? '' : path.relative(rendered.dir, rendered.path);
    const inside = relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
    return { path: inside ? relative.split(path.sep).join('/') : rendered.path, record: rendered.record };
  },
};
