/**
 * Nesting depth of submitted values. Pure and iterative: a 50,000-deep honeypot value once
 * overflowed the stack of a recursive check and answered 503; now it is a 400 naming the field.
 */

/** The first top-level name whose value nests deeper than `maxDepth` (a string is depth 0), if any. */
export function tooDeepField(values: Readonly<Record<string, unknown>>, maxDepth: number): string | undefined {
  for (const [name, value] of Object.entries(values)) {
    if (depthExceeds(value, maxDepth)) return name;
  }
  return undefined;
}

export function depthExceeds(value: unknown, maxDepth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > maxDepth) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return false;
}
