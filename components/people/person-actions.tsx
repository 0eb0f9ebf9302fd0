"use client";

import { useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { FieldError } from "@/components/ui/field-error";
import { useAction, type Outcome } from "@/components/ui/use-action";
import type { Role } from "@/lib/domain/terms";
import type { LinkOutcome } from "./add-person-form";
import { OneTimeLink } from "./one-time-link";
import { RoleCheckboxes } from "./role-checkboxes";

type Person = { email: string; name: string; roles: Role[]; status: "active" | "disabled" | "invited" };
export type PersonActionsProps = {
  person: Person;
  setRoles: (email: string, roles: Role[], expectedRoles: Role[]) => Promise<Outcome>;
  setDisabled: (email: string, disabled: boolean) => Promise<Outcome>;
  issueLink: (email: string) => Promise<LinkOutcome>;
};

const DIALOG = "m-auto w-full max-w-md rounded-lg border border-slate-200 bg-white p-5 text-left shadow-xl backdrop:bg-slate-900/40";
const SMALL = "h-8 px-2.5";

/** A person's row controls: change roles, disable or enable, and a one-time link to set a password. */
export function PersonActions({ person, setRoles, setDisabled, issueLink }: PersonActionsProps) {
  const rolesDialog = useRef<HTMLDialogElement>(null);
  const [roles, setChosen] = useState(person.roles);
  const [link, setLink] = useState<{ url: string; emailedTo: string | null } | null>(null);
  const { pending, fieldErrors, run } = useAction();
  const disabled = person.status === "disabled";
  const roleErrors = Object.entries(fieldErrors).flatMap(([key, messages]) => (key.startsWith("roles") ? messages : []));
  const inviteOnly = person.status === "invited";
  return (
    <div className="flex flex-wrap justify-end gap-1.5">
      <Button
        type="button"
        variant="secondary"
        className={SMALL}
        aria-label={`Change roles of ${person.name}`}
        onClick={() => {
          setChosen(person.roles);
          rolesDialog.current?.showModal();
        }}
      >
        Roles
      </Button>
      {disabled ? (
        <Button
          type="button"
          variant="secondary"
          className={SMALL}
          aria-label={`Enable ${person.name}`}
          disabled={pending}
          onClick={() => run(() => setDisabled(person.email, false))}
        >
          Enable
        </Button>
      ) : (
        <>
          <Button
            type="button"
            variant="secondary"
            className={SMALL}
            aria-label={`${inviteOnly ? "New invitation link" : "Password reset link"} for ${person.name}`}
            disabled={pending}
            onClick={() =>
              run(async () => {
                const result = await issueLink(person.email);
                if (result.ok) setLink({ url: result.url, emailedTo: result.emailedTo });
                return result;
              })
            }
          >
            {inviteOnly ? "New invitation" : "Reset link"}
          </Button>
          <ConfirmButton
            label="Disable"
            ariaLabel={`Disable ${person.name}`}
            className={`${SMALL} text-rose-700`}
            title={`Disable ${person.name}?`}
            body="They are signed out everywhere at once and cannot sign in, by password or single sign-on, until enabled again. Their past decisions stay on record; sign-offs waiting on their roles show them as disabled."
            confirm="Disable"
            pendingLabel="Disabling…"
            action={() => setDisabled(person.email, true)}
          />
        </>
      )}
      {link && (
        <div className="w-full">
          <OneTimeLink title={`Link for ${person.email}`} url={link.url} emailedTo={link.emailedTo} onDone={() => setLink(null)} />
        </div>
      )}
      <dialog ref={rolesDialog} aria-label={`Roles of ${person.name}`} className={DIALOG}>
        <h2 className="mb-3 text-base font-semibold text-slate-900">Roles of {person.name}</h2>
        <RoleCheckboxes idPrefix={`roles-${person.email}`} value={roles} onChange={setChosen} />
        <FieldError messages={roleErrors} />
        <div className="mt-5 flex justify-end gap-2">
          <Button type="button" variant="secondary" onClick={() => rolesDialog.current?.close()}>
            Cancel
          </Button>
          <Button
            type="button"
            disabled={pending}
            onClick={() =>
              run(
                () => setRoles(person.email, roles, person.roles),
                () => rolesDialog.current?.close(),
              )
            }
          >
            Save roles
          </Button>
        </div>
      </dialog>
    </div>
  );
}
