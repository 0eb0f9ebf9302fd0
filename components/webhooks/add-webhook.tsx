"use client";

import { useState } from "react";
import type { Outcome } from "@/components/ui/use-action";
import { SecretPanel } from "./secret-panel";
import { WebhookForm } from "./webhook-form";

type Created = { ok: true; message: string; id: string; secret: string } | Exclude<Outcome, { ok: true }>;

/** The add form; once added, the new endpoint's secret, shown once above it. */
export function AddWebhook({ create }: { create: (input: Record<string, unknown>) => Promise<Created> }) {
  const [shown, setShown] = useState<{ name: string; secret: string } | null>(null);
  return (
    <div className="space-y-5">
      {shown && <SecretPanel name={shown.name} secret={shown.secret} onDone={() => setShown(null)} />}
      <WebhookForm
        save={async (input) => {
          const result = await create(input);
          if (result.ok) setShown({ name: String(input.name ?? "").trim(), secret: result.secret });
          return result;
        }}
      />
    </div>
  );
}
