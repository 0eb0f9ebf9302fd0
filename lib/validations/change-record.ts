import { z } from "zod";
import type { DiffItem } from "@/lib/domain/permission-diff";
import { LIMITS, tooLong, tooMany, unsafeShape } from "@/lib/domain/input-limits";
import type { AgentSpec } from "@/lib/domain/spec";
import { RISK_LEVELS, type RiskLevel, type Role } from "@/lib/domain/terms";

/** What an author sends to propose or edit a change record: shared by the API, the actions and the editor. */

const link = (what: string) =>
  z
    .url({ protocol: /^https?$/, error: `${what} must be a link starting with https://` })
    .max(LIMITS.url, tooLong(`the ${what.toLowerCase()}`, LIMITS.url));

const text = (what: string, max: number = LIMITS.text) =>
  z.string({ error: `${what} must be text` }).max(max, tooLong(`the ${what.toLowerCase()}`, max));

/**
 * A spec sent as an object is kept as the text of a draft when it does not validate, so it is bounded
 * here, before anything is stored: no deeper than a spec could be, no prototype-named keys, and no
 * larger as JSON than a spec sent as text may be.
 */
const specObject = z
  .custom<Record<string, unknown>>(
    (value) => typeof value === "object" && value !== null && !Array.isArray(value),
    "spec must be an object or YAML/JSON text",
  )
  .superRefine((value, ctx) => {
    const unsafe = unsafeShape(value);
    if (unsafe) {
      ctx.addIssue({ code: "custom", message: unsafe.path === "spec" ? unsafe.message : `${unsafe.path}: ${unsafe.message}` });
      return;
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      json = undefined;
    }
    if (json === undefined) ctx.addIssue({ code: "custom", message: "spec must be an object of plain values" });
    else if (json.length > LIMITS.specText) ctx.addIssue({ code: "custom", message: tooLong("the spec", LIMITS.specText) });
  });

export const roleImpactSchema = z.strictObject({
  role: z.string({ error: "Name the role" }).trim().min(1, "Name the role").max(LIMITS.name, tooLong("the role", LIMITS.name)),
  impact: z.enum(["gains", "loses", "changes"], { error: 'Impact is "gains", "loses" or "changes"' }),
  description: z
    .string({ error: "Say how the role's work changes" })
    .trim()
    .min(1, "Say how the role's work changes")
    .max(LIMITS.text, tooLong("the description", LIMITS.text)),
});

export const harmMetricSchema = z.strictObject({
  name: z.string({ error: "Name the metric" }).trim().min(1, "Name the metric").max(LIMITS.name, tooLong("the metric name", LIMITS.name)),
  comparator: z.enum([">", ">=", "<", "<="], { error: 'Comparator is one of ">", ">=", "<", "<="' }),
  threshold: z.number({ error: "Threshold must be a number" }).finite("Threshold must be a number"),
  window: z
    .string({ error: 'Window is a duration like "24h", "7d" or "2w"' })
    .trim()
    .max(12, 'Window is a duration like "24h", "7d" or "2w"')
    .regex(/^\d+[hdw]$/, 'Window is a duration like "24h", "7d" or "2w"'),
});

const fields = {
  title: text("Title", LIMITS.title).trim(),
  rationale: text("Rationale"),
  /** The proposed spec: an object, or YAML/JSON text as pasted or uploaded. */
  spec: z.union([z.string().max(LIMITS.specText, tooLong("the spec", LIMITS.specText)), specObject], {
    error: "spec must be an object or YAML/JSON text",
  }),
  roleImpacts: z
    .array(roleImpactSchema, { error: "roleImpacts must be a list" })
    .max(LIMITS.listItems, tooMany("role impacts", LIMITS.listItems)),
  harmMetrics: z
    .array(harmMetricSchema, { error: "harmMetrics must be a list" })
    .max(LIMITS.listItems, tooMany("harm metrics", LIMITS.listItems)),
  evidence: z.strictObject({
    pullRequest: link("The pull-request link").optional(),
    evalReport: link("The eval-report link").optional(),
    traceSample: link("The trace-sample link").optional(),
  }),
  rollbackPlan: text("Rollback plan"),
  rollbackOwner: z
    .email({ error: "Rollback owner is a person's email" })
    .max(LIMITS.name, tooLong("the rollback owner", LIMITS.name))
    .nullable(),
  monitoring: text("Monitoring"),
  emergency: z
    .object({
      justification: z.string({ error: "Say why this cannot wait" }).max(LIMITS.text, tooLong("the justification", LIMITS.text)).trim(),
    })
    .nullable(),
  raiseTier: z
    .object({
      tier: z.enum(RISK_LEVELS, { error: `tier must be one of: ${RISK_LEVELS.join(", ")}` }),
      reason: z.string({ error: "Reason must be text" }).max(LIMITS.text, tooLong("the reason", LIMITS.text)).trim(),
    })
    .nullable(),
};

