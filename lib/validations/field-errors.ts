import type { z } from "zod";

/** zod issues as DESIGN.md's fieldErrors: {"path.to.field": [messages]}. */
export function fieldErrorsOf(error: z.ZodError, prefix = ""): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const keys = issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const path of keys) {
      const key = prefix + (path.join(".") || "body");
      (out[key] ??= []).push(issue.code === "unrecognized_keys" ? "Unknown field" : issue.message);
    }
  }
  return out;
}
