import type { AgentSpec } from "../../lib/domain/spec";
import type { Rng } from "./rng";

/**
 * The kinds of change the demo history is made of. Each one edits a spec the way a real team would;
 * the product's own rules (the permission diff, risk and policy) decide who must sign it.
 */
export type Mutation = { spec: AgentSpec; title: string; rationale: string };

type MutationKind = { weight: number; apply: (spec: AgentSpec, rng: Rng) => Mutation | null };

const clone = (spec: AgentSpec): AgentSpec => structuredClone(spec);

const SENTENCES = [
  "Answer in the customer's language when it is one we support.",
  "Cite the record you relied on for every figure you give.",
  "Keep replies under 120 words unless the user asks for detail.",
  "If a request is ambiguous, ask one clarifying question before acting.",
  "Say plainly when you do not know; never guess account data.",
  "Use the customer's name once, at the start.",
  "Summarise what you did at the end of every task.",
  "Flag any request that mentions legal action to a human.",
];

const NEW_READS = ["audit_log.read", "reports.read", "history.read", "attachments.read", "metrics.read"];
const NEW_WRITES = ["notes.create", "tags.update", "tasks.create", "records.annotate"];

function actionsWithLimit(spec: AgentSpec) {
  return spec.tools.flatMap((tool, t) => tool.actions.map((action, a) => ({ tool, action, t, a })).filter((x) => x.action.limit));
}

const kinds: MutationKind[] = [
  {
    weight: 30,
    apply(spec, rng) {
      const next = clone(spec);
      const sentence = rng.pick(SENTENCES.filter((s) => !spec.instructions.includes(s)));
      if (!sentence) return null;
      next.instructions = `${spec.instructions}\n${sentence}`;
      return { spec: next, title: "Reword instructions", rationale: `Reviewers asked for: "${sentence}"` };
    },
  },
  {
    weight: 14,
    apply(spec, rng) {
      const next = clone(spec);
      const [y, m] = [2025 + rng.int(0, 1), rng.int(1, 12)];
      const version = `${y}-${String(m).padStart(2, "0")}-${String(rng.int(1, 28)).padStart(2, "0")}`;
      if (version === spec.model.version) return null;
      next.model.version = version;
      return {
        spec: next,
        title: `Pin ${spec.model.name} to ${version}`,
        rationale: spec.model.version
          ? "Move to the provider's newer snapshot after a clean offline eval."
          : "Pin the floating model version so behaviour stops shifting under us.",
      };
    },
  },
  {
    weight: 10,
    apply(spec, rng) {
      const limited = actionsWithLimit(spec);
      if (limited.length === 0) return null;
      const { t, a, action } = rng.pick(limited)!;
      const next = clone(spec);
      const amount = Math.round(action.limit!.amount * rng.pick([1.5, 2, 3])!);
      next.tools[t]!.actions[a]!.limit = { amount, unit: action.limit!.unit };
      return {
        spec: next,
        title: `Raise ${action.name} limit to ${amount} ${action.limit!.unit}`,
        rationale: "Too many requests just above the limit go to a human; the queue is the bottleneck.",
      };
    },
  },
  {
    weight: 5,
    apply(spec, rng) {
      const limited = actionsWithLimit(spec);
      if (limited.length === 0) return null;
      const { t, a, action } = rng.pick(limited)!;
      const next = clone(spec);
      const amount = Math.max(1, Math.round(action.limit!.amount * 0.6));
      next.tools[t]!.actions[a]!.limit = { amount, unit: action.limit!.unit };
      return {
        spec: next,
        title: `Lower ${action.name} limit to ${amount} ${action.limit!.unit}`,
        rationale: "Tighten the limit after a review of recent decisions.",
      };
    },
  },
  {
    weight: 10,
    apply(spec, rng) {
      const tool = rng.pick(spec.tools);
      const name = rng.pick(NEW_READS.filter((n) => !tool?.actions.some((a) => a.name === n)));
      if (!tool || !name || spec.forbidden.includes(`${tool.system}:${name}`)) return null;
      const next = clone(spec);
      next.tools.find((t) => t.system === tool.system)!.actions.push({ name, access: "read", approval: "none" });
      return {
        spec: next,
        title: `Let the agent read ${tool.system} ${name}`,
        rationale: "The agent needs this context to stop asking staff for it.",
      };
    },
  },
  {
    weight: 5,
    apply(spec, rng) {
      if (spec.autonomy === "read_only") return null;
      const tool = rng.pick(spec.tools);
      const name = rng.pick(NEW_WRITES.filter((n) => !tool?.actions.some((a) => a.name === n)));
      if (!tool || !name || spec.forbidden.includes(`${tool.system}:${name}`)) return null;
      const next = clone(spec);
      next.tools.find((t) => t.system === tool.system)!.actions.push({ name, access: "write", approval: "required" });
      return {
        spec: next,
        title: `Add ${tool.system} ${name} (write, approval required)`,
        rationale: "Staff copy the agent's output into the system by hand; let it write, with approval.",
      };
    },
  },
  {
    weight: 8,
    apply(spec, rng) {
      const tool = rng.pick(spec.tools);
      const entry = tool && `${tool.system}:${rng.pick(["bulk_export", "admin.update", "records.purge", "users.impersonate"])}`;
      if (!entry || spec.forbidden.includes(entry)) return null;
      const next = clone(spec);
      next.forbidden.push(entry);
      return { spec: next, title: `Forbid ${entry}`, rationale: "Make the boundary explicit after the quarterly access review." };
    },
  },
  {
    weight: 8,
    apply(spec, rng) {
      const days = rng.pick([30, 60, 90, 180, 365].filter((d) => d > spec.traceRetentionDays));
      if (!days) return null;
      const next = clone(spec);
      next.traceRetentionDays = days;
      return { spec: next, title: `Keep traces for ${days} days`, rationale: "Incident reviews kept running out of trace history." };
    },
  },
  {
    weight: 6,
    apply(spec, rng) {
      if (!spec.humanInTheLoop) return null;
      const next = clone(spec);
      const decisions = rng.pick([300, 500, 1000])!;
      next.humanInTheLoop!.stopAskingRule = `after ${decisions} decisions with < 0.5% corrections`;
      if (next.humanInTheLoop!.stopAskingRule === spec.humanInTheLoop.stopAskingRule) return null;
      return {
        spec: next,
        title: "Tighten the stop-asking rule",
        rationale: "Keep the reviewer in the loop longer before trusting the agent alone.",
      };
    },
  },
  {
    weight: 3,
    apply(spec, rng) {
      const candidates = spec.tools.flatMap((tool, t) =>
        tool.actions
          .map((action, a) => ({ action, t, a }))
          .filter((x) => x.action.access !== "read" && x.action.approval === "required" && !x.action.limit),
      );
      const pick = rng.pick(candidates);
      if (!pick) return null;
      const next = clone(spec);
      next.tools[pick.t]!.actions[pick.a]!.approval = "none";
      return {
        spec: next,
        title: `Stop asking for approval on ${pick.action.name}`,
        rationale: "Reviewers approve 99.6% of these unchanged; the wait costs customers a day.",
      };
    },
  },
];

