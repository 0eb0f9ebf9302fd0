"use client";

import { Rocket, Siren } from "lucide-react";
import { Button } from "@/components/ui/button";
import { useAction, type Outcome } from "@/components/ui/use-action";

/** Shown only when the gates are met and the person may deploy; the server checks both again. */
export function PromoteButton({
  changeId,
  environment,
  emergency,
  promote,
}: {
  changeId: string;
  environment: string;
  emergency: boolean;
  promote: (changeId: string, environment: string) => Promise<Outcome>;
}) {
  const { pending, run } = useAction();
  const label = emergency ? "Release as emergency" : `Promote to ${environment}`;
  return (
    <Button
      type="button"
      disabled={pending}
      onClick={() => run(() => promote(changeId, environment))}
      className={emergency ? "bg-rose-600 hover:bg-rose-700" : undefined}
    >
      {emergency ? <Siren aria-hidden className="size-4" /> : <Rocket aria-hidden className="size-4" />}
      {pending ? "Deploying…" : label}
    </Button>
  );
}
