// Which event names a route listens to: an exact name, a list, or globs where * matches any
// run of characters (pedido.* matches pedido.criado and pedido.item.removido).

export interface EventMatcher {
  readonly patterns: readonly string[];
  matches(event: string): boolean;
  /** True when the route names this event exactly, not through a glob (bounded metric labels). */
  names(event: string): boolean;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

export function compileEventMatcher(patterns: readonly string[]): EventMatcher {
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const globs = patterns.filter((p) => p.includes('*')).map(globToRegExp);
  return {
    patterns,
    matches: (event) => exact.has(event) || globs.some((g) => g.test(event)),
    names: (event) => exact.has(event),
  };
}
