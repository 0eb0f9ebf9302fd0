import type { z } from "zod";
import { AppError } from "@/lib/errors";

/** zod issues as DESIGN.md's fieldErrors: {"path.to.field": [messages]}. */
export function fieldErrorsOf(error: z.ZodError, prefix = ""): Record<string, string[]> {
  // A Map, not an object: a field named "constructor" or "__proto__" must not find Object's own.
  const out = new Map<string, string[]>();
  for (const issue of error.issues) {
    const keys = issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const path of keys) {
      const key = prefix + (path.map(String).join(".") || "body");
      const messages = out.get(key) ?? [];
      messages.push(issue.code === "unrecognized_keys" ? "Unknown field" : issue.message);
      out.set(key, messages);
    }
  }
  return Object.fromEntries(out);
}

/** Validates a use case's input with its schema; a failure is a 422 whose fieldErrors name each field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, message: string): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError("validation_failed", message, { fieldErrors: fieldErrorsOf(parsed.error) });
  return parsed.data;
}
