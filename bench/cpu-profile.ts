import { readFile } from 'node:fs/promises';

// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time by function
// and by package or hookroute file, and inclusive time of hookroute's own functions (each sample
// counted once per function on its stack, so recursion is not double counted).

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface Line {
  readonly name: string;
  readonly ms: number;
  readonly pct: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly byCategory: Line[];
  readonly selfByFunction: Line[];
  readonly inclusiveHookroute: Line[];
  readonly inclusiveByCategory: Line[];
}

/** A package name, a hookroute file (src/...), a node: module group or a V8 pseudo-frame. */
export function category(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return (parts[0] ?? '').startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? '');
  }
  const src = url.indexOf('/dist/src/');
  if (src !== -1) return `src/${url.slice(src + '/dist/src/'.length).replace(/\.js$/, '.ts')}`;
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/');
    return parts[0] === 'internal' ? `node:internal/${parts[1] ?? ''}` : `node:${parts[0] ?? ''}`;
  }
  return url;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url === '' ? '' : ` ${category(url, functionName)}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${where}`;
}

function top(map: Map<string, number>, total: number, n: number): Line[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: Math.round((us / total) * 1000) / 10 }));
}

/** `skipMs`: samples in the first ms of the profile (start-up, warm-up) are left out. */
export async function summariseProfile(file: string, n = 25, skipMs = 0): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const byCategory = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const inclusiveCategory = new Map<string, number>();
  let total = 0;
  let clock = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    clock += us;
    const node = byId.get(id);
    if (node === undefined || clock < skipMs * 1000) return;
    total += us;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    const cat = category(node.callFrame.url, node.callFrame.functionName);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + us);
    const seen = new Set<string>();
    const seenCategory = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (frame === undefined) break;
      const c = category(frame.callFrame.url, frame.callFrame.functionName);
      if (!seenCategory.has(c)) {
        seenCategory.add(c);
        inclusiveCategory.set(c, (inclusiveCategory.get(c) ?? 0) + us);
      }
      if (!frame.callFrame.url.includes('/dist/src/')) continue;
      const key = label(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  });
  return {
    totalMs: Math.round(total / 1000),
    byCategory: top(byCategory, total, n),
    selfByFunction: top(self, total, n),
    inclusiveHookroute: top(inclusive, total, n),
    inclusiveByCategory: top(inclusiveCategory, total, n),
  };
}

export function formatProfile(s: ProfileSummary): string {
  const block = (title: string, lines: readonly Line[]): string =>
    [`${title}`, ...lines.map((l) => `  ${l.pct.toFixed(1).padStart(5)}%  ${l.ms.toFixed(1).padStart(8)} ms  ${l.name}`)].join('\n');
  return [
    `profile: ${s.totalMs} ms sampled`,
    block('self time by package / file:', s.byCategory),
    block('self time by function:', s.selfByFunction),
    block('inclusive time, hookroute functions:', s.inclusiveHookroute),
    block('inclusive time by package / file (on the stack):', s.inclusiveByCategory),
  ].join('\n\n');
}
