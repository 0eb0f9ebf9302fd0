"use server";

import { refusalIn, isAppError } from "@/lib/errors";
import { specToYaml } from "@/lib/domain/spec";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { importDefinitions } from "@/lib/server/import";
import type { ImportOutcome } from "@/components/agents/import-types";

/** Reads the uploaded definitions into specs for review; nothing is written, so there is nothing to make durable. */
export async function importDefinitionsAction(files: { path: string; content: string }[]): Promise<ImportOutcome> {
  const caller = userCaller(await requireUser());
  try {
    const result = importDefinitions(caller, { files });
    return { ok: true, result: { ...result, agents: result.agents.map((agent) => ({ ...agent, yaml: specToYaml(agent.spec) })) } };
  } catch (caught) {
    const error = refusalIn(caught);
    if (isAppError(error)) return { ok: false, message: error.message };
    console.error("Import failed", error);
    return { ok: false, message: "Something went wrong on our side reading these files; it has been logged." };
  }
}
