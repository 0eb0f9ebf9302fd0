"use server";

import { durable } from "@/db";
import { requireUser, signOut } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { markNotificationsRead } from "@/lib/server/notifications";

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/login" });
}

export async function markNotificationsReadAction(): Promise<void> {
  const user = await requireUser();
  await markNotificationsRead(userCaller(user));
  await durable();
}
