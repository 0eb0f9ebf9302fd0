"use server";

import { rollback } from "@/lib/server/rollback";
import { runAsUser, type ActionOutcome } from "../run-action";

export async function rollbackAction(
  slug: string,
  input: { environment: string; reason: string; severity?: string; expectedVersion?: number },
): Promise<ActionOutcome> {
  return runAsUser(
    (caller) => {
      const result = rollback(caller, slug, { ...input, severity: input.severity || undefined });
      const parts = [`${result.deployment.environment} runs v${result.deployment.version} again`];
      if (result.rolledBackChange) parts.push(`${result.rolledBackChange} marked rolled back`);
      if (result.incident) parts.push(`incident “${result.incident.title}” linked`);
      return parts.join("; ");
    },
    [`/agents/${slug}`, "/agents", "/changes", "/incidents", "/"],
  );
}
