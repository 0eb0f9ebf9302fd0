import "server-only";
import { revalidatePath } from "next/cache";
import { durable, storageFailure } from "@/db";
import { refusalIn, isAppError, storageUnavailable, type FieldErrors } from "@/lib/errors";
import { requireUser } from "@/lib/server/auth";
import { userCaller, type Caller } from "@/lib/server/caller";

/** What a server action tells its form: done (with a message for the toast), or why not, field by field. */
export type ActionOutcome = { ok: true; message: string } | { ok: false; message: string; fieldErrors?: FieldErrors };

/**
 * Runs a use case as the signed-in person and refreshes the pages it changes. A refusal comes back as
 * its message and field errors; anything unexpected is logged and reported without details.
 */
export async function runAsUser(work: (caller: Caller) => Promise<string>, paths: string[]): Promise<ActionOutcome> {
  const caller = userCaller(await requireUser());
  try {
    const message = await work(caller);
    await durable();
    for (const path of paths) revalidatePath(path);
    return { ok: true, message };
  } catch (caught) {
    const error = refusalIn(caught);
    if (isAppError(error)) return { ok: false, message: error.message, fieldErrors: error.details.fieldErrors };
    console.error("Action failed", error);
    const storage = storageFailure(error);
    if (storage) return { ok: false, message: storageUnavailable(storage).message };
    return { ok: false, message: "Something went wrong on our side; it has been logged. Nothing was changed." };
  }
}
