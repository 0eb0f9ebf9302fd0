"use client";

import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";

/** A value shown whole (wrapping if long) with a button that copies it, e.g. the spec hash an eval run must name. */
export function CopyText({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <span className="inline-flex max-w-full items-start gap-1.5">
      <code className="font-mono text-xs break-all text-slate-700">{value}</code>
      <button
        type="button"
        aria-label={`Copy ${label}`}
        title={`Copy ${label}`}
        className="shrink-0 rounded p-0.5 text-slate-500 hover:bg-slate-100 hover:text-slate-800"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(value);
            setCopied(true);
            toast.success(`Copied the ${label}`);
            setTimeout(() => setCopied(false), 2000);
          } catch {
            toast.error("The browser did not allow copying: select the text instead");
          }
        }}
      >
        {copied ? <Check aria-hidden className="size-3.5" /> : <Copy aria-hidden className="size-3.5" />}
      </button>
    </span>
  );
}
