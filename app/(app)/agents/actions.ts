"use server";

import { rollBackWhereStillRunning } from "@/lib/server/rolled-back-versions";
import { rollback } from "@/lib/server/rollback";
import { runAsUser, type ActionOutcome } from "../run-action";

export async function rollbackAction(
  slug: string,
  input: { environment: string; reason: string; severity?: string; expectedVersion?: number },
): Promise<ActionOutcome> {
  return runAsUser(
    async (caller) => {
      const result = await rollback(caller, slug, { ...input, severity: input.severity || undefined });
      const parts = [`${result.deployment.environment} runs v${result.deployment.version} again`];
      if (result.rolledBackChange) parts.push(`${result.rolledBackChange} marked rolled back`);
      if (result.incident)
        parts.push(
          result.deployment.environment === "production"
            ? `incident “${result.incident.title}” linked`
            : `following production's rollback (incident “${result.incident.title}”)`,
        );
      return parts.join("; ");
    },
    [`/agents/${slug}`, "/agents", "/changes", "/incidents", "/"],
  );
}

/** Rolls back development and staging where they still run a version rolled back in production. */
export async function rollBackStillRunningAction(
  slug: string,
  environments: { environment: string; expectedVersion: number }[],
): Promise<ActionOutcome> {
  return runAsUser(
    async (caller) =>
      (await rollBackWhereStillRunning(caller, slug, { environments }))
        .map((r) => `${r.deployment.environment} runs v${r.deployment.version} again`)
        .join("; "),
    [`/agents/${slug}`, "/agents", "/"],
  );
}
