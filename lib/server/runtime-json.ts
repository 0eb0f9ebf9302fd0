import type { BreachView, RuntimeView } from "./runtime-evidence";

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** A breach as the API writes it: times in ISO 8601. */
export function breachJson(b: BreachView) {
  return { ...b, at: iso(b.at), lastAt: iso(b.lastAt), clearedAt: isoOrNull(b.clearedAt) };
}

/** `GET /api/v1/agents/{slug}/runtime`: the same figures the agent page's runtime panel draws. */
export function runtimeJson(view: RuntimeView) {
  return {
    ...view,
    from: iso(view.from),
    to: iso(view.to),
    breaches: view.breaches.map(breachJson),
    markers: view.markers.map((m) => ({ ...m, at: iso(m.at) })),
    traces: view.traces.map((t) => ({ ...t, startedAt: iso(t.startedAt) })),
  };
}
