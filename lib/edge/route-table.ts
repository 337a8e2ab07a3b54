/**
 * Longest-prefix route lookup prepared once at start: a path is looked up whole, then with its
 * last segment cut off, and so on, so a request costs at most one Map lookup per path segment
 * whatever the number of routes, and prefixes only ever match on segment boundaries.
 */
export function createRouteTable<R>(routes: readonly R[], prefixOf: (route: R) => string): (lowerCasePath: string) => R | undefined {
  // Prefixes match case-insensitively: stored lower-cased, looked up with the lower-cased path.
  const byPrefix = new Map<string, R>(routes.map((route) => [prefixOf(route).toLowerCase(), route]));
  const root = byPrefix.get('/');
  return (path) => {
    let candidate = path;
    for (;;) {
      const route = byPrefix.get(candidate);
      if (route !== undefined) return route;
      const slash = candidate.lastIndexOf('/');
      if (slash <= 0) return root;
      candidate = candidate.slice(0, slash);
    }
  };
}
