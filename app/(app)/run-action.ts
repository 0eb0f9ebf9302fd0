import "server-only";
import { revalidatePath } from "next/cache";
import { unstable_rethrow } from "next/navigation";
import { durable, storageFailure } from "@/db";
import { refusalIn, isAppError, storageUnavailable, type AppError, type FieldErrors } from "@/lib/errors";
import { requireUser } from "@/lib/server/auth";
import { userCaller, type Caller } from "@/lib/server/caller";

/** What a server action tells its form: done (with a message for the toast), or why not, field by field. */
export type ActionOutcome = { ok: true; message: string } | { ok: false; message: string; fieldErrors?: FieldErrors };
export type ActionRefusal = { ok: false; message: string; fieldErrors?: FieldErrors };

const SOMETHING_WENT_WRONG = "Something went wrong on our side; it has been logged.";

/**
 * The signed-in person, as the caller of an action's use case. Called inside the action's `try`, so that a
 * database that cannot be reached is reported like any other storage failure (`actionFailure`), not as an
 * error page; someone not signed in is sent to the login page.
 */
export async function actionCaller(): Promise<Caller> {
  return userCaller(await requireUser());
}

/**
 * What an action that failed tells its form. A refusal (an AppError) comes back as its message and field
 * errors; a storage failure says what failed, with `unchanged` after it (what is still true: "Nothing was
 * changed." is implied by the storage message); anything else is logged under `what` and reported as
 * `otherwise`, without details. Next.js's own signals (the redirect to /login) pass on untouched.
 */
export function actionFailure<Refused extends ActionRefusal = ActionRefusal>(
  caught: unknown,
  what: string,
  {
    otherwise = SOMETHING_WENT_WRONG,
    unchanged = "",
    refused,
  }: { otherwise?: string; unchanged?: string; refused?: (error: AppError) => Refused } = {},
): ActionRefusal | Refused {
  unstable_rethrow(caught);
  const error = refusalIn(caught);
  if (isAppError(error)) return refused ? refused(error) : { ok: false, message: error.message, fieldErrors: error.details.fieldErrors };
  console.error(what, error);
  const storage = storageFailure(error);
  if (storage) return { ok: false, message: `${storageUnavailable(storage).message}${unchanged}` };
  return { ok: false, message: otherwise };
}

/**
 * What a live preview that failed shows in its panel: a refusal's or a storage failure's message. Anything
 * else is a bug, and passes on to the error page; so do Next.js's own signals.
 */
export function previewFailure(caught: unknown): { error: string } {
  unstable_rethrow(caught);
  const error = refusalIn(caught);
  if (isAppError(error)) return { error: error.message };
  const storage = storageFailure(error);
  if (storage) return { error: storageUnavailable(storage).message };
  throw error;
}

/**
 * Runs a use case as the signed-in person and refreshes the pages it changes. A refusal comes back as
 * its message and field errors; anything unexpected is logged and reported without details.
 */
export async function runAsUser(work: (caller: Caller) => Promise<string>, paths: string[]): Promise<ActionOutcome> {
  try {
    const message = await work(await actionCaller());
    await durable();
    for (const path of paths) revalidatePath(path);
    return { ok: true, message };
  } catch (caught) {
    return actionFailure(caught, "Action failed", { otherwise: `${SOMETHING_WENT_WRONG} Nothing was changed.` });
  }
}
