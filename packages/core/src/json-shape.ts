/** Nesting the platform accepts inside one JSON value; deeper is refused before any recursive walk. */
export const MAX_JSON_DEPTH = 64;

/** A lone UTF-16 surrogate: a string that is not well-formed Unicode (it would be mangled in facets). */
const LONE_SURROGATE = /\p{Cs}/u;

export interface JsonShapeIssue {
  /** Dotted path from the checked value, cut after 12 segments so a deep path stays readable. */
  path: string;
  message: string;
}

function dotted(segments: readonly (string | number)[]): string {
  const shown = segments.slice(0, 12).join('.');
  return segments.length > 12 ? `${shown}.…` : shown;
}

/**
 * The first thing in a parsed JSON value the platform refuses, found without recursion (so a hostile
 * depth cannot overflow the stack): nesting deeper than `maxDepth`, a `__proto__` key (JavaScript objects
 * would silently drop it, so the stored event would differ from what was sent), or a string or key that
 * is not well-formed Unicode. `base` prefixes the reported path.
 */
export function jsonShapeIssue(
  value: unknown,
  maxDepth: number = MAX_JSON_DEPTH,
  base: readonly (string | number)[] = [],
): JsonShapeIssue | undefined {
  const stack: { node: unknown; path: (string | number)[] }[] = [{ node: value, path: [...base] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (typeof node === 'string') {
      if (LONE_SURROGATE.test(node))
        return { path: dotted(path), message: 'not well-formed Unicode (a lone UTF-16 surrogate)' };
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (path.length - base.length >= maxDepth)
      return { path: dotted(path), message: `nested deeper than ${maxDepth} levels` };
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push({ node: node[i], path: [...path, i] });
      continue;
    }
    for (const key of Object.keys(node)) {
      if (key === '__proto__')
        return { path: dotted([...path, key]), message: 'the key "__proto__" is not accepted' };
      if (LONE_SURROGATE.test(key))
        return { path: dotted([...path, key]), message: 'key is not well-formed Unicode' };
      stack.push({ node: (node as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return undefined;
}
