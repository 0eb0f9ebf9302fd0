import { z } from "zod";
import { LIMITS, tooLong } from "@/lib/domain/input-limits";
import { PLATFORMS } from "@/lib/domain/terms";
import { proposeChangeSchema } from "./change-record";

/** What registering a new agent takes: the agent's details, its first spec, and the change record's fields. */

export const AGENT_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,63}$/;
const SLUG_RULE = 'Use 2 to 64 lowercase letters, digits and "-", starting with a letter or digit';

const personEmail = (what: string) =>
  z
    .email({ error: `${what} is a person's email` })
    .trim()
    .toLowerCase()
    .max(LIMITS.name, tooLong(`the ${what.toLowerCase()}`, LIMITS.name));

export const registerAgentSchema = proposeChangeSchema.omit({ agent: true, rollbackOwner: true, retire: true }).extend({
  slug: z.string({ error: "Give the agent a slug" }).trim().min(1, "Give the agent a slug").regex(AGENT_SLUG_PATTERN, SLUG_RULE),
  name: z
    .string({ error: "Give the agent a name" })
    .trim()
    .min(1, "Give the agent a name")
    .max(LIMITS.name, tooLong("the name", LIMITS.name)),
  description: z.string({ error: "Description must be text" }).trim().max(LIMITS.text, tooLong("the description", LIMITS.text)).default(""),
  platform: z.enum(PLATFORMS, { error: `platform must be one of: ${PLATFORMS.join(", ")}` }),
  workflow: z
    .string({ error: "Choose the workflow (its slug)" })
    .trim()
    .min(1, "Choose the workflow (its slug)")
    .max(LIMITS.name, tooLong("the workflow", LIMITS.name)),
  engineeringOwner: personEmail("Engineering owner"),
  /** The agent's rollback owner, and its registration change's. */
  rollbackOwner: personEmail("Rollback owner"),
});
export type RegisterAgentInput = z.input<typeof registerAgentSchema>;
