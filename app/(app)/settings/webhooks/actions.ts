"use server";

import { revalidatePath } from "next/cache";
import { durable } from "@/db";
import type { FieldErrors } from "@/lib/errors";
import type { Caller } from "@/lib/server/caller";
import { createWebhook, deleteWebhook, redeliver, rotateWebhookSecret, sendTestEvent, updateWebhook } from "@/lib/server/webhooks";
import { actionCaller, actionFailure, runAsUser, type ActionOutcome } from "../../run-action";

type SecretOutcome = { ok: true; message: string; id: string; secret: string } | { ok: false; message: string; fieldErrors?: FieldErrors };

const PAGES = ["/settings/webhooks"];
const pageOf = (id: string) => `/settings/webhooks/${id}`;

/** Like runAsUser, for the use cases that wait on a DNS lookup or hand back a secret. */
async function runAsync<T extends { message: string }>(
  work: (caller: Caller) => Promise<T>,
  paths: string[],
): Promise<(T & { ok: true }) | { ok: false; message: string; fieldErrors?: FieldErrors }> {
  try {
    const done = await work(await actionCaller());
    await durable();
    for (const path of paths) revalidatePath(path);
    return { ...done, ok: true };
  } catch (caught) {
    return actionFailure(caught, "Webhook action failed", {
      otherwise: "Something went wrong on our side; it has been logged. Nothing was changed.",
    });
  }
}

/** Adds an endpoint and hands its signing secret to the admin's browser, this once. */
export async function createWebhookAction(input: Record<string, unknown>): Promise<SecretOutcome> {
  return runAsync(async (caller) => {
    const { view, secret } = await createWebhook(caller, input);
    return { message: `Webhook “${view.name}” added. Copy its signing secret now: it will not be shown again.`, id: view.id, secret };
  }, PAGES);
}

export async function updateWebhookAction(id: string, input: Record<string, unknown>): Promise<ActionOutcome> {
  return runAsync(
    async (caller) => ({ message: `Webhook “${(await updateWebhook(caller, id, input)).name}” saved` }),
    [...PAGES, pageOf(id)],
  );
}

export async function rotateSecretAction(id: string): Promise<SecretOutcome> {
  return runAsync(
    async (caller) => {
      const { view, secret } = await rotateWebhookSecret(caller, id);
      return { message: `New signing secret for “${view.name}”. Copy it now: it will not be shown again.`, id, secret };
    },
    [pageOf(id)],
  );
}

export async function deleteWebhookAction(id: string): Promise<ActionOutcome> {
  return runAsUser(async (caller) => `Webhook “${(await deleteWebhook(caller, id)).name}” deleted: nothing more is sent to it`, PAGES);
}

export async function sendTestEventAction(id: string): Promise<ActionOutcome> {
  return runAsUser(
    async (caller) => {
      await sendTestEvent(caller, id);
      return "Test event queued: it appears under Deliveries within a few seconds";
    },
    [pageOf(id)],
  );
}

export async function redeliverAction(webhookId: string, deliveryId: string): Promise<ActionOutcome> {
  return runAsUser(async (caller) => `${(await redeliver(caller, deliveryId)).eventType} queued for redelivery`, [pageOf(webhookId)]);
}
