import type { AgentSpec } from "../../lib/domain/spec";
import type { Decision, ToolCall } from "../../lib/testing/otel-spans";
import type { Rng } from "./rng";

/**
 * What an agent's runtime did, day by day, for the demo estate: decisions through the approved model, tool
 * calls only to actions the running version grants (with a person's approval where it is required, amounts
 * within limits), now and then a privilege rejection, a denied approval or a correction. Pure: the caller
 * says which spec ran when and how much of each harm counter the end of the history may show.
 */

const HOUR = 3_600_000;

/** Decisions cluster in working hours (UTC), with a trickle at night. */
const HOUR_WEIGHTS: (readonly [number, number])[] = Array.from({ length: 24 }, (_, h) => [
  h,
  h >= 7 && h <= 18 ? 6 : h >= 19 && h <= 22 ? 2 : 1,
]);

/**
 * A harm counter read at the end of the history, from `from` on: a rate in percent of its base (corrections
 * of decisions, denied approvals of approvals, errors of decisions and tool calls) or a count (privilege
 * rejections), never to pass `max` at any export. Before `from`, what happens is not read.
 */
export type Cap = { from: number; max: number };
export type Caps = Partial<Record<"corrections" | "privilegeRejections" | "approvalsDenied" | "errors", Cap>>;

export type TrafficProfile = {
  decisionsPerDay: readonly [number, number];
  correctionChance: number;
  privilegeRejectionChance: number;
  approvalDenialChance: number;
};

export const PRODUCTION_TRAFFIC: TrafficProfile = {
  decisionsPerDay: [16, 36],
  correctionChance: 0.012,
  privilegeRejectionChance: 0.005,
  approvalDenialChance: 0.03,
};

/** Staging carries a release candidate's test traffic: a few conversations a day, no people correcting it. */
export const STAGING_TRAFFIC: TrafficProfile = {
  decisionsPerDay: [6, 12],
  correctionChance: 0,
  privilegeRejectionChance: 0,
  approvalDenialChance: 0,
};

/** The model as a runtime reports it: `<name>-<version>`, or `<name>` for a floating model (as RUNTIME.md matches it). */
export function answeringModel(spec: AgentSpec): string {
  const version = spec.model.version?.trim() ?? "";
  return version ? `${spec.model.name}-${version}` : spec.model.name;
}

type Measure = (d: Decision) => { part: number; whole: number | null };
const calls = (d: Decision) => d.tools ?? [];
const MEASURES: Record<keyof Caps, Measure> = {
  corrections: (d) => ({ part: d.corrected ? 1 : 0, whole: 1 }),
  approvalsDenied: (d) => ({
    part: calls(d).filter((c) => c.approval === "denied").length,
    whole: calls(d).filter((c) => c.approval).length,
  }),
  // A privilege rejection is an error of its tool call.
  errors: (d) => ({ part: calls(d).filter((c) => c.denied).length, whole: 1 + calls(d).length }),
  privilegeRejections: (d) => ({ part: calls(d).filter((c) => c.denied).length, whole: null }),
};

/** What each capped counter has read so far within its window: a decision is admitted only as far as every cap allows. */
class Tally {
  private sums: { key: keyof Caps; cap: Cap; part: number; whole: number }[];
  constructor(caps: Caps) {
    this.sums = (Object.keys(caps) as (keyof Caps)[]).map((key) => ({ key, cap: caps[key]!, part: 0, whole: 0 }));
  }

  private fits(d: Decision): boolean {
    return this.sums.every(({ key, cap, part, whole }) => {
      if (d.at < cap.from) return true;
      const m = MEASURES[key](d);
      return m.whole === null ? part + m.part <= cap.max : (100 * (part + m.part)) / (whole + m.whole) <= cap.max;
    });
  }

