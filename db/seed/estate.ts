import type { AgentSpec, ToolAction } from "../../lib/domain/spec";
import type { Platform, RiskLevel, Role } from "../../lib/domain/terms";

/** The demo estate: a fictional company's people, workflows and agents. Everything here is demo data. */

export const DEMO_PASSWORD = "countersign-demo";

export const DEMO_BANNER = "Demo estate — the people, agents and twelve months of history here are generated sample data.";

export type DemoUser = { key: string; email: string; name: string; roles: Role[] };

export const DEMO_USERS: DemoUser[] = [
  { key: "owner", email: "owner@countersign.test", name: "Olivia Owens", roles: ["workflow_owner"] },
  { key: "owner2", email: "owner2@countersign.test", name: "Omar Haddad", roles: ["workflow_owner"] },
  { key: "security", email: "security@countersign.test", name: "Sana Iqbal", roles: ["security"] },
  { key: "engineer", email: "engineer@countersign.test", name: "Eli Navarro", roles: ["engineering"] },
  { key: "engineer2", email: "engineer2@countersign.test", name: "Erin Kowalski", roles: ["engineering"] },
  { key: "ops", email: "ops@countersign.test", name: "Priya Raman", roles: ["operations"] },
  { key: "compliance", email: "compliance@countersign.test", name: "Carmen Diaz", roles: ["compliance"] },
  { key: "leader", email: "leader@countersign.test", name: "Lars Nilsson", roles: ["leader"] },
  { key: "auditor", email: "auditor@countersign.test", name: "Ada Brennan", roles: ["auditor"] },
  { key: "admin", email: "admin@countersign.test", name: "Alex Morgan", roles: ["admin"] },
];

export type DemoWorkflow = { slug: string; name: string; riskClass: RiskLevel; riskReason: string; ownerKey: string };

export const DEMO_WORKFLOWS: DemoWorkflow[] = [
  { slug: "refunds", name: "Refunds", riskClass: "high", riskReason: "moves money back to customers", ownerKey: "owner" },
  {
    slug: "incident-triage",
    name: "Incident triage",
    riskClass: "medium",
    riskReason: "pages on-call staff and sets incident severity",
    ownerKey: "owner2",
  },
  {
    slug: "customer-records",
    name: "Customer-record updates",
    riskClass: "high",
    riskReason: "changes customer master data",
    ownerKey: "owner",
  },
  {
    slug: "customer-onboarding",
    name: "Customer onboarding",
    riskClass: "critical",
    riskReason: "regulated KYC checks and customer communication",
    ownerKey: "owner2",
  },
  {
    slug: "support-escalation",
    name: "Support-ticket escalation",
    riskClass: "medium",
    riskReason: "routes customers to paid support tiers",
    ownerKey: "owner",
  },
  {
    slug: "account-notes",
    name: "Account-note summaries",
    riskClass: "low",
    riskReason: "read-only summaries for internal staff",
    ownerKey: "owner2",
  },
  {
    slug: "contract-renewal",
    name: "Enterprise contract renewal",
    riskClass: "critical",
    riskReason: "commits the company to contract terms and prices",
    ownerKey: "owner",
  },
  {
    slug: "password-resets",
    name: "Password resets",
    riskClass: "high",
    riskReason: "grants access to customer accounts",
    ownerKey: "owner2",
  },
];

export type DemoAgent = {
  slug: string;
  name: string;
  description: string;
  platform: Platform;
  workflow: string;
  engineerKey: "engineer" | "engineer2";
  spec: AgentSpec;
};

const read = (name: string): ToolAction => ({ name, access: "read", approval: "none" });
const write = (name: string, limit?: { amount: number; unit: string }): ToolAction => ({
  name,
  access: "write",
  approval: "required",
  ...(limit ? { limit } : {}),
});
const hitl = (reviewer: string, surface: string): AgentSpec["humanInTheLoop"] => ({
  reviewer,
  surface,
  canOverride: true,
  captureCorrections: true,
  stopAskingRule: "after 200 decisions with < 1% corrections",
});
const model = (provider: string, name: string, version: string) => ({ provider, name, version });

type Def = [slug: string, name: string, platform: Platform, workflow: string, description: string, spec: AgentSpec];

