import "server-only";
import { and, asc, eq, gt, inArray, ne, sql } from "drizzle-orm";
import { first, getDb } from "@/db";
import { agents, agentVersions, breaches, deployments } from "@/db/schema";
import type { RuntimeCounts } from "@/lib/domain/runtime";
import { changeNumberLabel, type DeploymentKind } from "@/lib/domain/terms";
import { assertCanRead, type Caller } from "./caller";
import { findChangeRow } from "./change-records";
import { countsBetween } from "./harm";
import { breachViews, type BreachView } from "./runtime-evidence";
import { breachJson } from "./runtime-json";

const DAY_MS = 86_400_000;
/** A release is judged on its first 30 days at most: later, other changes and seasons weigh more than it does. */
export const SINCE_RELEASE_MAX_DAYS = 30;

/** The figures compared before and after a release. */
export const RELEASE_FIGURES = ["decisions", "toolCalls", "errors", "privilegeRejections", "corrections", "approvalsDenied"] as const;
export type ReleaseFigure = (typeof RELEASE_FIGURES)[number];
export type Figures = Record<ReleaseFigure, number>;

export type ReleaseWindow = {
  from: number;
  to: number;
  /** The version whose evidence the window holds: the released one after, the one it replaced before. */
  version: number;
  counts: Figures;
  /** Per day of the window; null when the window is shorter than a day, as a day's rate would be a guess. */
  perDay: Figures | null;
};

export type SinceRelease = {
  change: string;
  agent: { slug: string; name: string };
  version: number;
  releasedAt: number;
  /** When another deployment replaced it in production (a rollback, a later release, retirement); null while it runs. */
  endedAt: number | null;
  endedBy: DeploymentKind | null;
  /** The window's length in days: from the release until it ended or now, at most SINCE_RELEASE_MAX_DAYS. */
  days: number;
  /** The window stops short of the time it ran, at SINCE_RELEASE_MAX_DAYS. */
  capped: boolean;
  after: ReleaseWindow;
  /** The same length of time before the release, on the version it replaced; null for a first release. */
  before: ReleaseWindow | null;
  /** The breaches of the released version in production. */
  breaches: BreachView[];
};

/**
 * What a change's release did in production: its version's runtime figures from the release on, against the
 * same length of time before it on the version it replaced, and its version's breaches. Null when the change
 * never reached production. Counters are hourly, so the window's first hour is counted whole.
 */
export async function changeSinceRelease(caller: Caller, changeRef: string, now = Date.now()): Promise<SinceRelease | null> {
  assertCanRead(caller);
  const db = getDb();
  const change = await findChangeRow(db, changeRef);
  const release = await first(
    db
      .select({
        deployedAt: deployments.deployedAt,
        versionId: deployments.versionId,
        replacedVersionId: deployments.replacedVersionId,
        version: agentVersions.number,
        agentSlug: agents.slug,
        agentName: agents.name,
      })
      .from(deployments)
      .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
      .innerJoin(agents, eq(agents.id, deployments.agentId))
      .where(
        and(
          eq(deployments.changeRecordId, change.id),
          eq(deployments.environment, "production"),
          inArray(deployments.kind, ["promote", "emergency"]),
        ),
      )
      .orderBy(asc(deployments.deployedAt))
      .limit(1),
  );
  if (!release || release.deployedAt > now) return null;
  const ended = await first(
    db
      .select({ at: deployments.deployedAt, kind: deployments.kind })
      .from(deployments)
      .where(
        and(
          eq(deployments.agentId, change.agentId),
          eq(deployments.environment, "production"),
          gt(deployments.deployedAt, release.deployedAt),
          ne(deployments.versionId, release.versionId),
          sql`${deployments.deployedAt} <= ${now}`,
        ),
      )
      .orderBy(asc(deployments.deployedAt))
      .limit(1),
  );
  const ran = (ended?.at ?? now) - release.deployedAt;
  const length = Math.min(ran, SINCE_RELEASE_MAX_DAYS * DAY_MS);
  const window = async (versionId: string, version: number, from: number, to: number): Promise<ReleaseWindow> => {
    const counts = figuresOf(await countsBetween(db, change.agentId, "production", versionId, from, to));
    return { from, to, version, counts, perDay: length >= DAY_MS ? perDay(counts, length / DAY_MS) : null };
  };
  const replaced = release.replacedVersionId
    ? await first(db.select({ number: agentVersions.number }).from(agentVersions).where(eq(agentVersions.id, release.replacedVersionId)))
    : undefined;
  return {
    change: changeNumberLabel(change.number),
    agent: { slug: release.agentSlug, name: release.agentName },
    version: release.version,
    releasedAt: release.deployedAt,
    endedAt: ended?.at ?? null,
    endedBy: ended?.kind ?? null,
    days: Math.round((length / DAY_MS) * 100) / 100,
    capped: length < ran,
    after: await window(release.versionId, release.version, release.deployedAt, release.deployedAt + length),
    before:
      release.replacedVersionId && replaced
        ? await window(release.replacedVersionId, replaced.number, release.deployedAt - length, release.deployedAt)
        : null,
    breaches: await breachViews(db, and(eq(breaches.versionId, release.versionId), eq(breaches.environment, "production"))),
  };
}

function figuresOf(counts: RuntimeCounts): Figures {
  return Object.fromEntries(RELEASE_FIGURES.map((f) => [f, counts[f]])) as Figures;
}

function perDay(counts: Figures, days: number): Figures {
  return Object.fromEntries(RELEASE_FIGURES.map((f) => [f, Math.round((counts[f] / days) * 100) / 100])) as Figures;
}

const iso = (ms: number) => new Date(ms).toISOString();
const windowJson = (w: ReleaseWindow) => ({ ...w, from: iso(w.from), to: iso(w.to) });

/** `sinceRelease` of `GET /api/v1/changes/{ref}`: the same figures, times in ISO 8601. */
export function sinceReleaseJson(since: SinceRelease | null) {
  if (!since) return null;
  return {
    ...since,
    releasedAt: iso(since.releasedAt),
    endedAt: since.endedAt === null ? null : iso(since.endedAt),
    after: windowJson(since.after),
    before: since.before ? windowJson(since.before) : null,
    breaches: since.breaches.map(breachJson),
  };
}
