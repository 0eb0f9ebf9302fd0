"use client";

import { useId, useRef } from "react";
import { Button } from "@/components/ui/button";
import { useAction, type Outcome } from "@/components/ui/use-action";

/** Revoke, after a confirmation that says what it breaks: a modal the keyboard can leave with Escape. */
export function RevokeTokenButton({ id, name, revoke }: { id: string; name: string; revoke: (id: string) => Promise<Outcome> }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const { pending, run } = useAction();
  const titleId = useId();
  const bodyId = useId();
  return (
    <>
      <Button
        type="button"
        variant="secondary"
        className="h-8 px-2.5 text-rose-700"
        aria-label={`Revoke ${name}`}
        onClick={() => dialog.current?.showModal()}
      >
        Revoke
      </Button>
      <dialog
        ref={dialog}
        role="alertdialog"
        aria-labelledby={titleId}
        aria-describedby={bodyId}
        className="m-auto w-full max-w-md rounded-lg border border-slate-200 bg-white p-5 text-left shadow-xl backdrop:bg-slate-900/40"
      >
        <h2 id={titleId} className="text-base font-semibold text-slate-900">
          Revoke “{name}”?
        </h2>
        <p id={bodyId} className="mt-2 text-sm text-slate-600">
          Every request that presents this token is refused from now on. This cannot be undone: to restore access, issue a new token.
        </p>
        <div className="mt-5 flex justify-end gap-2">
          <Button type="button" variant="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </Button>
          <Button
            type="button"
            className="bg-rose-600 hover:bg-rose-700"
            disabled={pending}
            onClick={() =>
              run(
                () => revoke(id),
                () => dialog.current?.close(),
              )
            }
          >
            {pending ? "Revoking…" : "Revoke token"}
          </Button>
        </div>
      </dialog>
    </>
  );
}
