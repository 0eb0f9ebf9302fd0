import { describe, expect, it, vi } from "vitest";
import { AppError } from "@/lib/errors";
import { actionFailure, previewFailure, runAsUser } from "@/app/(app)/run-action";

/**
 * What a form's server action answers when its use case fails: a refusal's message and fields, a storage
 * failure said plainly, anything else logged and reported without details; someone not signed in is sent
 * to the login page, never shown "something went wrong".
 */

const session = vi.hoisted(() => ({ signedIn: true }));
vi.mock("@/lib/server/auth", async () => {
  const { redirect } = await import("next/navigation");
  return {
    requireUser: async () => {
      if (!session.signedIn) redirect("/login");
      return { id: "usr_test", email: "engineer@countersign.test", name: "Engineer", roles: ["engineer"], isAdmin: false };
    },
  };
});
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

const storageError = () => Object.assign(new Error("disk I/O error"), { code: "SQLITE_FULL" });

describe("a form's action that fails", () => {
  it("a refusal: its message and the fields it names", async () => {
    const refusal = new AppError("validation_failed", "Check the highlighted fields.", { fieldErrors: { title: ["Required"] } });
    expect(actionFailure(refusal, "test")).toEqual({
      ok: false,
      message: "Check the highlighted fields.",
      fieldErrors: { title: ["Required"] },
    });
    expect(actionFailure(refusal, "test", { refused: (e) => ({ ok: false, message: `${e.message}!` }) })).toEqual({
      ok: false,
      message: "Check the highlighted fields.!",
    });
  });

  it("a storage failure: what failed, and what is still true", async () => {
    vi.spyOn(console, "error").mockImplementationOnce(() => {});
    expect(actionFailure(storageError(), "test", { unchanged: " Your edits are still here." })).toEqual({
      ok: false,
      message:
        "Storage is unavailable: the disk holding the database is full. Nothing was changed; try again once it is fixed. Your edits are still here.",
    });
    expect(previewFailure(storageError())).toEqual({
      error: "Storage is unavailable: the disk holding the database is full. Nothing was changed; try again once it is fixed.",
    });
  });

  it("anything else: logged, and reported without details", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(actionFailure(new Error("secret internals"), "Test action failed", { otherwise: "Something went wrong." })).toEqual({
      ok: false,
      message: "Something went wrong.",
    });
    expect(logged).toHaveBeenCalledWith("Test action failed", expect.any(Error));
    logged.mockRestore();
    // A live preview shows refusals; a bug goes to the error page.
    expect(() => previewFailure(new Error("a bug"))).toThrow("a bug");
  });

  it("someone whose session ended is sent to the login page, not told that something went wrong", async () => {
    session.signedIn = false;
    const work = vi.fn(async () => "done");
    await expect(runAsUser(work, [])).rejects.toMatchObject({ digest: expect.stringMatching(/^NEXT_REDIRECT;.*\/login/) });
    expect(work).not.toHaveBeenCalled();
    session.signedIn = true;
    expect(await runAsUser(work, [])).toEqual({ ok: true, message: "done" });
  });
});
