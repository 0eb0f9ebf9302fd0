import "server-only";
import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, gt, inArray, isNull, lte, ne, sql, type SQL } from "drizzle-orm";
import { first, getDb, type DB, withTransaction } from "@/db";
import { alias } from "drizzle-orm/sqlite-core";
import { agents, breaches, changeRecords, driftRecords, notifications, userRoles, users } from "@/db/schema";
import type { NotificationKind } from "@/lib/domain/mail-preferences";
import { changeNumberLabel, ROLE_LABELS, type Role } from "@/lib/domain/terms";
import type { Caller } from "./caller";
import { queueNotificationEmails } from "./mail-outbox";

type Writer = Pick<DB, "select" | "insert">;
const breachAgents = alias(agents, "breach_agents");
type Change = { id: string; number: number; title: string; authorId: string | null };

export type { NotificationKind };

/** Where a change's notifications lead: its review screen. */
const changePath = (change: Change) => `/changes/${changeNumberLabel(change.number)}`;

/** Writes in-app notifications about a change, and queues the emails of those who want them as they happen. */
async function insert(
  tx: Writer,
  rows: { userId: string; kind: NotificationKind; change: Change; message: string; subject: string }[],
  now: number,
) {
  if (rows.length === 0) return;
  await tx.insert(notifications).values(
    rows.map((r) => ({
      id: randomUUID(),
      userId: r.userId,
      kind: r.kind,
      changeRecordId: r.change.id,
      message: r.message,
      createdAt: now,
    })),
  );
  await queueNotificationEmails(
    tx,
    rows.map((r) => ({ userId: r.userId, kind: r.kind, subject: r.subject, message: r.message, path: changePath(r.change) })),
    now,
  );
}

/** Production moved under these open changes: each author is told to update theirs before it can be promoted. */
export async function notifyOutOfDate(tx: Writer, changes: Change[], production: { version: number; through: string }, now: number) {
  await insert(
    tx,
    changes
      .filter((c) => c.authorId)
      .map((c) => ({
        userId: c.authorId!,
        kind: "change_out_of_date" as const,
        change: c,
        message: `${changeNumberLabel(c.number)} “${c.title}” is out of date: production now runs v${production.version} since ${production.through}; update it from production`,
        subject: `${changeNumberLabel(c.number)} is out of date with production: ${c.title}`,
      })),
    now,
  );
}

/** Everyone who can sign one of these roles on the change: active holders of the role, never its author. */
export async function notifySignoffNeeded(tx: Writer, change: Change, roles: Role[], now: number) {
  if (roles.length === 0) return;
  const holders = await tx
    .select({ userId: userRoles.userId, role: userRoles.role })
    .from(userRoles)
    .innerJoin(users, eq(users.id, userRoles.userId))
    .where(
      and(inArray(userRoles.role, roles), eq(users.disabled, false), change.authorId ? ne(userRoles.userId, change.authorId) : undefined),
    );
  const label = changeNumberLabel(change.number);
  await insert(
    tx,
    holders.map((h) => ({
      userId: h.userId,
      kind: "signoff_needed" as const,
      change,
      message: `${label} “${change.title}” needs your sign-off as ${ROLE_LABELS[h.role]}`,
      subject: `${label} needs your sign-off as ${ROLE_LABELS[h.role]}: ${change.title}`,
    })),
    now,
  );
}

export async function notifyAuthor(
  tx: Writer,
  change: Change,
  kind: "change_approved" | "change_rejected" | "changes_requested",
  by: string,
  now: number,
) {
  if (!change.authorId) return;
  const label = changeNumberLabel(change.number);
  const what = {
    change_approved: "was approved",
    change_rejected: `was rejected by ${by}`,
    changes_requested: `was sent back to you by ${by}`,
  }[kind];
  const subject = { change_approved: "was approved", change_rejected: "was rejected", changes_requested: "was sent back to you" }[kind];
  await insert(
    tx,
    [
      {
        userId: change.authorId,
        kind,
        change,
        message: `${label} “${change.title}” ${what}`,
        subject: `${label} ${subject}: ${change.title}`,
      },
    ],
    now,
  );
}

export async function notifyDismissed(
  tx: Writer,
  change: Change,
  signers: { signerId: string | null; role: Role }[],
  reason: string,
  now: number,
) {
  const label = changeNumberLabel(change.number);
  await insert(
    tx,
    signers
      .filter((s) => s.signerId)
      .map((s) => ({
        userId: s.signerId!,
        kind: "signoff_dismissed" as const,
        change,
        message: `Your ${ROLE_LABELS[s.role]} sign-off on ${label} was dismissed: ${reason}`,
        subject: `Your ${ROLE_LABELS[s.role]} sign-off on ${label} was dismissed: ${change.title}`,
      })),
    now,
  );
}

/**
 * Drift opened on an agent: its engineering owner, its rollback owner and everyone in security are told, each
 * once, with what was observed and how severe it is.
 */
export async function notifyDriftOpened(
  tx: Writer,
  drift: { id: string; label: string; environment: string; severity: string; reopened?: boolean },
  agent: Guarded,
  now: number,
) {
  const message = drift.reopened
    ? `${drift.label} is open again: the accepted risk on ${agent.name} in ${drift.environment} expired and it still drifts (${drift.severity})`
    : `${drift.label}: ${agent.name} in ${drift.environment} runs something other than what was approved (${drift.severity})`;
  const subject = `${drift.label}: ${agent.name} drifts in ${drift.environment} (${drift.severity})`;
  await notifyGuardians(
    tx,
    agent,
    { kind: "drift_opened", driftRecordId: drift.id, message, subject, path: `/agents/${agent.slug}#drift` },
    now,
  );
}

