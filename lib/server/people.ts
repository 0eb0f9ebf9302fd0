import "server-only";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { first, withTransaction, getDb, type DB } from "@/db";
import { appendAuditEvent } from "@/db/audit";
import { accountLinks, mailOutbox, userRoles, users } from "@/db/schema";
import { ROLE_LABELS, ROLES, type Role } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { addPersonSchema, updatePersonSchema } from "@/lib/validations/people";
import { paging, parseQuery, type SearchParamsInput } from "@/lib/validations/query-params";
import { activeAdminIds, insertPerson, issueAccountLink } from "./account-records";
import { actorOf, type Caller } from "./caller";
import { accountLinkEmail } from "./mail-account-links";
import { queueMail } from "./mail-outbox";
import { endSessionsOf } from "./sessions";

/** People: added (with an invitation link), given roles, disabled and enabled by admins, each act audited. */

export type PersonStatus = "active" | "disabled" | "invited";

/** A person as admins see them: never a password hash, never a link. */
export type PersonView = {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  status: PersonStatus;
  lastSignedInAt: number | null;
  createdAt: number;
};

type Admin = Extract<Caller, { kind: "user" }>;

/** Only a person holding the admin role manages people; an API token never does, whatever its scopes. */
function assertAdmin(caller: Caller): asserts caller is Admin {
  if (caller.kind === "token") throw new AppError("forbidden", "API tokens cannot manage people; an admin does that in Settings, People");
  if (!caller.user.roles.includes("admin")) throw new AppError("forbidden", "Only admins manage people");
}

/**
 * Checked again under the write lock: an admin disabled or demoted while their request was on its way
 * (a page left open, a request in flight) changes nobody.
 */
async function assertStillAdmin(tx: Pick<DB, "select">, caller: Admin): Promise<void> {
  if (!(await activeAdminIds(tx)).includes(caller.user.id)) throw new AppError("forbidden", "Only admins manage people");
}

export function canManagePeople(caller: Caller): boolean {
  return caller.kind === "user" && caller.user.roles.includes("admin");
}

const personColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  disabled: users.disabled,
  hasPassword: sql<boolean>`${users.passwordHash} IS NOT NULL`.mapWith(Boolean),
  lastSignedInAt: users.lastSignedInAt,
  createdAt: users.createdAt,
  // string_agg: SQLite has it too (since 3.44), where group_concat is SQLite's alone.
  roles: sql<string | null>`(SELECT string_agg(${userRoles.role}, ',') FROM ${userRoles} WHERE ${userRoles.userId} = ${users.id})`,
};
type PersonRow = {
  id: string;
  email: string;
  name: string;
  disabled: boolean;
  hasPassword: boolean;
  lastSignedInAt: number | null;
  createdAt: number;
  roles: string | null;
};

function viewOf(row: PersonRow): PersonView {
  const held = row.roles?.split(",") ?? [];
  // Invited: no password set and never signed in (single sign-on counts as signing in).
  const status: PersonStatus = row.disabled ? "disabled" : !row.hasPassword && row.lastSignedInAt === null ? "invited" : "active";
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    roles: ROLES.filter((r) => held.includes(r)),
    status,
    lastSignedInAt: row.lastSignedInAt,
    createdAt: row.createdAt,
  };
}

async function personByEmail(tx: Pick<DB, "select">, email: string): Promise<PersonView> {
  const row = await first(tx.select(personColumns).from(users).where(eq(users.email, email.trim().toLowerCase())));
  if (!row) throw new AppError("not_found", `Nobody has the email ${email}`);
  return viewOf(row);
}

export const peopleQuery = z.object(paging);
const parsePeopleQuery = (params: SearchParamsInput) => parseQuery(peopleQuery, params);

/** Everyone, by name, a page at a time. */
export async function listPeople(caller: Caller, params: SearchParamsInput = {}): Promise<{ items: PersonView[]; total: number }> {
  assertAdmin(caller);
  const { page, pageSize } = parsePeopleQuery(params);
  const db = getDb();
  const total = (await first(db.select({ n: sql<number>`COUNT(*)` }).from(users)))!.n;
  const rows = await db
    .select(personColumns)
    .from(users)
    .orderBy(asc(sql`lower(${users.name})`), asc(users.email))
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  return { items: rows.map(viewOf), total };
}

/**
 * Adds a person and an invitation link; the link's secret is returned here, once, for the admin to pass on.
 * When this installation sends email it is also emailed to the person (`emailed`), queued in this transaction.
 */
export async function addPerson(
  caller: Caller,
  input: unknown,
  now = Date.now(),
): Promise<{ person: PersonView; inviteSecret: string; emailed: boolean }> {
  assertAdmin(caller);
  const person = parseInput(addPersonSchema, input, "Check the person's details");
  return await withTransaction(async (tx) => {
    await assertStillAdmin(tx, caller);
    const id = await insertPerson(tx, person, actorOf(caller), now);
    const { secret, expiresAt } = await issueAccountLink(tx, { userId: id, purpose: "invite", createdById: caller.user.id }, now);
    await appendAuditEvent(tx, {
      at: now,
      actor: actorOf(caller),
      action: "person.invited",
      entityType: "user",
      entityId: id,
      payload: { email: person.email, expiresAt },
    });
    const added = await personByEmail(tx, person.email);
    const emailed = await emailLink(tx, caller, added, "invite", secret, now);
    return { person: added, inviteSecret: secret, emailed };
  });
}

