"use server";

import { createWorkflow, updateWorkflow } from "@/lib/server/workflows";
import { runAsUser, type ActionOutcome } from "../../run-action";

const PATHS = ["/settings/workflows", "/agents"];

export async function createWorkflowAction(input: Record<string, unknown>): Promise<ActionOutcome> {
  return runAsUser(async (caller) => {
    const w = await createWorkflow(caller, input);
    return `Workflow “${w.name}” added as ${w.slug}`;
  }, PATHS);
}

export async function updateWorkflowAction(slug: string, input: Record<string, unknown>): Promise<ActionOutcome> {
  return runAsUser(async (caller) => {
    const w = await updateWorkflow(caller, slug, input);
    return `Workflow “${w.name}” saved`;
  }, PATHS);
}
