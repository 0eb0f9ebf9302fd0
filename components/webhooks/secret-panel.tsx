"use client";

import { OneTimeSecret } from "@/components/ui/one-time-secret";

/** A webhook's signing secret, shown this once: Countersign keeps it encrypted and never shows it again. */
export function SecretPanel({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  return (
    <OneTimeSecret
      title={`Copy the signing secret for “${name}” now`}
      warning="It will not be shown again. Your receiver uses it to check that a delivery came from Countersign; if it is lost, rotate it."
      label="Signing secret"
      secret={secret}
      onDone={onDone}
    >
      <p className="text-sm text-amber-900">
        Each delivery carries <code className="font-mono text-xs">X-Countersign-Timestamp</code> and{" "}
        <code className="font-mono text-xs">X-Countersign-Signature: sha256=HMAC-SHA256(secret, timestamp + &quot;.&quot; + body)</code>.
        Refuse a signature that does not match, or a timestamp more than five minutes from your clock. Slack and Teams ignore these headers.
      </p>
    </OneTimeSecret>
  );
}