const BRANCH_MAX = 200;

export const proposeChangeSchema = z.strictObject({
  agent: z
    .string({ error: "agent (the agent's slug) is required" })
    .trim()
    .min(1, "agent (the agent's slug) is required")
    .max(LIMITS.name, tooLong("the agent's slug", LIMITS.name)),
  title: fields.title.default(""),
  rationale: fields.rationale.default(""),
  spec: fields.spec.optional(),
  roleImpacts: fields.roleImpacts.default([]),
  harmMetrics: fields.harmMetrics.default([]),
  evidence: fields.evidence.default({}),
  rollbackPlan: fields.rollbackPlan.default(""),
  rollbackOwner: fields.rollbackOwner.optional(),
  monitoring: fields.monitoring.default(""),
  emergency: fields.emergency.optional(),
  raiseTier: fields.raiseTier.optional(),
  submit: z.boolean({ error: "submit must be true or false" }).default(false),
  /** Retire the agent: no spec is proposed; released, the agent stops running everywhere. */
  retire: z.boolean({ error: "retire must be true or false" }).default(false),
  /**
   * The source branch a pipeline proposes from (a git branch name). The agent's open change from the same
   * branch is updated instead of a second one opened.
   */
  branch: z
    .string({ error: "branch must be the name of a git branch" })
    .trim()
    // One branch, one spelling: `refs/heads/x` is `x`, and composed and decomposed accents are the same name.
    .transform((name) => name.replace(/^refs\/heads\//, "").normalize("NFC"))
    .pipe(
      z
        .string()
        .min(1, "branch must be the name of a git branch")
        .max(BRANCH_MAX, tooLong("the branch name", BRANCH_MAX))
        .regex(
          /^(?!-)(?!.*\/\/)(?!.*\/$)[^\s~^:?*[\\\p{Cc}\p{Cf}]+$/u,
          "branch must be the name of a git branch: no spaces, invisible or control characters, ~^:?*[\\, and no empty part",
        ),
    )
    .optional(),
});
export type ProposeChangeInput = z.input<typeof proposeChangeSchema>;

/** An edit: any subset of the fields. */
export const editChangeSchema = z.strictObject({
  title: fields.title.optional(),
  rationale: fields.rationale.optional(),
  spec: fields.spec.optional(),
  roleImpacts: fields.roleImpacts.optional(),
  harmMetrics: fields.harmMetrics.optional(),
  evidence: fields.evidence.optional(),
  rollbackPlan: fields.rollbackPlan.optional(),
  rollbackOwner: fields.rollbackOwner.optional(),
  monitoring: fields.monitoring.optional(),
  emergency: fields.emergency.optional(),
  raiseTier: fields.raiseTier.optional(),
});
export type EditChangeInput = z.input<typeof editChangeSchema>;

/** The editor's live panel: what a change would be, computed on the server, nothing saved. */
export type ChangePreview = {
  /** The spec as parsed, and as YAML, so the editor can switch between its form and text views. */
  spec: AgentSpec | null;
  yaml: string | null;
  specIssues: { path: string; message: string; line?: number }[];
  /** The version the diff is computed against: what production runs now, else the newest reviewed version. */
  baseVersion: number | null;
  comparedWithProduction: boolean;
  /** The version the change was proposed from (or last updated from production to). */
  basedOn: number | null;
  /** Production has moved past the version the change is based on. */
  outOfDate: boolean;
  diff: DiffItem[];
  tier: RiskLevel | null;
  reasons: string[];
  required: { role: Role; reason: string }[];
  standardChange: string | null;
};
