"use client";

import { useId, useRef } from "react";
import { Button } from "./button";
import { useAction, type Outcome } from "./use-action";

/**
 * A button for an action that cannot be undone, behind a confirmation that says what it breaks: a modal dialog
 * (focus stays inside it and returns to the button; Escape cancels).
 */
export function ConfirmButton({
  label,
  ariaLabel,
  title,
  body,
  confirm,
  pendingLabel,
  className,
  action,
  onDone,
}: {
  label: string;
  ariaLabel?: string;
  title: string;
  body: string;
  confirm: string;
  pendingLabel: string;
  className?: string;
  action: () => Promise<Outcome>;
  onDone?: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const { pending, run } = useAction();
  const titleId = useId();
  const bodyId = useId();
  return (
    <>
      <Button type="button" variant="secondary" className={className} aria-label={ariaLabel} onClick={() => dialog.current?.showModal()}>
        {label}
      </Button>
      <dialog
        ref={dialog}
        role="alertdialog"
        aria-labelledby={titleId}
        aria-describedby={bodyId}
        className="m-auto w-full max-w-md rounded-lg border border-slate-200 bg-white p-5 text-left shadow-xl backdrop:bg-slate-900/40"
      >
        <h2 id={titleId} className="text-base font-semibold text-slate-900">
          {title}
        </h2>
        <p id={bodyId} className="mt-2 text-sm text-slate-600">
          {body}
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
              run(action, () => {
                dialog.current?.close();
                onDone?.();
              })
            }
          >
            {pending ? pendingLabel : confirm}
          </Button>
        </div>
      </dialog>
    </>
  );
}