/**
 * Changes a person's name, roles or whether they are disabled. Disabling ends their sessions at once and
 * voids their unused links. Nobody disables or demotes the last active admin: someone must be able to
 * manage everyone else.
 */
export async function updatePerson(caller: Caller, email: string, input: unknown, now = Date.now()): Promise<PersonView> {
  assertAdmin(caller);
  const change = parseInput(updatePersonSchema, input, "Check the changes");
  return await withTransaction(async (tx) => {
    await assertStillAdmin(tx, caller);
    const before = await personByEmail(tx, email);
    if (change.expectedRoles && change.expectedRoles.join(",") !== before.roles.join(","))
      throw new AppError(
        "conflict",
        `${before.name}'s roles changed meanwhile (now: ${before.roles.map((r) => ROLE_LABELS[r]).join(", ") || "none"}): look again before saving`,
      );
    const roles = change.roles ?? before.roles;
    const disabled = change.disabled ?? before.status === "disabled";
    const wasActiveAdmin = before.status !== "disabled" && before.roles.includes("admin");
    if (wasActiveAdmin && (disabled || !roles.includes("admin")) && (await activeAdminIds(tx)).every((id) => id === before.id)) {
      const what = disabled ? "disabling them" : "removing their admin role";
      throw new AppError("conflict", `${before.name} is the last active admin: make someone else an admin before ${what}`);
    }
    const event = async (action: string, payload: Record<string, unknown>) =>
      await appendAuditEvent(tx, {
        at: now,
        actor: actorOf(caller),
        action,
        entityType: "user",
        entityId: before.id,
        payload: { email: before.email, ...payload },
      });
    if (change.name !== undefined && change.name !== before.name) {
      await tx.update(users).set({ name: change.name }).where(eq(users.id, before.id));
      await event("person.name_changed", { before: before.name, after: change.name });
    }
    if (roles.join(",") !== before.roles.join(",")) {
      await tx.delete(userRoles).where(eq(userRoles.userId, before.id));
      if (roles.length) await tx.insert(userRoles).values(roles.map((role) => ({ userId: before.id, role })));
      // `roles` states the roles now held, as the audit replay reads every role grant.
      await event("person.roles_changed", { previousRoles: before.roles, roles });
    }
    if (disabled !== (before.status === "disabled")) {
      await tx.update(users).set({ disabled }).where(eq(users.id, before.id));
      if (disabled) {
        const sessionsEnded = await endSessionsOf(before.id, "disabled", now, { tx });
        await tx
          .update(accountLinks)
          .set({ revokedAt: now })
          .where(and(eq(accountLinks.userId, before.id), isNull(accountLinks.usedAt), isNull(accountLinks.revokedAt)));
        // Email still waiting for them is not sent, and its body (perhaps a link's secret) is not kept.
        await tx
          .update(mailOutbox)
          .set({
            status: "failed",
            text: "",
            html: "",
            claimedUntil: null,
            claimToken: null,
            lastError: "not sent: the person was disabled",
          })
          .where(and(eq(mailOutbox.userId, before.id), eq(mailOutbox.status, "pending")));
        await event("person.disabled", { sessionsEnded });
      } else await event("person.enabled", {});
    }
    return await personByEmail(tx, before.email);
  });
}

/**
 * A new link for a person to set their password: a reset for someone who has one, or a fresh invitation
 * for someone who never accepted theirs. Either revokes the older link of its kind.
 */
export async function issueResetLink(
  caller: Caller,
  email: string,
  now = Date.now(),
): Promise<{ person: PersonView; purpose: "invite" | "reset"; secret: string; emailed: boolean }> {
  assertAdmin(caller);
  return await withTransaction(async (tx) => {
    await assertStillAdmin(tx, caller);
    const person = await personByEmail(tx, email);
    if (person.status === "disabled") throw new AppError("conflict", `${person.name} is disabled: enable them first`);
    const purpose = person.status === "invited" ? "invite" : "reset";
    const { secret, expiresAt } = await issueAccountLink(tx, { userId: person.id, purpose, createdById: caller.user.id }, now);
    await appendAuditEvent(tx, {
      at: now,
      actor: actorOf(caller),
      action: purpose === "invite" ? "person.invited" : "person.reset_link_issued",
      entityType: "user",
      entityId: person.id,
      payload: { email: person.email, expiresAt },
    });
    return { person, purpose, secret, emailed: await emailLink(tx, caller, person, purpose, secret, now) };
  });
}

/** Emails a person their link, when this installation sends email; whether it was queued. */
async function emailLink(
  tx: Pick<DB, "select" | "insert">,
  caller: Admin,
  person: PersonView,
  purpose: "invite" | "reset",
  secret: string,
  now: number,
) {
  const email = accountLinkEmail({ purpose, secret, name: person.name, roles: person.roles, by: caller.user.name });
  return await queueMail(tx, { purpose, userId: person.id, to: person.email, email }, now);
}

/** A person as the API shows them: times as ISO strings. */
export function personJson(person: PersonView) {
  return {
    email: person.email,
    name: person.name,
    roles: person.roles,
    status: person.status,
    lastSignedInAt: person.lastSignedInAt === null ? null : new Date(person.lastSignedInAt).toISOString(),
    createdAt: new Date(person.createdAt).toISOString(),
  };
}
