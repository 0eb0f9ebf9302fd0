import { z } from "zod";
import type { HarmMetric } from "./harm-thresholds";
import { REVIEW_DOMAINS, ROLES, SEVERITIES, type ReviewDomain, type RiskLevel, type Role, type Severity } from "./terms";

export type StandardChangeTemplate = {
  id: string;
  name: string;
  description: string;
  /** The only review domains a matching change may touch. */
  domains: ReviewDomain[];
  /** Autonomy levels the agent may have for the template to apply. */
  autonomy: string[];
  maxTier: RiskLevel;
};

export type SignoffPolicy = {
  /** Who owns each review domain: a change that touches the domain needs that role's sign-off. */
  domainOwners: Record<ReviewDomain, Role>;
  /** Roles every change of a tier needs, whatever it touches. */
  tierRoles: Record<RiskLevel, Role[]>;
  standardChanges: StandardChangeTemplate[];
  /** Share of eval cases that must pass in staging before production (1 = no failures). */
  evalPassRateFloor: number;
  /** Whether the author may release their own high or critical change (absent in older policies: no). */
  authorMayReleaseOwnHighRisk?: boolean;
  /** What runtime evidence does in production (absent in older policies: DEFAULT_RUNTIME_POLICY). */
  runtime?: RuntimePolicy;
};

export type RuntimePolicy = {
  /** The incident an authority breach in production opens on the running deployment; null opens none. */
  authorityBreachIncident: Severity | null;
  /** The incident a breached harm threshold opens; null: flagged, no incident. */
  harmBreachIncident: Severity | null;
  /** Thresholds every production release is held to, besides the ones its change declares. */
  defaultThresholds: HarmMetric[];
};

export const DEFAULT_RUNTIME_POLICY: RuntimePolicy = {
  authorityBreachIncident: "sev2",
  harmBreachIncident: "sev3",
  defaultThresholds: [
    { name: "corrections_rate", comparator: ">", threshold: 20, window: "7d" },
    { name: "privilege_rejections", comparator: ">", threshold: 10, window: "24h" },
  ],
};

export const DEFAULT_POLICY: SignoffPolicy = {
  domainOwners: { semantics: "workflow_owner", authority: "security", runtime: "engineering", incident_path: "operations" },
  tierRoles: {
    low: [],
    medium: [],
    high: ["workflow_owner", "security", "engineering", "operations"],
    critical: ["workflow_owner", "security", "engineering", "operations", "compliance"],
  },
  standardChanges: [
    {
      id: "read-only-wording",
      name: "Instructions wording on a read-only agent",
      description: "Rewording the instructions of an agent that can only read, with nothing else changed.",
      domains: ["semantics"],
      autonomy: ["read_only"],
      maxTier: "low",
    },
  ],
  evalPassRateFloor: 1,
  authorMayReleaseOwnHighRisk: false,
  runtime: DEFAULT_RUNTIME_POLICY,
};

const DOMAIN_LABELS: Record<ReviewDomain, string> = {
  semantics: "semantics",
  authority: "authority",
  runtime: "runtime",
  incident_path: "incident path",
};

export type RequiredSignoff = { role: Role; reason: string };

/**
 * The roles a change needs, each with the reason it is asked: the owner of every domain the change
 * touches, plus whatever its tier demands. A role is asked once, for its first reason.
 */
export function requiredSignoffs(
  tier: RiskLevel,
  touched: readonly ReviewDomain[],
  policy: SignoffPolicy = DEFAULT_POLICY,
): RequiredSignoff[] {
  const required = new Map<Role, string>();
  for (const domain of REVIEW_DOMAINS) {
    if (!touched.includes(domain)) continue;
    const role = policy.domainOwners[domain];
    if (!required.has(role)) required.set(role, `the change touches ${DOMAIN_LABELS[domain]}`);
  }
  for (const role of policy.tierRoles[tier]) {
    if (!required.has(role)) required.set(role, `every ${tier}-risk change needs this role`);
  }
  // Listed in the order reviewers are used to: semantics, authority, runtime, incident path, compliance.
  return [...required].map(([role, reason]) => ({ role, reason })).sort((a, b) => ROLES.indexOf(a.role) - ROLES.indexOf(b.role));
}

const TIER_ORDER: RiskLevel[] = ["low", "medium", "high", "critical"];

/** The standard-change template a change matches, if any: it is then pre-approved with no signer. */
export function matchStandardChange(
  change: { tier: RiskLevel; touched: readonly ReviewDomain[]; autonomy: string },
  policy: SignoffPolicy = DEFAULT_POLICY,
): StandardChangeTemplate | null {
  return (
    policy.standardChanges.find(
      (template) =>
        change.touched.length > 0 &&
        change.touched.every((d) => template.domains.includes(d)) &&
        template.autonomy.includes(change.autonomy) &&
        TIER_ORDER.indexOf(change.tier) <= TIER_ORDER.indexOf(template.maxTier),
    ) ?? null
  );
}

const SIGNER_ROLES = ["workflow_owner", "security", "engineering", "operations", "compliance"] as const;

const signerRole = z.enum(SIGNER_ROLES, { error: "Each domain is owned by a signing role" });
const roleList = z.array(signerRole).refine((roles) => new Set(roles).size === roles.length, "A role is listed twice");

/** The policy as admins edit it; every published version is validated by this schema. */
export const signoffPolicySchema = z.object({
  domainOwners: z.object({ semantics: signerRole, authority: signerRole, runtime: signerRole, incident_path: signerRole }),
  tierRoles: z.object({ low: roleList, medium: roleList, high: roleList, critical: roleList }),
  standardChanges: z.array(
    z.object({
      id: z
        .string()
        .trim()
        .min(1)
        .regex(/^[a-z0-9-]+$/, "Template ids use lowercase letters, digits and dashes"),
      name: z.string().trim().min(1, "Name the template"),
      description: z.string().trim().default(""),
      // Authority is what security signs for: no template may pre-approve a change to it.
      domains: z
        .array(z.enum(["semantics", "runtime", "incident_path"], { error: "A standard change cannot touch authority" }))
        .min(1, "A template covers at least one review domain"),
      autonomy: z.array(z.enum(["read_only", "bounded", "autonomous"])).min(1, "A template applies to at least one autonomy level"),
      // Only low-risk changes may be pre-approved (DESIGN.md): admins have no bypass.
      maxTier: z.literal("low", { error: "Only low-risk changes can be standard changes" }),
    }),
  ),
  evalPassRateFloor: z.number({ error: "The pass-rate floor is a number between 0 and 1" }).min(0).max(1),
  authorMayReleaseOwnHighRisk: z.boolean({ error: "Say yes or no: may authors release their own high-risk changes?" }).default(false),
  runtime: z
    .object({
      authorityBreachIncident: z.enum(SEVERITIES, { error: `An incident severity is one of ${SEVERITIES.join(", ")}, or null` }).nullable(),
      harmBreachIncident: z.enum(SEVERITIES, { error: `An incident severity is one of ${SEVERITIES.join(", ")}, or null` }).nullable(),
      defaultThresholds: z.array(
        z.object({
          name: z.string().trim().min(1, "Name the metric"),
          comparator: z.enum([">", ">=", "<", "<="], { error: 'Comparator is one of ">", ">=", "<", "<="' }),
          threshold: z.number().finite(),
          window: z.string().regex(/^\d+[hdw]$/, 'Window is a duration like "24h", "7d" or "2w"'),
        }),
      ),
    })
    .default(DEFAULT_RUNTIME_POLICY),
});

export { SIGNER_ROLES };
