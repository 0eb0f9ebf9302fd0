/**
 * How much a person or a pipeline may send in one field. Generous for real use (a long system prompt
 * fits; a 5 MB title does not), and small enough that storing, hashing, diffing and rendering what was
 * sent stays cheap. The schemas apply them, so every caller of a use case gets them: the API, a server
 * action, a script.
 */
export const LIMITS = {
  title: 200,
  name: 200,
  text: 5_000,
  instructions: 50_000,
  url: 2_000,
  listItems: 200,
  /** A spec sent as YAML/JSON text, or an object's JSON: 200 KB. */
  specText: 200_000,
  /** Nesting of a spec: the real schema is 5 levels deep, so 32 is room to spare and far from a stack overflow. */
  specDepth: 32,
  /** A published sign-off policy: a few roles per tier and a handful of templates. */
  policyText: 100_000,
  /** A whole request body, and so every file sent for import together. */
  bodyBytes: 1_000_000,
} as const;

export const tooLong = (what: string, max: number) => `Keep ${what} to ${max.toLocaleString("en-US")} characters`;
export const tooMany = (what: string, max: number) => `List at most ${max.toLocaleString("en-US")} ${what}`;

/** Keys that name an object's prototype machinery: never meaningful in a spec, and dangerous to copy. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

export type ShapeProblem = { path: string; message: string };

/**
 * Walks a parsed value without recursion (a hostile value may be thousands of levels deep) and reports
 * the first thing that makes it unsafe to keep: nesting beyond `maxDepth`, or a prototype-named key.
 */
export function unsafeShape(value: unknown, maxDepth: number = LIMITS.specDepth, what = "spec"): ShapeProblem | null {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: "" }];
  while (stack.length > 0) {
    const { value: node, depth, path } = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth >= maxDepth) return { path: path || what, message: `The ${what} is nested more than ${maxDepth} levels deep` };
    const entries: [string, unknown][] = Array.isArray(node)
      ? node.map((item, i) => [String(i), item])
      : Object.keys(node).map((key) => [key, (node as Record<string, unknown>)[key]]);
    for (const [key, child] of entries) {
      const childPath = path ? `${path}.${key}` : key;
      if (!Array.isArray(node) && PROTOTYPE_KEYS.has(key)) return { path: childPath, message: `"${key}" is not allowed as a field name` };
      stack.push({ value: child, depth: depth + 1, path: childPath });
    }
  }
  return null;
}

/** The length of a value's compact JSON; a value JSON cannot hold (a BigInt) counts as too large. */
export function jsonLength(value: unknown): number {
  try {
    return (JSON.stringify(value) ?? "").length;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** A sender's clock a little ahead of ours is a clock, not a forgery: times up to 5 minutes in the future are taken. */
export const CLOCK_SKEW_MS = 5 * 60_000;
