"use server";

import { recordEvalRun } from "@/lib/server/evals";
import { promote } from "@/lib/server/promotion";
import { releaseRetirement } from "@/lib/server/retirement";
import { changeNumberLabel } from "@/lib/domain/terms";
import { runAsUser, type ActionOutcome } from "../run-action";

export async function promoteAction(changeId: string, environment: string): Promise<ActionOutcome> {
  return runAsUser(
    async (caller) => {
      const d = await promote(caller, changeId, { environment });
      return `${d.changeNumber ? changeNumberLabel(d.changeNumber) : "The change"} now runs in ${d.environment} (v${d.version})`;
    },
    ["/changes", `/changes/${changeId}`, "/agents", "/"],
  );
}

export async function recordEvalAction(changeId: string, input: Record<string, unknown>): Promise<ActionOutcome> {
  return runAsUser(
    async (caller) => {
      const run = await recordEvalRun(caller, { ...input, change: changeId });
      return `Eval run recorded: ${run.passed}/${run.passed + run.failed} passed in ${run.environment}`;
    },
    [`/changes/${changeId}`],
  );
}

export async function retireAction(changeId: string): Promise<ActionOutcome> {
  return runAsUser(
    async (caller) => {
      const [first] = await releaseRetirement(caller, changeId);
      return `${first?.agent ?? "The agent"} is retired: nothing of it runs in any environment`;
    },
    ["/changes", `/changes/${changeId}`, "/agents", "/"],
  );
}
