import "server-only";
import { and, eq, gte, isNull, or, sql } from "drizzle-orm";
import { getDb } from "@/db";
import { agents, breaches } from "@/db/schema";
import type { BreachKind } from "@/lib/domain/runtime";
import type { Environment } from "@/lib/domain/terms";
import { assertCanRead, type Caller } from "./caller";

const DAY_MS = 86_400_000;
/** How far back the home page looks for breaches; an open harm breach shows however old it is. */
export const RECENT_BREACH_DAYS = 7;

/**
 * Worst first: doing what is forbidden outright, then what was never granted, then going past a limit, then
 * skipping a person's approval; a harm threshold crossed says the outcomes suffer, not that authority was exceeded.
 */
const WORST_FIRST: BreachKind[] = ["forbidden_action", "ungranted_action", "limit_exceeded", "approval_skipped", "harm_threshold"];

export type AgentBreaches = {
  agent: { slug: string; name: string };
  /** Breach records in the window, and the open harm breaches. */
  count: number;
  /** The times the breaching calls were made, summed over those records. */
  occurrences: number;
  worst: BreachKind;
  /** Production when any of them happened there, else where the latest did: the agent page's runtime panel opens on it. */
  environment: Environment;
  lastAt: number;
  openHarm: number;
};

/** Agents with a breach in the last RECENT_BREACH_DAYS days or a harm threshold still crossed: production first, worst first. */
export async function runtimeBreachOverview(
  caller: Caller,
  now = Date.now(),
  limit = 8,
): Promise<{ agents: AgentBreaches[]; total: number }> {
  assertCanRead(caller);
  const rows = await getDb()
    .select({
      slug: agents.slug,
      name: agents.name,
      kind: breaches.kind,
      environment: breaches.environment,
      lastAt: breaches.lastAt,
      occurrences: breaches.occurrences,
      open: sql<boolean>`${breaches.kind} = 'harm_threshold' AND ${breaches.clearedAt} IS NULL`,
    })
    .from(breaches)
    .innerJoin(agents, eq(agents.id, breaches.agentId))
    .where(
      or(gte(breaches.lastAt, now - RECENT_BREACH_DAYS * DAY_MS), and(eq(breaches.kind, "harm_threshold"), isNull(breaches.clearedAt))),
    );
  const byAgent = new Map<string, AgentBreaches & { production: boolean }>();
  for (const r of rows) {
    const seen = byAgent.get(r.slug);
    const entry = seen ?? {
      agent: { slug: r.slug, name: r.name },
      count: 0,
      occurrences: 0,
      worst: r.kind,
      environment: r.environment,
      lastAt: r.lastAt,
      openHarm: 0,
      production: false,
    };
    entry.count += 1;
    entry.occurrences += r.occurrences;
    entry.openHarm += r.open ? 1 : 0;
    entry.production ||= r.environment === "production";
    if (WORST_FIRST.indexOf(r.kind) < WORST_FIRST.indexOf(entry.worst)) entry.worst = r.kind;
    if (r.lastAt >= entry.lastAt) Object.assign(entry, { lastAt: r.lastAt, environment: r.environment });
    byAgent.set(r.slug, entry);
  }
  const sorted = [...byAgent.values()].sort(
    (a, b) =>
      Number(b.production) - Number(a.production) || WORST_FIRST.indexOf(a.worst) - WORST_FIRST.indexOf(b.worst) || b.lastAt - a.lastAt,
  );
  return {
    agents: sorted
      .slice(0, limit)
      .map(({ production, ...rest }) => ({ ...rest, environment: production ? "production" : rest.environment })),
    total: sorted.length,
  };
}
