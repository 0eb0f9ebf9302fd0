"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { useAction, type Outcome } from "@/components/ui/use-action";
import { SecretPanel } from "./secret-panel";

type Rotated = { ok: true; message: string; secret: string } | Exclude<Outcome, { ok: true }>;

/** Send a test event, rotate the secret (shown once), delete after a confirmation. */
export function WebhookControls({
  name,
  test,
  rotate,
  remove,
}: {
  name: string;
  test: () => Promise<Outcome>;
  rotate: () => Promise<Rotated>;
  remove: () => Promise<Outcome>;
}) {
  const [secret, setSecret] = useState<string | null>(null);
  const testing = useAction();
  const router = useRouter();
  return (
    <div className="space-y-4">
      {secret && <SecretPanel name={name} secret={secret} onDone={() => setSecret(null)} />}
      <div className="flex flex-wrap gap-2">
        <Button type="button" variant="secondary" disabled={testing.pending} onClick={() => testing.run(test)}>
          {testing.pending ? "Sending…" : "Send a test event"}
        </Button>
        <ConfirmButton
          label="Rotate the signing secret"
          title={`Rotate the signing secret of “${name}”?`}
          body="Deliveries from now on are signed with a new secret, shown once. Your receiver refuses them until you give it the new one."
          confirm="Rotate secret"
          pendingLabel="Rotating…"
          action={async () => {
            const result = await rotate();
            if (result.ok) setSecret(result.secret);
            return result;
          }}
        />
        <ConfirmButton
          label="Delete"
          className="text-rose-700"
          title={`Delete “${name}”?`}
          body="Nothing more is sent to it, deliveries still waiting are dropped, and its delivery history is deleted. The audit log keeps a record that it existed."
          confirm="Delete webhook"
          pendingLabel="Deleting…"
          action={remove}
          onDone={() => router.push("/settings/webhooks")}
        />
      </div>
    </div>
  );
}

/** Queues a delivery again: for a failed one, or to replay one that was delivered. */
export function RedeliverButton({ label, redeliver }: { label: string; redeliver: () => Promise<Outcome> }) {
  const { pending, run } = useAction();
  return (
    <Button
      type="button"
      variant="secondary"
      className="h-8 px-2.5"
      aria-label={`Redeliver ${label}`}
      disabled={pending}
      onClick={() => run(redeliver)}
    >
      {pending ? "Queuing…" : "Redeliver"}
    </Button>
  );
}
