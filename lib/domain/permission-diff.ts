import { diffLines } from "diff";
import { canonicalJson } from "./canonical-json";
import { ACCESS_LEVELS, AUTONOMY_LADDER, type AgentSpec, type ToolAction } from "./spec";
import { REVIEW_DOMAINS, type ReviewDomain } from "./terms";

export type Direction = "escalation" | "reduction" | "neutral";

export type DiffItem = {
  kind: string;
  domain: ReviewDomain;
  direction: Direction;
  /** A sentence a reviewer reads: "refunds.create limit raised 50 → 500 USD". */
  summary: string;
  /** Where in the spec: tools[stripe].actions[refunds.create].limit */
  path: string;
  before: unknown;
  after: unknown;
};

export type LineChange = { type: "added" | "removed" | "unchanged"; text: string };

const item = (
  kind: string,
  domain: ReviewDomain,
  direction: Direction,
  summary: string,
  path: string,
  before: unknown,
  after: unknown,
): DiffItem => ({
  kind,
  domain,
  direction,
  summary,
  path,
  before: before ?? null,
  after: after ?? null,
});

const rank = <T extends string>(ladder: readonly T[], value: T) => ladder.indexOf(value);
const describeLimit = (limit: ToolAction["limit"]) => (limit ? `${limit.amount} ${limit.unit}` : "unlimited");
const describeAction = (a: ToolAction) => `${a.access}, approval ${a.approval}${a.limit ? `, limit ${describeLimit(a.limit)}` : ""}`;

function actionMap(spec: AgentSpec): Map<string, { system: string; action: ToolAction }> {
  return new Map(
    spec.tools.flatMap((tool) => tool.actions.map((action) => [`${tool.system}:${action.name}`, { system: tool.system, action }] as const)),
  );
}

function authorityDiff(base: AgentSpec, next: AgentSpec): DiffItem[] {
  const items: DiffItem[] = [];
  const baseSystems = new Set(base.tools.map((t) => t.system));
  const nextSystems = new Set(next.tools.map((t) => t.system));
  for (const system of nextSystems) {
    if (!baseSystems.has(system))
      items.push(item("system_added", "authority", "escalation", `system ${system} added`, `tools[${system}]`, null, system));
  }
  for (const system of baseSystems) {
    if (!nextSystems.has(system))
      items.push(item("system_removed", "authority", "reduction", `system ${system} removed`, `tools[${system}]`, system, null));
  }

  const before = actionMap(base);
  const after = actionMap(next);
  for (const [key, { system, action }] of after) {
    const path = `tools[${system}].actions[${action.name}]`;
    const old = before.get(key)?.action;
    if (!old) {
      items.push(item("action_added", "authority", "escalation", `action ${key} added (${describeAction(action)})`, path, null, action));
      continue;
    }
    const accessDelta = rank(ACCESS_LEVELS, action.access) - rank(ACCESS_LEVELS, old.access);
    if (accessDelta !== 0) {
      const raised = accessDelta > 0;
      items.push(
        item(
          raised ? "access_raised" : "access_lowered",
          "authority",
          raised ? "escalation" : "reduction",
          `${action.name} access ${raised ? "raised" : "lowered"} ${old.access} → ${action.access}`,
          `${path}.access`,
          old.access,
          action.access,
        ),
      );
    }
    if (old.approval !== action.approval) {
      const removed = action.approval === "none";
      items.push(
        item(
          removed ? "approval_removed" : "approval_added",
          "authority",
          removed ? "escalation" : "reduction",
          `approval ${removed ? "removed" : "required"} on ${action.name} (${action.access})`,
          `${path}.approval`,
          old.approval,
          action.approval,
        ),
      );
    }
    items.push(...limitDiff(action.name, `${path}.limit`, old.limit, action.limit));
  }
  for (const [key, { system, action }] of before) {
    if (!after.has(key))
      items.push(
        item(
          "action_removed",
          "authority",
          "reduction",
          `action ${key} removed (was ${describeAction(action)})`,
          `tools[${system}].actions[${action.name}]`,
          action,
          null,
        ),
      );
  }

  const baseForbidden = new Set(base.forbidden);
  const nextForbidden = new Set(next.forbidden);
  for (const entry of nextForbidden) {
    if (!baseForbidden.has(entry))
      items.push(item("forbidden_added", "authority", "reduction", `${entry} forbidden`, `forbidden[${entry}]`, null, entry));
  }
  for (const entry of baseForbidden) {
    if (!nextForbidden.has(entry))
      items.push(item("forbidden_removed", "authority", "escalation", `${entry} no longer forbidden`, `forbidden[${entry}]`, entry, null));
  }

  const autonomyDelta = rank(AUTONOMY_LADDER, next.autonomy) - rank(AUTONOMY_LADDER, base.autonomy);
  if (autonomyDelta !== 0) {
    const raised = autonomyDelta > 0;
    items.push(
      item(
        raised ? "autonomy_raised" : "autonomy_lowered",
        "authority",
        raised ? "escalation" : "reduction",
        `autonomy ${raised ? "raised" : "lowered"} ${base.autonomy} → ${next.autonomy}`,
        "autonomy",
        base.autonomy,
        next.autonomy,
      ),
    );
  }
  return items;
}