const defs: Def[] = [
  // Refunds — high
  [
    "refund-assistant",
    "Refund Assistant",
    "openai-agents",
    "refunds",
    "Drafts and issues refunds for support staff within a per-refund limit.",
    {
      model: model("openai", "gpt-4.1", "2025-04-14"),
      instructions:
        "You help support staff issue refunds.\nCheck the order and the refund policy before proposing an amount.\nNever refund more than the order total.\nAsk the Tier-2 lead to approve every refund.",
      autonomy: "bounded",
      tools: [
        { system: "stripe", actions: [write("refunds.create", { amount: 50, unit: "USD" }), read("charges.read")] },
        { system: "zendesk", actions: [read("tickets.read"), write("tickets.comment")] },
      ],
      forbidden: ["stripe:customers.delete"],
      humanInTheLoop: hitl("Tier-2 support lead", "Zendesk sidebar"),
      traceRetentionDays: 90,
    },
  ],
  [
    "chargeback-responder",
    "Chargeback Responder",
    "langgraph",
    "refunds",
    "Assembles evidence packets for card-network chargeback disputes.",
    {
      model: model("anthropic", "claude-sonnet", "2025-05-14"),
      instructions:
        "You assemble evidence for chargeback disputes from orders, shipping records and support history.\nSubmit only evidence that exists in the source systems.",
      autonomy: "bounded",
      tools: [
        { system: "stripe", actions: [read("disputes.read"), write("disputes.submit_evidence")] },
        { system: "shopify", actions: [read("orders.read")] },
      ],
      forbidden: ["stripe:refunds.create"],
      humanInTheLoop: hitl("Payments operations analyst", "Stripe dashboard"),
      traceRetentionDays: 180,
    },
  ],
  [
    "store-credit-issuer",
    "Store Credit Issuer",
    "salesforce-agentforce",
    "refunds",
    "Offers store credit instead of refunds where the customer agrees.",
    {
      model: model("openai", "gpt-4o", "2024-11-20"),
      instructions:
        "Offer store credit as an alternative to a refund when the customer is eligible.\nExplain the terms plainly and record the customer's choice.",
      autonomy: "bounded",
      tools: [{ system: "salesforce", actions: [read("accounts.read"), write("credits.issue", { amount: 100, unit: "USD" })] }],
      forbidden: [],
      humanInTheLoop: hitl("Customer care supervisor", "Salesforce console"),
      traceRetentionDays: 90,
    },
  ],
  // Incident triage — medium
  [
    "incident-triage-bot",
    "Incident Triage Bot",
    "servicenow",
    "incident-triage",
    "Classifies alerts, sets severity and opens incidents for on-call.",
    {
      model: model("openai", "gpt-4.1-mini", "2025-04-14"),
      instructions:
        "Classify incoming alerts, de-duplicate them against open incidents, and open an incident with a proposed severity.\nPage on-call only for sev1 and sev2.",
      autonomy: "bounded",
      tools: [
        { system: "servicenow", actions: [read("incidents.read"), write("incidents.create")] },
        { system: "pagerduty", actions: [write("incidents.trigger")] },
      ],
      forbidden: ["servicenow:incidents.delete"],
      humanInTheLoop: hitl("On-call incident commander", "Slack #incidents"),
      traceRetentionDays: 30,
    },
  ],
  [
    "alert-deduplicator",
    "Alert Deduplicator",
    "custom",
    "incident-triage",
    "Groups related monitoring alerts so on-call sees one signal.",
    {
      model: model("mistral", "mistral-large", ""),
      instructions: "Group alerts that share a root cause within a ten-minute window.\nNever suppress an alert tagged customer-facing.",
      autonomy: "autonomous",
      tools: [{ system: "datadog", actions: [read("monitors.read"), write("events.group")] }],
      forbidden: ["datadog:monitors.delete"],
      traceRetentionDays: 14,
    },
  ],
  [
    "postmortem-drafter",
    "Postmortem Drafter",
    "openai-agents",
    "incident-triage",
    "Drafts blameless postmortems from incident timelines.",
    {
      model: model("openai", "gpt-4.1", "2025-04-14"),
      instructions:
        "Draft a blameless postmortem from the incident timeline, chat log and metrics.\nMark every inference that is not in the record as an assumption.",
      autonomy: "read_only",
      tools: [
        { system: "servicenow", actions: [read("incidents.read")] },
        { system: "slack", actions: [read("channels.history")] },
      ],
      forbidden: [],
      traceRetentionDays: 30,
    },
  ],
  // Customer-record updates — high
  [
    "crm-record-updater",
    "CRM Record Updater",
    "salesforce-agentforce",
    "customer-records",
    "Applies address and contact corrections requested by customers.",
    {
      model: model("openai", "gpt-4o", "2024-11-20"),
      instructions:
        "Apply address and contact corrections the customer asked for in writing.\nConfirm the customer's identity before any change.",
      autonomy: "bounded",
      tools: [{ system: "salesforce", actions: [read("contacts.read"), write("contacts.update")] }],
      forbidden: ["salesforce:accounts.merge", "salesforce:contacts.delete"],
      humanInTheLoop: hitl("Customer data steward", "Salesforce console"),
      traceRetentionDays: 365,
    },
  ],
  [
    "duplicate-account-merger",
    "Duplicate Account Merger",
    "servicenow",
    "customer-records",
    "Finds duplicate customer accounts and proposes merges.",
    {
      model: model("anthropic", "claude-sonnet", "2025-05-14"),
      instructions:
        "Find customer accounts that are likely duplicates and propose a merge with the evidence for it.\nNever merge accounts in different legal entities.",
      autonomy: "bounded",
      tools: [{ system: "salesforce", actions: [read("accounts.read"), write("accounts.merge")] }],
      forbidden: ["salesforce:accounts.delete"],
      humanInTheLoop: hitl("Customer data steward", "ServiceNow task"),
      traceRetentionDays: 365,
    },
  ],
  [
    "gdpr-request-handler",
    "GDPR Request Handler",
    "bedrock-agents",
    "customer-records",
    "Collects and exports personal data for subject-access requests.",
    {
      model: model("anthropic", "claude-haiku", "2025-03-07"),
      instructions:
        "Collect the personal data held about the requester across the listed systems and prepare the export.\nDo not delete data; deletion requests go to the privacy team.",
      autonomy: "bounded",
      tools: [
        { system: "salesforce", actions: [read("contacts.read")] },
        { system: "zendesk", actions: [read("users.read")] },
        { system: "s3", actions: [write("exports.put")] },
      ],
      forbidden: ["salesforce:contacts.delete", "zendesk:users.delete"],
      humanInTheLoop: hitl("Privacy officer", "OneTrust request"),
      traceRetentionDays: 730,
    },
  ],
  // Customer onboarding — critical
  [
    "kyc-document-checker",
    "KYC Document Checker",
    "bedrock-agents",
    "customer-onboarding",
    "Checks identity documents against KYC rules before account opening.",
    {
      model: model("anthropic", "claude-sonnet", "2025-05-14"),
      instructions:
        "Check each identity document against the KYC checklist and flag mismatches.\nNever approve an application yourself; recommend and explain.",
      autonomy: "bounded",
      tools: [
        { system: "onfido", actions: [read("checks.read"), write("checks.create")] },
        { system: "salesforce", actions: [read("applications.read")] },
      ],
      forbidden: ["salesforce:applications.approve"],
      humanInTheLoop: hitl("KYC analyst", "Onboarding review queue"),
      traceRetentionDays: 1825,
    },
  ],
  [
    "onboarding-concierge",
    "Onboarding Concierge",
    "copilot-studio",
    "customer-onboarding",
    "Guides new business customers through account setup.",
    {
      model: model("openai", "gpt-4o", "2024-11-20"),
      instructions:
        "Guide new business customers through account setup, one step at a time.\nUse only the approved welcome templates for regulated disclosures.",
      autonomy: "bounded",
      tools: [
        { system: "hubspot", actions: [read("contacts.read"), write("emails.send")] },
        { system: "salesforce", actions: [read("applications.read")] },
      ],
      forbidden: [],
      humanInTheLoop: hitl("Onboarding specialist", "Teams approval card"),
      traceRetentionDays: 365,
    },
  ],
  [
    "sanctions-screener",
    "Sanctions Screener",
    "custom",
    "customer-onboarding",
    "Screens new customers against sanctions and PEP lists.",
    {
      model: model("openai", "gpt-4.1", "2025-04-14"),
      instructions:
        "Screen applicant names and beneficial owners against sanctions and PEP lists.\nEscalate every possible match; never clear a match on your own.",
      autonomy: "read_only",
      tools: [
        { system: "complyadvantage", actions: [read("searches.read")] },
        { system: "salesforce", actions: [read("applications.read")] },
      ],
      forbidden: [],
      traceRetentionDays: 1825,
    },
  ],
  // Support-ticket escalation — medium
  [
    "ticket-escalation-router",
    "Ticket Escalation Router",
    "servicenow",
    "support-escalation",
    "Routes support tickets to the right escalation tier.",
    {
      model: model("openai", "gpt-4.1-mini", "2025-04-14"),
      instructions: "Read the ticket and its history, then route it to Tier 2, Tier 3 or engineering with a one-line reason.",
      autonomy: "bounded",
      tools: [{ system: "zendesk", actions: [read("tickets.read"), write("tickets.assign")] }],
      forbidden: ["zendesk:tickets.delete"],
      humanInTheLoop: hitl("Support duty manager", "Zendesk view"),
      traceRetentionDays: 60,
    },
  ],
  [
    "vip-escalation-agent",
    "VIP Escalation Agent",
    "salesforce-agentforce",
    "support-escalation",
    "Flags strategic accounts' tickets to their account managers.",
    {
      model: model("openai", "gpt-4o", "2024-11-20"),
      instructions: "When a ticket comes from a strategic account, notify its account manager with a summary and the customer's sentiment.",
      autonomy: "bounded",
      tools: [
        { system: "salesforce", actions: [read("accounts.read")] },
        { system: "slack", actions: [write("messages.post")] },
      ],
      forbidden: [],
      humanInTheLoop: hitl("Account manager", "Slack DM"),
      traceRetentionDays: 60,
    },
  ],
  [
    "sla-breach-watcher",
    "SLA Breach Watcher",
    "langgraph",
    "support-escalation",
    "Warns duty managers before tickets breach their SLA.",
    {
      model: model("google", "gemini-2.5-flash", ""),
      instructions: "Watch open tickets and warn the duty manager thirty minutes before a ticket breaches its SLA.",
      autonomy: "autonomous",
      tools: [
        { system: "zendesk", actions: [read("tickets.read")] },
        { system: "slack", actions: [write("messages.post")] },
      ],
      forbidden: [],
      traceRetentionDays: 30,
    },
  ],
  // Account-note summaries — low
  [
    "account-notes-summarizer",
    "Account Notes Summarizer",
    "copilot-studio",
    "account-notes",
    "Summarises account notes for account managers before calls.",
    {
      model: model("openai", "gpt-4.1-mini", "2025-04-14"),
      instructions:
        "Summarise the last ninety days of account notes in five bullet points.\nQuote figures exactly as written in the notes.",
      autonomy: "read_only",
      tools: [{ system: "salesforce", actions: [read("notes.read"), read("accounts.read")] }],
      forbidden: [],
      traceRetentionDays: 30,
    },
  ],
  [
    "meeting-brief-writer",
    "Meeting Brief Writer",
    "openai-agents",
    "account-notes",
    "Writes one-page briefs before customer meetings.",
    {
      model: model("openai", "gpt-4.1-mini", "2025-04-14"),
      instructions: "Write a one-page brief for the upcoming customer meeting from notes, open tickets and the last invoice.",
      autonomy: "read_only",
      tools: [
        { system: "salesforce", actions: [read("notes.read")] },
        { system: "zendesk", actions: [read("tickets.read")] },
      ],
      forbidden: [],
      traceRetentionDays: 30,
    },
  ],
  [
    "call-notes-digest",
    "Call Notes Digest",
    "langgraph",
    "account-notes",
    "Turns call transcripts into structured account notes.",
    {
      model: model("anthropic", "claude-haiku", "2025-03-07"),
      instructions: "Turn the call transcript into structured notes: decisions, risks, next steps, owners.",
      autonomy: "read_only",
      tools: [{ system: "gong", actions: [read("calls.read")] }],
      forbidden: [],
      traceRetentionDays: 30,
    },
  ],
  // Enterprise contract renewal — critical
  [
    "renewal-negotiator",
    "Renewal Negotiator",
    "salesforce-agentforce",
    "contract-renewal",
    "Prepares renewal quotes within the approved discount band.",
    {
      model: model("openai", "gpt-4.1", "2025-04-14"),
      instructions:
        "Prepare renewal quotes for enterprise accounts within the approved discount band.\nNever send a quote to the customer; hand it to the account executive.",
      autonomy: "bounded",
      tools: [
        { system: "salesforce", actions: [read("opportunities.read"), write("quotes.create", { amount: 10, unit: "percent discount" })] },
      ],
      forbidden: ["salesforce:contracts.sign"],
      humanInTheLoop: hitl("Deal desk manager", "Salesforce approval"),
      traceRetentionDays: 2555,
    },
  ],
  [
    "contract-clause-reviewer",
    "Contract Clause Reviewer",
    "bedrock-agents",
    "contract-renewal",
    "Compares redlined clauses with the standard contract playbook.",
    {
      model: model("anthropic", "claude-sonnet", "2025-05-14"),
      instructions: "Compare each redlined clause with the contract playbook and mark deviations as acceptable, negotiable or escalate.",
      autonomy: "read_only",
      tools: [{ system: "ironclad", actions: [read("contracts.read")] }],
      forbidden: [],
      traceRetentionDays: 2555,
    },
  ],
  [
    "renewal-reminder",
    "Renewal Reminder",
    "copilot-studio",
    "contract-renewal",
    "Reminds account teams of renewals due in the next 120 days.",
    {
      model: model("openai", "gpt-4o-mini", "2024-07-18"),
      instructions: "Each Monday, list renewals due in the next 120 days and remind the account team of the next step.",
      autonomy: "bounded",
      tools: [
        { system: "salesforce", actions: [read("opportunities.read")] },
        { system: "outlook", actions: [write("mail.send")] },
      ],
      forbidden: [],
      humanInTheLoop: hitl("Sales operations lead", "Outlook draft"),
      traceRetentionDays: 365,
    },
  ],
  // Password resets — high
  [
    "password-reset-agent",
    "Password Reset Agent",
    "copilot-studio",
    "password-resets",
    "Verifies identity and sends password-reset links.",
    {
      model: model("openai", "gpt-4o", "2024-11-20"),
      instructions:
        "Verify the caller's identity with two factors from the account record before sending a reset link.\nNever read out or change a password yourself.",
      autonomy: "bounded",
      tools: [{ system: "okta", actions: [read("users.read"), write("users.reset_password")] }],
      forbidden: ["okta:users.delete", "okta:factors.reset"],
      humanInTheLoop: hitl("IT service desk lead", "ServiceNow task"),
      traceRetentionDays: 365,
    },
  ],
  [
    "mfa-recovery-assistant",
    "MFA Recovery Assistant",
    "servicenow",
    "password-resets",
    "Helps locked-out staff recover multi-factor access.",
    {
      model: model("anthropic", "claude-sonnet", "2025-05-14"),
      instructions: "Help staff who lost their second factor: verify them through their manager, then open a recovery task.",
      autonomy: "bounded",
      tools: [
        { system: "okta", actions: [read("users.read")] },
        { system: "servicenow", actions: [write("tasks.create")] },
      ],
      forbidden: ["okta:factors.reset"],
      humanInTheLoop: hitl("IT security analyst", "ServiceNow task"),
      traceRetentionDays: 365,
    },
  ],
  [
    "account-unlock-bot",
    "Account Unlock Bot",
    "custom",
    "password-resets",
    "Unlocks accounts locked by failed sign-ins after verification.",
    {
      model: model("meta", "llama-3.3-70b", ""),
      instructions: "Unlock an account locked by failed sign-ins once the owner has verified through the self-service flow.",
      autonomy: "bounded",
      tools: [{ system: "okta", actions: [read("users.read"), write("users.unlock")] }],
      forbidden: ["okta:users.delete"],
      humanInTheLoop: hitl("IT service desk lead", "Slack #it-help"),
      traceRetentionDays: 180,
    },
  ],
];

export const DEMO_AGENTS: DemoAgent[] = defs.map(([slug, name, platform, workflow, description, spec], i) => ({
  slug,
  name,
  description,
  platform,
  workflow,
  engineerKey: i % 2 === 0 ? "engineer" : "engineer2",
  spec,
}));

const REGIONS = ["EMEA", "APAC", "LATAM", "North America", "UK", "DACH", "Nordics", "ANZ", "Japan", "India"];

/** Larger estates (benchmarks) repeat the catalogue with regional variants: refund-assistant-emea-2, … */
export function demoAgents(count: number): DemoAgent[] {
  return Array.from({ length: count }, (_, i) => {
    const base = DEMO_AGENTS[i % DEMO_AGENTS.length]!;
    const round = Math.floor(i / DEMO_AGENTS.length);
    if (round === 0) return base;
    const region = REGIONS[(round - 1) % REGIONS.length]!;
    const suffix = `${region.toLowerCase().replace(/\s+/g, "-")}-${round + 1}`;
    return { ...base, slug: `${base.slug}-${suffix}`, name: `${base.name} (${region} ${round + 1})` };
  });
}
