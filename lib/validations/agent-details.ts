import { z } from "zod";
import { LIMITS, tooLong } from "@/lib/domain/input-limits";

/** An agent's details as an admin or its engineering owner edits them: people by email, the workflow by slug. */

const person = (what: string) =>
  z
    .string({ error: `The ${what} is a person's email` })
    .trim()
    .toLowerCase()
    .min(1, `Choose the ${what}`)
    .max(LIMITS.name, tooLong(`the ${what}'s email`, LIMITS.name));

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
  })
  .refine((input) => Object.keys(input).length > 0, {
    message: "Send at least one of: name, description, engineeringOwner, rollbackOwner, workflow",
    path: ["body"],
  });
export type AgentDetailsInput = z.input<typeof agentDetailsSchema>;
