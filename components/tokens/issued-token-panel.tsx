"use client";

import { Copy, KeyRound } from "lucide-react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/field";

/** The new secret, shown this once: Countersign keeps only its hash, so nobody can show it again. */
export function IssuedTokenPanel({ name, token, onDone }: { name: string; token: string; onDone: () => void }) {
  const copy = () =>
    navigator.clipboard
      .writeText(token)
      .then(() => toast.success("Token copied to the clipboard"))
      .catch(() => toast.error("Copying failed; select the token and copy it by hand"));
  // Rendered only after the browser issued the token, so the page's own origin is at hand.
  const curl = `curl -H "Authorization: Bearer $COUNTERSIGN_TOKEN" ${window.location.origin}/api/v1/agents`;
  return (
    <section aria-labelledby="issued-token-title" className="space-y-3 rounded-lg border-2 border-amber-300 bg-amber-50 p-4">
      <div className="flex items-start gap-2">
        <KeyRound aria-hidden className="mt-0.5 size-5 shrink-0 text-amber-700" />
        <div>
          <h2 id="issued-token-title" className="text-sm font-semibold text-amber-950">
            Copy the token for “{name}” now
          </h2>
          <p className="mt-0.5 text-sm text-amber-900">
            It will not be shown again: Countersign keeps only a hash of it. If it is lost, revoke it and issue another.
          </p>
        </div>
      </div>
      <div>
        <Label htmlFor="issued-token">New API token</Label>
        <div className="flex gap-2">
          <Input
            id="issued-token"
            readOnly
            value={token}
            onFocus={(e) => e.currentTarget.select()}
            className="font-mono text-xs"
            spellCheck={false}
          />
          <Button type="button" variant="secondary" onClick={copy}>
            <Copy aria-hidden className="size-4" /> Copy
          </Button>
        </div>
      </div>
      <div>
        <p className="text-sm text-amber-900">
          Send it as a bearer token, kept in your CI&apos;s secret store (here as{" "}
          <code className="font-mono text-xs">COUNTERSIGN_TOKEN</code>), never in a script:
        </p>
        <pre className="mt-1 overflow-x-auto rounded-md bg-slate-900 p-3 font-mono text-xs text-slate-100">
          <code>{curl}</code>
        </pre>
      </div>
      <Button type="button" onClick={onDone}>
        I have copied it
      </Button>
    </section>
  );
}
