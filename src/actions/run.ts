import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { compileString, type StringTemplate, type TextMapTemplate } from '../template/template.js';
import type { EventContext } from '../template/expression.js';
import type { ActionResult, ActionSpec, AttemptContext, CompileContext } from './types.js';
import { spawnInGroup, type SpawnOutcome } from './spawn.js';
import { splitWords } from './words.js';

// Commands are argv arrays: a payload value reaches the program only as a whole argument, a
// named environment variable or stdin, never as shell text (style.md, point 6).

export interface RunRaw {
  readonly run: string | readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly stdin?: string;
  readonly shell?: boolean;
}

export interface RunCompiled {
  readonly argv: readonly StringTemplate[];
  readonly env: TextMapTemplate | undefined;
  readonly cwd: string;
  readonly stdin: StringTemplate | undefined;
  readonly dir: string;
}

export interface RunRendered {
  /** argv[0] as written, for messages. */
  readonly program: string;
  /** argv[0] resolved: relative paths against the routes file's folder. */
  readonly file: string;
  readonly args: readonly string[];
  /** Only the variables the action sets; the rest is inherited. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly stdin?: string;
}

const SHELL = '/bin/sh';
const ENV_NAME = /^[^=\0]+$/;

const schema = Type.Object({
  run: Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1 })], {
    description:
      'The command. A list is the argv exactly, each element a template. A string is split into words ' +
      'as a shell would, but no shell runs it (no pipes, globs or $VAR). Values are inserted after splitting.',
  }),
  env: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description: 'Environment variables added to the inherited ones; values are templates: { USER_ID: "{{ id }}" }.',
    }),
  ),
  cwd: Type.Optional(
    Type.String({ description: "Working folder; relative to the routes file's folder, which is also the default." }),
  ),
  stdin: Type.Optional(
    Type.String({ description: 'Text piped to the program, a template: "{{ $ }}" pipes the event\'s data as JSON.' }),
  ),
  shell: Type.Optional(
    Type.Boolean({
      default: false,
      description: 'Run the string with /bin/sh. Templates are then refused in the script: pass values through env.',
    }),
  ),
});

function compileArgv(raw: RunRaw, ctx: CompileContext): StringTemplate[] {
  const run = raw.run;
  if (raw.shell === true) {
    if (typeof run !== 'string') {
      ctx.error(['shell'], 'shell: true runs a script: write `run` as one string, not a list');
      return [];
    }
    if (run.includes('{{')) {
      ctx.error(
        ['run'],
        'templates are refused in a shell script, because a value could inject shell code: pass values ' +
          'through env, e.g. env: { NAME: "{{ nome }}" } and use "$NAME" in the script',
      );
      return [];
    }
    return [SHELL, '-c', run].map((word) => compileString(word));
  }
  if (typeof run === 'string') {
    // Check the whole string first, so a template error is reported at its own column.
    try {
      compileString(run);
    } catch {
      ctx.string(['run'], run);
      return [];
    }
    const split = splitWords(run);
    if (!split.ok) {
      ctx.error(['run'], `${JSON.stringify(run)}: ${split.error}`);
      return [];
    }
    return split.words.map((word) => ctx.string(['run'], word));
  }
  if (!Array.isArray(run) || run.length === 0 || !run.every((word) => typeof word === 'string')) {
    ctx.error(['run'], 'must be a command string or a non-empty list of strings');
    return [];
  }
  return run.map((word, i) => ctx.string(['run', i], word));
}

function compileEnv(raw: RunRaw, ctx: CompileContext): TextMapTemplate | undefined {
  if (raw.env === undefined) return undefined;
  for (const name of Object.keys(raw.env)) {
    if (!ENV_NAME.test(name)) ctx.error(['env', name], `${JSON.stringify(name)} cannot be an environment variable name`);
  }
  return ctx.textMap(['env'], raw.env);
}

function compileCwd(raw: RunRaw, ctx: CompileContext): string {
  if (raw.cwd === undefined) return ctx.dir;
  // A folder chosen by the payload could be anywhere: keep it the user's choice.
  if (raw.cwd.includes('{{')) ctx.error(['cwd'], 'cwd cannot hold templates: write the folder itself');
  return path.resolve(ctx.dir, raw.cwd);
}

function resolveProgram(program: string, dir: string): string {
  return program.includes('/') ? path.resolve(dir, program) : program;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** A start failure, explained in the user's terms: which program, looked for where. */
async function explainSpawnError(r: RunRendered, code: string | undefined, message: string): Promise<string> {
  const where = r.file === r.program ? '' : ` (resolved to ${r.file})`;
  if (code === 'ENOENT' && !(await exists(r.cwd))) return `working folder ${r.cwd} does not exist`;
  if (code === 'ENOENT') {
    if (!r.file.includes('/')) return `program ${JSON.stringify(r.program)} was not found in PATH`;
    if (!(await exists(r.file))) return `program ${JSON.stringify(r.program)} was not found${where}`;
    return `program ${JSON.stringify(r.program)}${where} exists but could not start: is its #! interpreter installed?`;
  }
  if (code === 'EACCES') return `program ${JSON.stringify(r.program)}${where} is not executable (chmod +x it)`;
  return `program ${JSON.stringify(r.program)}${where} could not start: ${message}`;
}

async function toResult(r: RunRendered, out: SpawnOutcome, attempt: AttemptContext, durationMs: number): Promise<ActionResult> {
  const common = {
    durationMs,
    output: out.stdout.text(),
    stderr: out.stderr.text(),
    ...(out.exitCode === undefined ? {} : { exitCode: out.exitCode }),
    ...(out.signal === undefined ? {} : { signal: out.signal }),
  };
  if (out.stopped === 'abort') return { ...common, outcome: 'error', error: 'stopped: shutting down' };
  if (out.stopped === 'timeout') {
    const how = out.signal === undefined ? '' : ` with ${out.signal}`;
    return { ...common, outcome: 'timeout', error: `timed out after ${attempt.timeoutMs} ms: its process group was stopped${how}` };
  }
  if (out.spawnError !== undefined) {
    return { ...common, outcome: 'error', error: await explainSpawnError(r, out.spawnError.code, out.spawnError.message) };
  }
  if (out.exitCode === 0) return { ...common, outcome: 'ok' };
  const last = out.stderr.lastLine();
  const why = out.exitCode === undefined ? `was killed by ${out.signal ?? 'a signal'}` : `exited with code ${out.exitCode}`;
  return { ...common, outcome: 'failed', error: last === '' ? why : `${why}: ${last}` };
}

export const runAction: ActionSpec<RunRaw, RunCompiled, RunRendered> = {
  type: 'run',
  description: 'Runs a program with arguments taken from the event; exit code 0 is success.',
  schema,
  defaultAttempts: 1,
  defaultTimeoutMs: 30_000,

  compile(raw, ctx) {
    return {
      argv: compileArgv(raw, ctx),
      env: compileEnv(raw, ctx),
      cwd: compileCwd(raw, ctx),
      stdin: raw.stdin === undefined ? undefined : ctx.string(['stdin'], raw.stdin),
      dir: ctx.dir,
    };
  },

  async render(compiled, event: EventContext) {
    const words: string[] = [];
    for (const word of compiled.argv) words.push(await word.text(event));
    const [program = '', ...args] = words;
    return {
      program,
      file: resolveProgram(program, compiled.dir),
      args,
      env: compiled.env === undefined ? {} : await compiled.env.render(event),
      cwd: compiled.cwd,
      ...(compiled.stdin === undefined ? {} : { stdin: await compiled.stdin.text(event) }),
    };
  },

  async execute(rendered, attempt) {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      if (attempt.signal.aborted) return { outcome: 'error', durationMs: 0, error: 'stopped: shutting down' };
      const out = await spawnInGroup({
        file: rendered.file,
        args: rendered.args,
        cwd: rendered.cwd,
        // Set last, so an action's env cannot pretend to be another delivery.
        env: { ...rendered.env, HOOKROUTE_EVENT: attempt.event, HOOKROUTE_DELIVERY: attempt.deliveryId },
        ...(rendered.stdin === undefined ? {} : { stdin: rendered.stdin }),
        timeoutMs: attempt.timeoutMs,
        signal: attempt.signal,
      });
      return await toResult(rendered, out, attempt, elapsed());
    } catch (error) {
      return { outcome: 'error', durationMs: elapsed(), error: `could not run ${rendered.program}: ${(error as Error).message}` };
    }
  },

  describe(rendered) {
    // argv as written in the routes file, so a file's own tests do not depend on where it lives;
    // the resolved program is added only when it differs.
    return {
      argv: [rendered.program, ...rendered.args],
      ...(rendered.file === rendered.program ? {} : { file: rendered.file }),
      env: rendered.env,
      cwd: rendered.cwd,
      ...(rendered.stdin === undefined ? {} : { stdin: rendered.stdin }),
    };
  },
};
