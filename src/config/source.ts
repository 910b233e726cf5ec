import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Diagnostic, KeyPath, SourceLocation } from './diagnostics.js';

/** A parsed routes file that still knows where every value came from. */
export interface ParsedSource {
  readonly file: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  readonly diagnostics: readonly Diagnostic[];
}

export function parseSource(file: string, text: string): ParsedSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const diagnostics: Diagnostic[] = [...doc.errors, ...doc.warnings].map((e) => {
    const pos = lines.linePos(e.pos[0]);
    return { file, line: pos.line, col: pos.col, code: 'HR_CONFIG_YAML', path: '', message: e.message.split('\n')[0] ?? e.message };
  });
  return { file, text, doc, lines, diagnostics };
}

/** The node at a key path, or the deepest node on the way there. `key: true` gives the key's node. */
function nodeAt(doc: Document.Parsed, path: KeyPath, wantKey: boolean): Node | undefined {
  let node: unknown = doc.contents;
  let found: Node | undefined = doc.contents ?? undefined;
  for (let i = 0; i < path.length; i++) {
    const part = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
      if (pair === undefined) return found;
      if (last && wantKey && isScalar(pair.key)) return pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part];
    } else {
      return found;
    }
    if (node !== null && typeof node === 'object' && 'range' in node) found = node as Node;
  }
  return found;
}

/**
 * Where a key path sits, 1-based. `offset` moves right inside a scalar string (to point at the
 * failing part of an expression); a quoted scalar's opening quote is skipped.
 */
export function locate(source: ParsedSource, path: KeyPath, offset?: number, wantKey = false): SourceLocation {
  const node = nodeAt(source.doc, path, wantKey);
  const start = node?.range?.[0] ?? 0;
  let shift = 0;
  if (offset !== undefined && isScalar(node)) {
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
    const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
    if (!block) shift = offset + (quoted ? 1 : 0);
  }
  const pos = source.lines.linePos(start + shift);
  return { file: source.file, line: pos.line, col: pos.col };
}