/** A missing limit means unlimited: removing one is an escalation. A new unit cannot be compared, so it is treated as one too. */
function limitDiff(action: string, path: string, old: ToolAction["limit"], now: ToolAction["limit"]): DiffItem[] {
  if (!old && !now) return [];
  if (old && !now)
    return [
      item(
        "limit_removed",
        "authority",
        "escalation",
        `${action} limit removed (was ${describeLimit(old)}; now unlimited)`,
        path,
        old,
        null,
      ),
    ];
  if (!old && now)
    return [item("limit_added", "authority", "reduction", `${action} limit set to ${describeLimit(now)} (was unlimited)`, path, null, now)];
  if (old!.unit !== now!.unit) {
    return [
      item(
        "limit_unit_changed",
        "authority",
        "escalation",
        `${action} limit unit changed ${old!.unit} → ${now!.unit} (${describeLimit(old)} → ${describeLimit(now)}): check the new limit is no higher`,
        path,
        old,
        now,
      ),
    ];
  }
  if (old!.amount === now!.amount) return [];
  const raised = now!.amount > old!.amount;
  return [
    item(
      raised ? "limit_raised" : "limit_lowered",
      "authority",
      raised ? "escalation" : "reduction",
      `${action} limit ${raised ? "raised" : "lowered"} ${old!.amount} → ${now!.amount} ${now!.unit}`,
      path,
      old,
      now,
    ),
  ];
}

function runtimeDiff(base: AgentSpec, next: AgentSpec): DiffItem[] {
  const items: DiffItem[] = [];
  const b = base.model;
  const n = next.model;
  if (b.provider !== n.provider || b.name !== n.name) {
    items.push(
      item("model_changed", "runtime", "neutral", `model changed ${b.provider}/${b.name} → ${n.provider}/${n.name}`, "model", b, n),
    );
  }
  if (b.version !== n.version) {
    if (!n.version)
      items.push(
        item(
          "model_unpinned",
          "runtime",
          "escalation",
          `model version unpinned (was ${b.version}; now floating)`,
          "model.version",
          b.version,
          n.version,
        ),
      );
    else if (!b.version)
      items.push(item("model_pinned", "runtime", "neutral", `model version pinned to ${n.version}`, "model.version", b.version, n.version));
    else
      items.push(
        item(
          "model_version_changed",
          "runtime",
          "neutral",
          `model version changed ${b.version} → ${n.version}`,
          "model.version",
          b.version,
          n.version,
        ),
      );
  }
  return items;
}

