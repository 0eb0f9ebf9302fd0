"use client";

import { ConfirmButton } from "@/components/ui/confirm-button";
import type { Outcome } from "@/components/ui/use-action";

/** Revoke, after a confirmation that says what it breaks. */
export function RevokeTokenButton({ id, name, revoke }: { id: string; name: string; revoke: (id: string) => Promise<Outcome> }) {
  return (
    <ConfirmButton
      label="Revoke"
      ariaLabel={`Revoke ${name}`}
      className="h-8 px-2.5 text-rose-700"
      title={`Revoke “${name}”?`}
      body="Every request that presents this token is refused from now on. This cannot be undone: to restore access, issue a new token."
      confirm="Revoke token"
      pendingLabel="Revoking…"
      action={() => revoke(id)}
    />
  );
}
