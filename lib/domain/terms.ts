/** The domain's closed vocabularies, shared by the schema, the use cases, the API and the UI. */

export const ROLES = ["workflow_owner", "security", "engineering", "operations", "compliance", "leader", "auditor", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  workflow_owner: "Workflow owner",
  security: "Security",
  engineering: "Engineering",
  operations: "Operations",
  compliance: "Compliance",
  leader: "Leader",
  auditor: "Auditor",
  admin: "Admin",
};

export const PLATFORMS = [
  "salesforce-agentforce",
  "copilot-studio",
  "openai-agents",
  "langgraph",
  "servicenow",
  "bedrock-agents",
  "custom",
] as const;
export type Platform = (typeof PLATFORMS)[number];

export const PLATFORM_LABELS: Record<Platform, string> = {
  "salesforce-agentforce": "Salesforce Agentforce",
  "copilot-studio": "Copilot Studio",
  "openai-agents": "OpenAI Agents",
  langgraph: "LangGraph",
  servicenow: "ServiceNow",
  "bedrock-agents": "Bedrock Agents",
  custom: "Custom",
};

export const RISK_LEVELS = ["low", "medium", "high", "critical"] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const ENVIRONMENTS = ["development", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** `retire`: the agent was retired by a released change record; nothing of it runs in that environment since. */
export const DEPLOYMENT_KINDS = ["promote", "rollback", "emergency", "retire"] as const;
export type DeploymentKind = (typeof DEPLOYMENT_KINDS)[number];

export const CHANGE_STATES = ["draft", "in_review", "approved", "released", "rejected", "withdrawn", "rolled_back"] as const;
export type ChangeState = (typeof CHANGE_STATES)[number];
/** States in which a change record still asks something of someone. */
export const OPEN_CHANGE_STATES = ["draft", "in_review", "approved"] as const satisfies readonly ChangeState[];

export const SIGNOFF_STATUSES = ["pending", "approved", "rejected", "changes_requested", "dismissed"] as const;
export type SignoffStatus = (typeof SIGNOFF_STATUSES)[number];

export const REVIEW_DOMAINS = ["semantics", "authority", "runtime", "incident_path"] as const;
export type ReviewDomain = (typeof REVIEW_DOMAINS)[number];

export const SEVERITIES = ["sev1", "sev2", "sev3", "sev4"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const RESOLUTIONS = ["rollback", "fix_forward", "permission_revoked", "no_action"] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/**
 * An agent is `proposed` from its registration until its first production release makes it `active`;
 * `withdrawn` when that first change is rejected or withdrawn (kept, for the record); `retired` by a
 * released retire change record. Its history stays in every case.
 */
export const AGENT_STATUSES = ["proposed", "active", "withdrawn", "retired"] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** What the inventory shows unless asked otherwise: the agents that run or are about to. */
export const DEFAULT_AGENT_STATUSES = ["active", "proposed"] as const satisfies readonly AgentStatus[];

/** One-time links sent to a person: an invitation to set a first password, or a password reset. */
export const ACCOUNT_LINK_PURPOSES = ["invite", "reset"] as const;
export type AccountLinkPurpose = (typeof ACCOUNT_LINK_PURPOSES)[number];

export const TOKEN_SCOPES = ["read", "changes:write", "evals:write", "deploy", "observe", "evidence:write"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** Change records are numbered for people: CR-42. */
export function changeNumberLabel(number: number): string {
  return `CR-${number}`;
}
