"use server";

import { openIncident, updateIncident } from "@/lib/server/incidents";
import { runAsUser, type ActionOutcome } from "../run-action";

const PATHS = ["/incidents", "/"];

export async function openIncidentAction(input: Record<string, unknown>): Promise<ActionOutcome> {
  return runAsUser(
    async (caller) => `Incident opened: ${(await openIncident(caller, input)).title}`,
    [...PATHS, `/agents/${String(input.agent)}`],
  );
}

export async function resolveIncidentAction(id: string, input: Record<string, unknown>): Promise<ActionOutcome> {
  return runAsUser(
    async (caller) => {
      const incident = await updateIncident(caller, id, input);
      return `Resolved (${incident.resolution?.replace("_", " ")}): ${incident.title}`;
    },
    [...PATHS, "/agents"],
  );
}