function semanticsDiff(base: AgentSpec, next: AgentSpec): DiffItem[] {
  const items: DiffItem[] = [];
  if (base.instructions !== next.instructions) {
    const lines = instructionsDiff(base.instructions, next.instructions);
    const added = lines.filter((l) => l.type === "added").length;
    const removed = lines.filter((l) => l.type === "removed").length;
    items.push(
      item(
        "instructions_changed",
        "semantics",
        "neutral",
        `instructions changed (+${added} −${removed} lines)`,
        "instructions",
        base.instructions,
        next.instructions,
      ),
    );
  }
  const b = base.humanInTheLoop;
  const n = next.humanInTheLoop;
  if (b && !n) items.push(item("hitl_removed", "semantics", "escalation", "human-in-the-loop review removed", "humanInTheLoop", b, null));
  else if (!b && n)
    items.push(
      item(
        "hitl_added",
        "semantics",
        "reduction",
        `human-in-the-loop review added (${n.reviewer} in ${n.surface})`,
        "humanInTheLoop",
        null,
        n,
      ),
    );
  else if (b && n) {
    if (b.reviewer !== n.reviewer)
      items.push(
        item(
          "hitl_reviewer_changed",
          "semantics",
          "neutral",
          `reviewer changed ${b.reviewer} → ${n.reviewer}`,
          "humanInTheLoop.reviewer",
          b.reviewer,
          n.reviewer,
        ),
      );
    if (b.surface !== n.surface)
      items.push(
        item(
          "hitl_surface_changed",
          "semantics",
          "neutral",
          `review surface changed ${b.surface} → ${n.surface}`,
          "humanInTheLoop.surface",
          b.surface,
          n.surface,
        ),
      );
    for (const [field, label] of [
      ["canOverride", "reviewer can override the agent"],
      ["captureCorrections", "corrections are captured"],
    ] as const) {
      if (b[field] === n[field]) continue;
      // Oversight weakens when a safeguard is switched off.
      items.push(
        item(
          `hitl_${field}_changed`,
          "semantics",
          n[field] ? "reduction" : "escalation",
          `${label}: ${b[field] ? "yes" : "no"} → ${n[field] ? "yes" : "no"}`,
          `humanInTheLoop.${field}`,
          b[field],
          n[field],
        ),
      );
    }
    if ((b.stopAskingRule ?? "") !== (n.stopAskingRule ?? "")) {
      // Adding a rule lets the agent stop asking (weaker oversight); removing it means always asking.
      const direction: Direction = !b.stopAskingRule ? "escalation" : !n.stopAskingRule ? "reduction" : "neutral";
      items.push(
        item(
          "hitl_stop_rule_changed",
          "semantics",
          direction,
          n.stopAskingRule
            ? `stop-asking rule ${b.stopAskingRule ? "changed" : "added"}: "${n.stopAskingRule}"`
            : "stop-asking rule removed (the reviewer is always asked)",
          "humanInTheLoop.stopAskingRule",
          b.stopAskingRule ?? null,
          n.stopAskingRule ?? null,
        ),
      );
    }
  }
  return items;
}

function incidentPathDiff(base: AgentSpec, next: AgentSpec): DiffItem[] {
  if (base.traceRetentionDays === next.traceRetentionDays) return [];
  const shorter = next.traceRetentionDays < base.traceRetentionDays;
  return [
    item(
      "trace_retention_changed",
      "incident_path",
      shorter ? "reduction" : "neutral",
      `trace retention ${shorter ? "shortened" : "lengthened"} ${base.traceRetentionDays} → ${next.traceRetentionDays} days`,
      "traceRetentionDays",
      base.traceRetentionDays,
      next.traceRetentionDays,
    ),
  ];
}

/** The spec of "no agent yet": diffing a new agent against it lists everything it is granted. */
export const EMPTY_SPEC: AgentSpec = {
  model: { provider: "", name: "", version: "" },
  instructions: "",
  autonomy: "read_only",
  tools: [],
  forbidden: [],
  traceRetentionDays: 0,
};

const DIRECTION_ORDER: Direction[] = ["escalation", "reduction", "neutral"];