  /** The decision, without the corrections, denials and rejections that would take a counter past its cap. */
  admit(d: Decision): Decision {
    let admitted = d;
    const steps: ((x: Decision) => Decision)[] = [
      (x) => ({ ...x, corrected: false }),
      (x) => ({ ...x, tools: calls(x).map((c) => (c.approval === "denied" ? { ...c, approval: "granted" as const } : c)) }),
      (x) => ({ ...x, tools: calls(x).map((c) => ({ ...c, denied: false })) }),
    ];
    for (const step of steps) {
      if (this.fits(admitted)) break;
      admitted = step(admitted);
    }
    for (const sum of this.sums) {
      if (admitted.at < sum.cap.from) continue;
      const m = MEASURES[sum.key](admitted);
      sum.part += m.part;
      sum.whole += m.whole ?? 0;
    }
    return admitted;
  }
}

/**
 * Plans one agent's decisions in one environment over the given days, each a list for one export. The spec at
 * each instant is the version deployed then (null: nothing ran); a decision only uses what that spec grants.
 */
export function planTraffic(
  rng: Rng,
  days: number[],
  specAt: (at: number) => AgentSpec | null,
  profile: TrafficProfile,
  caps: Caps = {},
): Decision[][] {
  const tally = new Tally(caps);
  return days.map((day) => {
    const count = rng.int(profile.decisionsPerDay[0], profile.decisionsPerDay[1]);
    const times = Array.from({ length: count }, () => day + rng.weighted(HOUR_WEIGHTS) * HOUR + rng.int(0, HOUR - 1)).sort((a, b) => a - b);
    const decisions: Decision[] = [];
    for (const at of times) {
      const spec = specAt(at);
      if (!spec) continue;
      decisions.push(tally.admit(planDecision(rng, at, spec, profile)));
    }
    return decisions;
  });
}

function planDecision(rng: Rng, at: number, spec: AgentSpec, profile: TrafficProfile): Decision {
  const granted = spec.tools.flatMap((t) => t.actions.map((action) => ({ tool: `${t.system}:${action.name}`, action })));
  const count =
    granted.length === 0
      ? 0
      : rng.weighted([
          [0, 2],
          [1, 5],
          [2, 3],
        ] as const);
  const tools = Array.from({ length: count }, (): ToolCall => {
    const { tool, action } = rng.pick(granted)!;
    const call: ToolCall = { tool };
    if (action.approval === "required") call.approval = rng.chance(profile.approvalDenialChance) ? "denied" : "granted";
    // Amounts from 5% to 95% of the limit: never above it.
    if (action.limit) call.amount = Math.round(action.limit.amount * rng.int(5, 95)) / 100;
    // A denied approval never reached the system, so only an approved (or unapproved) call can be refused by it.
    if (call.approval !== "denied" && rng.chance(profile.privilegeRejectionChance)) call.denied = true;
    return call;
  });
  return {
    at,
    model: answeringModel(spec),
    tools,
    corrected: rng.chance(profile.correctionChance),
    tokens: { input: rng.int(300, 2500), output: rng.int(40, 600) },
  };
}

/** One decision that calls `tool`, which the running version does not grant: the demo's staging breach. */
export function ungrantedDecision(rng: Rng, at: number, spec: AgentSpec, tool: string): Decision {
  return { at, model: answeringModel(spec), tools: [{ tool }], tokens: { input: rng.int(300, 2500), output: rng.int(40, 600) } };
}

/** `system:name` for an action the spec neither grants nor forbids, on its first system. */
export function ungrantedTool(spec: AgentSpec, name: string): string {
  const taken = new Set([...spec.tools.flatMap((t) => t.actions.map((a) => `${t.system}:${a.name}`)), ...spec.forbidden]);
  const system = spec.tools[0]?.system ?? "admin";
  for (let i = 1; ; i++) {
    const tool = `${system}:${name}${i === 1 ? "" : `_${i}`}`;
    if (!taken.has(tool)) return tool;
  }
}
