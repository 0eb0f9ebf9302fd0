import { z } from "zod";
import { LIMITS, tooLong } from "@/lib/domain/input-limits";
import { RISK_LEVELS } from "@/lib/domain/terms";

/** What an admin sends to create or change a workflow: shared by the settings page and the API. */

const name = z
  .string({ error: "Name the workflow" })
  .trim()
  .min(1, "Name the workflow, e.g. Refunds")
  .max(LIMITS.name, tooLong("the name", LIMITS.name));
const owner = z
  .string({ error: "The owner is a person's email" })
  .trim()
  .toLowerCase()
  .min(1, "Choose the workflow's owner")
  .max(LIMITS.name, tooLong("the owner's email", LIMITS.name));
const riskClass = z.enum(RISK_LEVELS, { error: `The risk class is one of: ${RISK_LEVELS.join(", ")}` });
const riskReason = z
  .string({ error: "Say why the workflow has this risk class" })
  .trim()
  .min(1, "Say why the workflow has this risk class, e.g. moves money")
  .max(LIMITS.text, tooLong("the reason", LIMITS.text));

export const createWorkflowSchema = z.strictObject({ name, owner, riskClass, riskReason });
export type CreateWorkflowInput = z.input<typeof createWorkflowSchema>;

/** Any of the fields; a new risk class always comes with its reason (checked against the current class by the use case). */
export const updateWorkflowSchema = z
  .strictObject({ name: name.optional(), owner: owner.optional(), riskClass: riskClass.optional(), riskReason: riskReason.optional() })
  .refine((input) => Object.keys(input).length > 0, {
    message: "Send at least one of: name, owner, riskClass, riskReason",
    path: ["body"],
  });
export type UpdateWorkflowInput = z.input<typeof updateWorkflowSchema>;
