"use client";

import { Copy, KeyRound } from "lucide-react";
import { useId } from "react";
import { toast } from "sonner";
import { Button } from "./button";
import { Input, Label } from "./field";

/**
 * A secret shown this once (an API token, a webhook's signing secret): Countersign cannot show it again, so the
 * panel says so, offers a copy button, and stays until the person says they have it. `children` says how to use it.
 */
export function OneTimeSecret({
  title,
  warning,
  label,
  secret,
  onDone,
  children,
}: {
  title: string;
  warning: string;
  label: string;
  secret: string;
  onDone: () => void;
  children?: React.ReactNode;
}) {
  const titleId = useId();
  const inputId = useId();
  const copy = () =>
    navigator.clipboard
      .writeText(secret)
      .then(() => toast.success(`${label} copied to the clipboard`))
      .catch(() => toast.error("Copying failed; select it and copy it by hand"));
  return (
    <section aria-labelledby={titleId} className="space-y-3 rounded-lg border-2 border-amber-300 bg-amber-50 p-4">
      <div className="flex items-start gap-2">
        <KeyRound aria-hidden className="mt-0.5 size-5 shrink-0 text-amber-700" />
        <div>
          <h2 id={titleId} className="text-sm font-semibold text-amber-950">
            {title}
          </h2>
          <p className="mt-0.5 text-sm text-amber-900">{warning}</p>
        </div>
      </div>
      <div>
        <Label htmlFor={inputId}>{label}</Label>
        <div className="flex gap-2">
          <Input
            id={inputId}
            readOnly
            value={secret}
            onFocus={(e) => e.currentTarget.select()}
            className="font-mono text-xs"
            spellCheck={false}
          />
          <Button type="button" variant="secondary" onClick={copy}>
            <Copy aria-hidden className="size-4" /> Copy
          </Button>
        </div>
      </div>
      {children}
      <Button type="button" onClick={onDone}>
        I have copied it
      </Button>
    </section>
  );
}
