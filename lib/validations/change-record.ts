import { z } from "zod";
import type { DiffItem } from "@/lib/domain/permission-diff";
import type { AgentSpec } from "@/lib/domain/spec";
import { RISK_LEVELS, type RiskLevel, type Role } from "@/lib/domain/terms";

/** What an author sends to propose or edit a change record: shared by the API, the actions and the editor. */

const link = (what: string) => z.url({ protocol: /^https?$/, error: `${what} must be a link starting with https://` });

export const roleImpactSchema = z.strictObject({
  role: z.string({ error: "Name the role" }).trim().min(1, "Name the role"),
  impact: z.enum(["gains", "loses", "changes"], { error: 'Impact is "gains", "loses" or "changes"' }),
  description: z.string({ error: "Say how the role's work changes" }).trim().min(1, "Say how the role's work changes"),
});

export const harmMetricSchema = z.strictObject({
  name: z.string({ error: "Name the metric" }).trim().min(1, "Name the metric"),
  comparator: z.enum([">", ">=", "<", "<="], { error: 'Comparator is one of ">", ">=", "<", "<="' }),
  threshold: z.number({ error: "Threshold must be a number" }),
  window: z
    .string({ error: 'Window is a duration like "24h", "7d" or "2w"' })
    .trim()
    .regex(/^\d+[hdw]$/, 'Window is a duration like "24h", "7d" or "2w"'),
});

const fields = {
  title: z.string({ error: "Title must be text" }).trim().max(200, "Keep the title under 200 characters"),
  rationale: z.string({ error: "Rationale must be text" }).max(20_000, "Keep the rationale under 20,000 characters"),
  /** The proposed spec: an object, or YAML/JSON text as pasted or uploaded. */
  spec: z.union([z.string(), z.record(z.string(), z.unknown())], { error: "spec must be an object or YAML/JSON text" }),
  roleImpacts: z.array(roleImpactSchema, { error: "roleImpacts must be a list" }),
  harmMetrics: z.array(harmMetricSchema, { error: "harmMetrics must be a list" }),
  evidence: z.strictObject({
    pullRequest: link("The pull-request link").optional(),
    evalReport: link("The eval-report link").optional(),
    traceSample: link("The trace-sample link").optional(),
  }),
  rollbackPlan: z.string({ error: "Rollback plan must be text" }).max(20_000),
  rollbackOwner: z.email({ error: "Rollback owner is a person's email" }).nullable(),
  monitoring: z.string({ error: "Monitoring must be text" }).max(2_000),
  emergency: z.object({ justification: z.string({ error: "Say why this cannot wait" }).trim() }).nullable(),
  raiseTier: z
    .object({ tier: z.enum(RISK_LEVELS, { error: `tier must be one of: ${RISK_LEVELS.join(", ")}` }), reason: z.string().trim() })
    .nullable(),
};

export const proposeChangeSchema = z.strictObject({
  agent: z.string({ error: "agent (the agent's slug) is required" }).trim().min(1, "agent (the agent's slug) is required"),
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