/** Escalations first, then reductions, then neutral changes; within each, by review domain. */
export function sortDiff(items: DiffItem[]): DiffItem[] {
  return items
    .map((it, i) => ({ it, i }))
    .sort(
      (a, b) =>
        DIRECTION_ORDER.indexOf(a.it.direction) - DIRECTION_ORDER.indexOf(b.it.direction) ||
        REVIEW_DOMAINS.indexOf(a.it.domain) - REVIEW_DOMAINS.indexOf(b.it.domain) ||
        a.i - b.i,
    )
    .map(({ it }) => it);
}

/**
 * The permission diff: computed, never typed. `base` is null for a new agent. Items come sorted,
 * escalations first.
 */
export function permissionDiff(base: AgentSpec | null, next: AgentSpec): DiffItem[] {
  const from = base ?? EMPTY_SPEC;
  const items = sortDiff([
    ...authorityDiff(from, next),
    ...runtimeDiff(from, next),
    ...semanticsDiff(from, next),
    ...incidentPathDiff(from, next),
  ]);
  // A new agent's record opens by saying so, before its grants.
  return base
    ? items
    : [item("agent_created", "semantics", "neutral", "new agent: everything it is granted is new", "", null, null), ...items];
}

/** The instructions as a line diff, for a reviewer to read. */
export function instructionsDiff(before: string, after: string): LineChange[] {
  const withNewline = (s: string) => (s === "" || s.endsWith("\n") ? s : `${s}\n`);
  return diffLines(withNewline(before), withNewline(after)).flatMap((part) =>
    part.value
      .replace(/\n$/, "")
      .split("\n")
      .map((text) => ({ type: part.added ? "added" : part.removed ? "removed" : "unchanged", text }) as LineChange),
  );
}

/** The domains a diff touches, in review order. */
export function touchedDomains(items: DiffItem[]): ReviewDomain[] {
  return REVIEW_DOMAINS.filter((d) => items.some((it) => it.domain === d));
}

export type AttestedSnapshot = {
  roleImpacts: unknown[];
  harmMetrics: unknown[];
  rollbackPlan: string;
  rollbackOwner: string | null;
  monitoring: string;
};

/** The change-record fields that are not in the spec but are still attested, compared the same way. */
export function attestedFieldsDiff(before: AttestedSnapshot | null, after: AttestedSnapshot): DiffItem[] {
  const b = before ?? { roleImpacts: [], harmMetrics: [], rollbackPlan: "", rollbackOwner: null, monitoring: "" };
  const same = (x: unknown, y: unknown) => canonicalJson(x) === canonicalJson(y);
  const items: DiffItem[] = [];
  if (!same(b.roleImpacts, after.roleImpacts))
    items.push(
      item("role_impacts_changed", "semantics", "neutral", "role impacts changed", "roleImpacts", b.roleImpacts, after.roleImpacts),
    );
  if (!same(b.harmMetrics, after.harmMetrics))
    items.push(
      item("harm_metrics_changed", "semantics", "neutral", "harm metrics changed", "harmMetrics", b.harmMetrics, after.harmMetrics),
    );
  if (b.rollbackPlan !== after.rollbackPlan)
    items.push(
      item(
        "rollback_plan_changed",
        "incident_path",
        "neutral",
        "rollback plan changed",
        "rollbackPlan",
        b.rollbackPlan,
        after.rollbackPlan,
      ),
    );
  if (b.rollbackOwner !== after.rollbackOwner)
    items.push(
      item(
        "rollback_owner_changed",
        "incident_path",
        "neutral",
        `rollback owner changed ${b.rollbackOwner ?? "none"} → ${after.rollbackOwner ?? "none"}`,
        "rollbackOwner",
        b.rollbackOwner,
        after.rollbackOwner,
      ),
    );
  if (b.monitoring !== after.monitoring)
    items.push(item("monitoring_changed", "incident_path", "neutral", "monitoring changed", "monitoring", b.monitoring, after.monitoring));
  return items;
}
