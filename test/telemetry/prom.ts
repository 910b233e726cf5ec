// A small reader of the Prometheus text exposition format (version 0.0.4), enough for tests to
// compare values: `name{label="value",...} number`, with \\, \" and \n escapes in label values.

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Scrape {
  readonly samples: readonly Sample[];
  /** `# TYPE` lines: metric family name -> counter, gauge, histogram, ... */
  readonly types: ReadonlyMap<string, string>;
  /** The value of the sample with exactly these labels, or undefined when there is none. */
  get(name: string, labels?: Record<string, string>): number | undefined;
  /** Samples of `name` whose labels include `labels`. */
  all(name: string, labels?: Record<string, string>): Sample[];
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

// Prometheus parses values with Go's ParseFloat, which takes NaN and Inf in any case
// (prom-client writes "Nan" for an empty event-loop histogram).
function parseValue(text: string): number {
  if (/^[+]?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  return Number(text);
}

export function parseExposition(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type !== null) types.set(type[1] as string, type[2] as string);
      continue;
    }
    const m = LINE.exec(line);
    if (m === null) throw new Error(`line ${i + 1} is not a sample: ${raw}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    LABEL.lastIndex = 0;
    let consumed = 0;
    for (let l = LABEL.exec(body); l !== null; l = LABEL.exec(body)) {
      labels[l[1] as string] = unescape(l[2] as string);
      consumed = LABEL.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`line ${i + 1} has malformed labels: ${raw}`);
    const value = parseValue(m[3] as string);
    if (Number.isNaN(value) && !/^nan$/i.test(m[3] as string)) throw new Error(`line ${i + 1} has no number: ${raw}`);
    samples.push({ name: m[1] as string, labels, value });
  }
  const matches = (sample: Sample, labels: Record<string, string>): boolean =>
    Object.entries(labels).every(([k, v]) => sample.labels[k] === v);
  return {
    samples,
    types,
    all: (name, labels = {}) => samples.filter((s) => s.name === name && matches(s, labels)),
    get(name, labels = {}) {
      const found = samples.filter((s) => s.name === name && matches(s, labels) && Object.keys(s.labels).length === Object.keys(labels).length);
      if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} names ${found.length} samples`);
      return found[0]?.value;
    },
  };
}

export async function scrape(adminUrl: string): Promise<Scrape> {
  const response = await fetch(`${adminUrl}/metrics`);
  if (response.status !== 200) throw new Error(`GET ${adminUrl}/metrics answered ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain')) throw new Error(`/metrics content type is ${type}`);
  return parseExposition(await response.text());
}
