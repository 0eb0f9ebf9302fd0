import { AppError } from "@/lib/errors";

/*
 * NUL characters (U+0000) in what people and pipelines send. PostgreSQL's text and jsonb cannot hold one, and
 * nothing anyone means to send contains one, so input holding one is refused where it enters a use case, with
 * the field named, on either engine: one rule for both stores, and never a 500 from the database. (Runtime
 * evidence is the exception: a span is counted, its NULs kept as U+FFFD; see lib/server/runtime-ingest.ts.)
 */

export const NUL_MESSAGE = "Remove the NUL character (U+0000): it cannot be stored";
/** A query parameter's refusal: a 400 naming it (lib/validations/query-params.ts). */
export const nulInParameter = (name: string) => `${name} must not hold a NUL character (U+0000)`;

/** Whether a text holds no NUL character: for a schema's `.refine`. */
export const withoutNul = (text: string) => !text.includes("\u0000");

/**
 * Where the first NUL character is in `input` (a text, or a key or text at any depth of an object or list), as
 * a field path like "spec.tools.0.system"; null when there is none. Walked without recursion: input may be deep.
 */
export function nulPath(input: unknown): string | null {
  const stack: { value: unknown; path: string }[] = [{ value: input, path: "" }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === "string") {
      if (value.includes("\u0000")) return path || "body";
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((item, i) => [String(i), item])
      : Object.keys(value).map((key) => [key, (value as Record<string, unknown>)[key]]);
    for (const [key, child] of entries) {
      const childPath = path ? `${path}.${key}` : key;
      if (key.includes("\u0000")) return childPath;
      stack.push({ value: child, path: childPath });
    }
  }
  return null;
}

/** Refuses input holding a NUL character: a 422 whose fieldErrors name the field, as a schema's refusal does. */
export function refuseNul(input: unknown, message: string): void {
  const path = nulPath(input);
  if (path !== null) throw new AppError("validation_failed", message, { fieldErrors: { [path]: [NUL_MESSAGE] } });
}
