"use server";

import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { durable } from "@/db";
import type { Role } from "@/lib/domain/terms";
import type { FieldErrors } from "@/lib/errors";
import { accountLinkBase } from "@/lib/server/account-links";
import { accountLinkUrl } from "@/lib/server/account-records";
import type { Caller } from "@/lib/server/caller";
import { addPerson, issueResetLink, updatePerson } from "@/lib/server/people";
import { actionCaller, actionFailure, runAsUser, type ActionOutcome } from "../../run-action";

type LinkOutcome =
  { ok: true; message: string; url: string; emailedTo: string | null } | { ok: false; message: string; fieldErrors?: FieldErrors };

/** The origin the admin is using, for the link they pass on (AUTH_URL wins when set). */
async function linkBase(): Promise<string> {
  const h = await headers();
  const host = h.get("x-forwarded-host")?.split(",")[0]?.trim() || h.get("host") || "localhost:3000";
  const scheme = h.get("x-forwarded-proto")?.split(",")[0]?.trim() || "http";
  return accountLinkBase(`${scheme}://${host}`);
}

/** Runs a use case that hands out a link; the link goes to the admin's browser this once and is never stored. */
async function withLink(
  work: (caller: Caller) => Promise<{ message: string; secret: string; emailedTo: string | null }>,
): Promise<LinkOutcome> {
  try {
    const { message, secret, emailedTo } = await work(await actionCaller());
    await durable();
    revalidatePath("/settings/people");
    return { ok: true, message, url: accountLinkUrl(await linkBase(), secret), emailedTo };
  } catch (caught) {
    return actionFailure(caught, "People action failed");
  }
}

export async function addPersonAction(input: { email: string; name: string; roles: Role[] }): Promise<LinkOutcome> {
  return withLink(async (caller) => {
    const { person, inviteSecret, emailed } = await addPerson(caller, input);
    const message = emailed
      ? `${person.name} added, and their invitation is being emailed to ${person.email}.`
      : `${person.name} added. Copy their invitation link now: it will not be shown again.`;
    return { message, secret: inviteSecret, emailedTo: emailed ? person.email : null };
  });
}

export async function issueLinkAction(email: string): Promise<LinkOutcome> {
  return withLink(async (caller) => {
    const { person, purpose, secret, emailed } = await issueResetLink(caller, email);
    const what = purpose === "invite" ? "A new invitation link" : "A password reset link";
    const sent = emailed ? ` and is being emailed to ${person.email}` : "";
    return {
      message: `${what} for ${person.name} is ready${sent}; any older one no longer works.`,
      secret,
      emailedTo: emailed ? person.email : null,
    };
  });
}

export async function setRolesAction(email: string, roles: Role[], expectedRoles: Role[]): Promise<ActionOutcome> {
  return runAsUser(
    async (caller) => {
      const person = await updatePerson(caller, email, { roles, expectedRoles });
      return `${person.name}'s roles saved`;
    },
    ["/settings/people"],
  );
}

export async function setDisabledAction(email: string, disabled: boolean): Promise<ActionOutcome> {
  return runAsUser(
    async (caller) => {
      const person = await updatePerson(caller, email, { disabled });
      return disabled ? `${person.name} disabled and signed out everywhere` : `${person.name} enabled`;
    },
    ["/settings/people"],
  );
}
