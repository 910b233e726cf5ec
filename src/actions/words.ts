import { parse, type ParseEntry } from 'shell-quote';

// A `run` string is split into words the way a shell would (quotes and backslashes respected),
// but no shell ever runs it. Anything a shell would have interpreted (pipes, redirections,
// globs, `$VAR`, `$(...)`, backticks, comments) is refused rather than passed on literally or
// silently dropped: the user expected a behaviour this string will not have.

export type WordSplit =
  | { readonly ok: true; readonly words: readonly string[] }
  | { readonly ok: false; readonly error: string };

const TEMPLATE = /\{\{[\s\S]*?\}\}/g;

const ADVICE =
  'no shell runs this string: write the command as a list (run: [program, "arg", ...]) ' +
  'or set shell: true and pass values through env';

interface Variable {
  readonly variable: string;
}

function isVariable(entry: unknown): entry is Variable {
  return typeof entry === 'object' && entry !== null && 'variable' in entry;
}

/** A marker no part of `source` contains, made of characters no shell treats specially. */
function markerFor(source: string): string {
  let marker = 'HOOKROUTETEMPLATE';
  while (source.includes(marker)) marker += 'X';
  return marker;
}

/** Why a token shell-quote returned would have meant something to a shell. */
function refusal(entry: ParseEntry | Variable): string | undefined {
  if (typeof entry === 'string') return undefined;
  if (isVariable(entry)) {
    return entry.variable === ''
      ? '"$" starts a shell expansion such as $(command)'
      : `"$${entry.variable}" is a shell variable, and nothing expands it`;
  }
  if ('comment' in entry) return `"#${entry.comment}" would be a shell comment (quote "#" if it is part of an argument)`;
  if (entry.op === 'glob') return `"${entry.pattern}" is a glob pattern, and nothing expands it`;
  return `"${entry.op}" is shell syntax`;
}

// shell-quote keeps backticks as plain text, so look for them where a shell would run them:
// outside single quotes and not escaped by a backslash.
function findBacktick(source: string): boolean {
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
    } else if (c === '\\') {
      i++;
    } else if (c === '`') {
      return true;
    } else if (c === '"') {
      quote = quote === '"' ? undefined : '"';
    } else if (c === "'" && quote === undefined) {
      quote = "'";
    }
  }
  return false;
}

/**
 * Splits a command string into words. `{{ ... }}` templates are kept whole inside their word,
 * whatever spaces or quotes their expression holds, so `{{ $substringBefore(nome, ' ') }}` is
 * one word; their values are inserted later, after splitting, and are never split themselves.
 */
export function splitWords(source: string): WordSplit {
  const marker = markerFor(source);
  const templates: string[] = [];
  const protectedSource = source.replace(TEMPLATE, (template) => {
    templates.push(template);
    return `${marker}${templates.length - 1}${marker}`;
  });

  if (findBacktick(protectedSource)) {
    return { ok: false, error: `"\`" runs a command in a shell, but ${ADVICE}` };
  }

  // A function as env makes shell-quote hand back `$VAR` as an object instead of expanding it
  // to "" (as it does for a variable missing from an env object).
  const entries = parse(protectedSource, (name: string): Variable => ({ variable: name }));
  const restore = new RegExp(`${marker}(\\d+)${marker}`, 'g');
  const words: string[] = [];
  for (const entry of entries) {
    const why = refusal(entry);
    if (why !== undefined) return { ok: false, error: `${why.replace(restore, '{{…}}')}, but ${ADVICE}` };
    words.push((entry as string).replace(restore, (_, index: string) => templates[Number(index)] ?? ''));
  }
  if (words.length === 0) return { ok: false, error: 'the command is empty: name a program to run' };
  return { ok: true, words };
}