/** A breach recorded on an agent: the same people as for drift are told, once per breach record. */
export async function notifyBreach(tx: Writer, breach: { id: string; label: string; message: string }, agent: Guarded, now: number) {
  await notifyGuardians(
    tx,
    agent,
    {
      kind: "breach_recorded",
      breachId: breach.id,
      message: `${breach.label}: ${breach.message}`,
      subject: `${breach.label}: a runtime breach on ${agent.name}`,
      path: `/agents/${agent.slug}#runtime`,
    },
    now,
  );
}

type Guarded = { slug: string; name: string; engineeringOwnerId: string; rollbackOwnerId: string };

async function notifyGuardians(
  tx: Writer,
  agent: Guarded,
  {
    subject,
    path,
    ...notice
  }: { kind: NotificationKind; message: string; subject: string; path: string; driftRecordId?: string; breachId?: string },
  now: number,
) {
  const recipients = await guardiansOf(tx, agent);
  if (recipients.length === 0) return;
  await tx.insert(notifications).values(recipients.map((userId) => ({ id: randomUUID(), userId, ...notice, createdAt: now })));
  await queueNotificationEmails(
    tx,
    recipients.map((userId) => ({ userId, kind: notice.kind, message: notice.message, subject, path })),
    now,
  );
}

/** Who answers for what an agent does at run time: its engineering and rollback owners, and everyone in security (active ones, each once). */
async function guardiansOf(tx: Writer, agent: { engineeringOwnerId: string; rollbackOwnerId: string }): Promise<string[]> {
  const security = (
    await tx
      .select({ userId: userRoles.userId })
      .from(userRoles)
      .innerJoin(users, eq(users.id, userRoles.userId))
      .where(and(eq(userRoles.role, "security"), eq(users.disabled, false)))
  ).map((r) => r.userId);
  const active = new Set(
    (
      await tx
        .select({ id: users.id })
        .from(users)
        .where(and(inArray(users.id, [agent.engineeringOwnerId, agent.rollbackOwnerId]), eq(users.disabled, false)))
    ).map((u) => u.id),
  );
  return [...new Set([agent.engineeringOwnerId, agent.rollbackOwnerId].filter((id) => active.has(id)).concat(security))];
}

export type NotificationView = {
  id: string;
  kind: string;
  message: string;
  createdAt: number;
  readAt: number | null;
  /** Where it leads: the change record, or the agent's drift. */
  href: string;
};

export async function myNotifications(caller: Caller, limit = 20): Promise<{ items: NotificationView[]; unread: number }> {
  if (caller.kind !== "user") return { items: [], unread: 0 };
  const db = getDb();
  const items = await notificationViews(db, eq(notifications.userId, caller.user.id), limit);
  const unread = (await first(
    db
      .select({ n: sql<number>`COUNT(*)` })
      .from(notifications)
      .where(and(eq(notifications.userId, caller.user.id), isNull(notifications.readAt))),
  ))!.n;
  return { items, unread };
}

/** A person's notifications of these kinds written after `since` and up to `until`, oldest first: a daily digest's news. */
export async function notificationsBetween(
  tx: Pick<DB, "select">,
  userId: string,
  kinds: NotificationKind[],
  since: number,
  until: number,
): Promise<NotificationView[]> {
  if (kinds.length === 0) return [];
  return (
    await notificationViews(
      tx,
      and(
        eq(notifications.userId, userId),
        inArray(notifications.kind, kinds),
        gt(notifications.createdAt, since),
        lte(notifications.createdAt, until),
      ),
      DIGEST_LIMIT,
    )
  ).reverse();
}

/** A digest lists at most this many notifications (the newest); the bell in the app shows them all. */
const DIGEST_LIMIT = 200;

async function notificationViews(db: Pick<DB, "select">, where: SQL | undefined, limit: number): Promise<NotificationView[]> {
  // Newest first; one action's notifications (same moment) in the order it wrote them, as SQLite always read them:
  // "your sign-off was dismissed" above "it needs your sign-off" again. PostgreSQL needs the rowid said.
  const order = [desc(notifications.createdAt), asc(sql`${notifications}.rowid`)];
  return (
    await db
      .select({
        id: notifications.id,
        kind: notifications.kind,
        message: notifications.message,
        createdAt: notifications.createdAt,
        readAt: notifications.readAt,
        changeNumber: changeRecords.number,
        driftAgent: agents.slug,
        breachAgent: breachAgents.slug,
      })
      .from(notifications)
      .leftJoin(changeRecords, eq(changeRecords.id, notifications.changeRecordId))
      .leftJoin(driftRecords, eq(driftRecords.id, notifications.driftRecordId))
      .leftJoin(agents, eq(agents.id, driftRecords.agentId))
      .leftJoin(breaches, eq(breaches.id, notifications.breachId))
      .leftJoin(breachAgents, eq(breachAgents.id, breaches.agentId))
      .where(where)
      .orderBy(...order)
      .limit(limit)
  ).map(({ changeNumber, driftAgent, breachAgent, ...n }) => ({
    ...n,
    href: changeNumber
      ? `/changes/${changeNumberLabel(changeNumber)}`
      : driftAgent
        ? `/agents/${driftAgent}#drift`
        : breachAgent
          ? `/agents/${breachAgent}#runtime`
          : "/changes",
  }));
}

export async function markNotificationsRead(caller: Caller, now = Date.now()): Promise<void> {
  if (caller.kind !== "user") return;
  await withTransaction(async (tx) =>
    tx
      .update(notifications)
      .set({ readAt: now })
      .where(and(eq(notifications.userId, caller.user.id), isNull(notifications.readAt))),
  );
}
