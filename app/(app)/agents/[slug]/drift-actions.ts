"use server";

import type { DriftResolutionInput, ResolveDriftOutcome } from "@/components/drift/drift-types";
import { resolveDrift } from "@/lib/server/drift";
import { runAsUser } from "../../run-action";

/**
 * Resolves one open drift record of the agent. The form's expiry is a calendar date: the acceptance runs to
 * the start of that day, UTC, so the last day offered (90 days out) is still within the limit. Adopting
 * answers with the new change record, for the form to go to.
 */
export async function resolveDriftAction(slug: string, ref: string, input: DriftResolutionInput): Promise<ResolveDriftOutcome> {
  let change: string | undefined;
  const expiresOn = typeof input?.expiresOn === "string" ? input.expiresOn.trim() : "";
  const outcome = await runAsUser(
    async (caller) => {
      const result = await resolveDrift(caller, ref, {
        action: input?.action,
        reason: input?.reason,
        expiresAt: expiresOn === "" ? null : /^\d{4}-\d{2}-\d{2}$/.test(expiresOn) ? `${expiresOn}T00:00:00Z` : expiresOn,
        // The decision the page showed: if someone resolved it since, this is refused rather than overwriting theirs.
        seenResolvedAt: typeof input?.seenResolvedAt === "number" ? new Date(input.seenResolvedAt).toISOString() : null,
      });
      change = result.change?.number;
      if (change) return `${result.drift.label} adopted as ${change}: complete it and send it for review`;
      if (input.action === "accept") return `${result.drift.label}: risk accepted`;
      return `${result.drift.label}: restoring the approved version`;
    },
    [`/agents/${slug}`, "/agents", "/changes", "/"],
  );
  return outcome.ok && change ? { ...outcome, change } : outcome;
}