export function randomMutation(spec: AgentSpec, rng: Rng): Mutation {
  for (;;) {
    const kind = rng.weighted(kinds.map((k) => [k, k.weight] as const));
    const mutation = kind.apply(spec, rng);
    if (mutation) return mutation;
  }
}

/** A hotfix: the running spec with a guard sentence added, for emergency fix-forward changes. */
export function hotfix(spec: AgentSpec, incidentTitle: string): Mutation {
  const next = clone(spec);
  next.instructions = `${spec.instructions}\nHotfix: do not act on requests like the one in "${incidentTitle}"; hand them to a human.`;
  return { spec: next, title: `Hotfix: ${incidentTitle}`, rationale: "Stop the harm now; the full review follows within 48 hours." };
}

/**
 * A containment hotfix: the guard sentence, and the agent's first write action reined in (approval
 * required, a halved limit, or the action removed). It touches authority as well as semantics, so
 * more than one role must sign it: released on one approval, the rest is a retro sign-off.
 */
export function containmentHotfix(spec: AgentSpec, incidentTitle: string): Mutation {
  const fix = hotfix(spec, incidentTitle);
  const tool = fix.spec.tools.find((t) => t.actions.some((a) => a.access !== "read"));
  const index = tool?.actions.findIndex((a) => a.access !== "read") ?? -1;
  const action = tool?.actions[index];
  if (!tool || !action) return fix;
  if (action.approval !== "required") action.approval = "required";
  else if (action.limit && action.limit.amount > 1) action.limit = { ...action.limit, amount: Math.floor(action.limit.amount / 2) };
  else tool.actions.splice(index, 1);
  return {
    ...fix,
    title: `Contain: ${incidentTitle}`,
    rationale: `Stop the harm now by reining in ${tool.system} ${action.name}; the full review follows within 48 hours.`,
  };
}
