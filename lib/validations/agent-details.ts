import { z } from "zod";
import { LIMITS, tooLong, tooMany } from "@/lib/domain/input-limits";

/** An agent's details as an admin or its engineering owner edits them: people by email, the workflow by slug. */

const person = (what: string) =>
  z
    .string({ error: `The ${what} is a person's email` })
    .trim()
    .toLowerCase()
    .min(1, `Choose the ${what}`)
    .max(LIMITS.name, tooLong(`the ${what}'s email`, LIMITS.name));

/** The most names a runtime may give one agent. */
export const MAX_RUNTIME_NAMES = 20;
const RUNTIME_NAME = /^[\p{L}\p{N}_.\-: ]*$/u; // empty is told by min(1)

/** The names an agent runtime gives the agent in its traces (`gen_ai.agent.name`), matched exactly; repeats kept once. */
export const runtimeNamesSchema = z
  .array(
    z
      .string({ error: "A runtime name is text" })
      .trim()
      .min(1, "A runtime name cannot be empty")
      .max(100, tooLong("a runtime name", 100))
      .regex(RUNTIME_NAME, "A runtime name holds letters, digits, spaces and _ . - : only"),
    { error: "Runtime names are a list of names" },
  )
  .max(MAX_RUNTIME_NAMES, tooMany("runtime names", MAX_RUNTIME_NAMES))
  .transform((names) => [...new Set(names)]);

export const agentDetailsSchema = z
  .strictObject({
    name: z
      .string({ error: "Name the agent" })
      .trim()
      .min(1, "Name the agent")
      .max(LIMITS.name, tooLong("the name", LIMITS.name))
      .optional(),
    description: z.string({ error: "The description is text" }).trim().max(LIMITS.text, tooLong("the description", LIMITS.text)).optional(),
    engineeringOwner: person("engineering owner").optional(),
    rollbackOwner: person("rollback owner").optional(),
    workflow: z
      .string({ error: "The workflow is its slug" })
      .trim()
      .min(1, "Choose the workflow")
      .max(LIMITS.name, tooLong("the workflow", LIMITS.name))
      .optional(),
    runtimeNames: runtimeNamesSchema.optional(),
  })
  .refine((input) => Object.keys(input).length > 0, {
    message: "Send at least one of: name, description, engineeringOwner, rollbackOwner, workflow, runtimeNames",
    path: ["body"],
  });
export type AgentDetailsInput = z.input<typeof agentDetailsSchema>;
