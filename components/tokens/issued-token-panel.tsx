"use client";

import { OneTimeSecret } from "@/components/ui/one-time-secret";

/** The new secret, shown this once: Countersign keeps only its hash, so nobody can show it again. */
export function IssuedTokenPanel({ name, token, onDone }: { name: string; token: string; onDone: () => void }) {
  // Rendered only after the browser issued the token, so the page's own origin is at hand.
  const curl = `curl -H "Authorization: Bearer $COUNTERSIGN_TOKEN" ${window.location.origin}/api/v1/agents`;
  return (
    <OneTimeSecret
      title={`Copy the token for “${name}” now`}
      warning="It will not be shown again: Countersign keeps only a hash of it. If it is lost, revoke it and issue another."
      label="New API token"
      secret={token}
      onDone={onDone}
    >
      <div>
        <p className="text-sm text-amber-900">
          Send it as a bearer token, kept in your CI&apos;s secret store (here as{" "}
          <code className="font-mono text-xs">COUNTERSIGN_TOKEN</code>), never in a script:
        </p>
        <pre className="mt-1 overflow-x-auto rounded-md bg-slate-900 p-3 font-mono text-xs text-slate-100">
          <code>{curl}</code>
        </pre>
      </div>
    </OneTimeSecret>
  );
}
