import "server-only";
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { withTransaction, first } from "@/db";
import { agents, businessSignals } from "@/db/schema";
import { DERIVED_METRICS, derivedMetricOf, metricKey } from "@/lib/domain/harm-thresholds";
import { CLOCK_SKEW_MS, LIMITS, tooLong } from "@/lib/domain/input-limits";
import { ENVIRONMENTS } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import type { Caller } from "./caller";
import { assertCanSendEvidence } from "./evidence-senders";
import { evaluateHarm } from "./harm";
import { deployedAt } from "./observations";
import { inOrder } from "@/lib/in-order";

/** A batch holds at most this many values: a collector flushes often. */
export const MAX_SIGNALS = 1_000;

const signalSchema = z.strictObject({
  agent: z
    .string({ error: "agent is the agent's slug" })
    .trim()
    .min(1, "agent is the agent's slug")
    .max(LIMITS.name, tooLong("agent", LIMITS.name)),
  environment: z.enum(ENVIRONMENTS, { error: `environment is one of: ${ENVIRONMENTS.join(", ")}` }),
  metric: z
    .string({ error: 'metric names a business metric, e.g. "refund_reversal_rate"' })
    .trim()
    .min(1, 'metric names a business metric, e.g. "refund_reversal_rate"')
    .max(LIMITS.name, tooLong("metric", LIMITS.name))
    .refine((m) => metricKey(m) !== "", "metric needs a letter or a digit")
    // A harm metric with such a name reads the counter, never these values: say so rather than keep them unread.
    .refine((m) => derivedMetricOf(m) === null, {
      error: (issue) =>
        `${derivedMetricOf(String(issue.input))} is derived from traces (${DERIVED_METRICS.join(", ")}): give the business metric a name of its own`,
    }),
  value: z.number({ error: "value is a number" }).finite("value is a number"),
  at: z.iso.datetime({ offset: true, error: "at is an ISO-8601 time, like 2026-12-01T03:00:00Z" }).optional(),
});

export const signalsSchema = z.union(
  [
    signalSchema,
    z.strictObject({
      signals: z.array(signalSchema).min(1, "Send at least one signal").max(MAX_SIGNALS, `Send at most ${MAX_SIGNALS} signals at once`),
    }),
  ],
  {
    error: "Send one signal {agent, environment, metric, value, at} or {signals: [...]}",
  },
);

export type SignalView = { agent: string; environment: string; metric: string; value: number; at: number; version: number | null };

/**
 * Business metric values (`refund_reversal_rate`, `csat`…) for an agent in an environment, each tagged with
 * the version that ran at its time, so a release's harm thresholds read only what that release caused.
 * Production values re-read the thresholds at once.
 */
export async function recordSignals(caller: Caller, input: unknown, now = Date.now()): Promise<{ recorded: SignalView[] }> {
  assertCanSendEvidence(caller);
  const data = parseInput(signalsSchema, input, "The signal is not valid");
  const items = "signals" in data ? data.signals : [data];
  const recorded = await withTransaction(async (tx) => {
    const bySlug = new Map<string, typeof agents.$inferSelect>();
    const views = await inOrder(items, async (item, i) => {
      const at = item.at ? Date.parse(item.at) : now;
      const field = "signals" in data ? `signals.${i}` : "";
      const fail = (name: string, message: string) =>
        new AppError("validation_failed", message, { fieldErrors: { [field ? `${field}.${name}` : name]: [message] } });
      if (at > now + CLOCK_SKEW_MS) throw fail("at", "at is in the future");
      const agent = bySlug.get(item.agent) ?? (await first(tx.select().from(agents).where(eq(agents.slug, item.agent))));
      if (!agent) throw fail("agent", `No agent with slug "${item.agent}"`);
      bySlug.set(agent.slug, agent);
      if (at < agent.createdAt) throw fail("at", `at is before ${agent.slug} was registered`);
      const version = await deployedAt(tx, agent.id, item.environment, at);
      await tx.insert(businessSignals).values({
        id: randomUUID(),
        agentId: agent.id,
        environment: item.environment,
        versionId: version?.id ?? null,
        metric: metricKey(item.metric),
        value: item.value,
        at,
        receivedAt: now,
        reportedById: caller.kind === "user" ? caller.user.id : null,
        reportedByTokenId: caller.kind === "token" ? caller.id : null,
      });
      return {
        agent: agent.slug,
        environment: item.environment,
        metric: metricKey(item.metric),
        value: item.value,
        at,
        version: version?.number ?? null,
      };
    });
    for (const agent of bySlug.values())
      if (items.some((i) => i.agent === agent.slug && i.environment === "production")) await evaluateHarm(tx, caller, agent, now);
    return views;
  });
  return { recorded };
}
