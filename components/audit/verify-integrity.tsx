"use client";

import { useMutation } from "@tanstack/react-query";
import { CircleAlert, CircleCheck, Download, ShieldCheck } from "lucide-react";
import { Button, buttonClasses } from "@/components/ui/button";

type Verification = { ok: boolean; count: number; headHash: string; firstBadSeq: number | null; reason: string | null };

async function verify(): Promise<Verification> {
  const response = await fetch("/api/v1/audit/verify", { cache: "no-store" });
  const body = (await response.json()) as Verification & { message?: string };
  if (!response.ok) throw new Error(body.message ?? "Could not verify the audit trail");
  return body;
}

/** Recomputes the hash chain on the server and says what it found; the checkpoint is kept elsewhere to catch truncation. */
export function VerifyIntegrity() {
  const check = useMutation({ mutationFn: verify });
  const result = check.data;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <Button type="button" onClick={() => check.mutate()} disabled={check.isPending}>
          <ShieldCheck aria-hidden className="size-4" />
          {check.isPending ? "Verifying…" : "Verify integrity"}
        </Button>
        <a href="/api/v1/audit/checkpoint" download className={buttonClasses("secondary")}>
          <Download aria-hidden className="size-4" /> Download checkpoint
        </a>
      </div>
      <div aria-live="polite">
        {check.isError && (
          <p role="alert" className="text-sm text-rose-700">
            {check.error.message}
          </p>
        )}
        {result?.ok && (
          <div className="flex items-start gap-2 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
            <CircleCheck aria-hidden className="mt-0.5 size-4 shrink-0" />
            <div className="min-w-0">
              <p className="font-medium">Intact: all {result.count} events chain from the first to the last.</p>
              <p className="mt-0.5 break-all">
                Head hash <code className="font-mono text-xs">{result.headHash}</code>
              </p>
            </div>
          </div>
        )}
        {result && !result.ok && (
          <div role="alert" className="flex items-start gap-2 rounded-md border border-rose-200 bg-rose-50 p-3 text-sm text-rose-900">
            <CircleAlert aria-hidden className="mt-0.5 size-4 shrink-0 text-rose-600" />
            <div className="min-w-0">
              <p className="font-medium text-rose-700">Broken at event #{result.firstBadSeq}: the trail was tampered with.</p>
              <p className="mt-0.5 text-rose-700">{result.reason}</p>
              <p className="mt-0.5 break-all text-rose-800">
                {result.count} events stored; head hash <code className="font-mono text-xs">{result.headHash}</code>
              </p>
            </div>
          </div>
        )}
      </div>
      <p className="text-xs text-slate-500">
        The chain proves each event follows from the one before; only a checkpoint kept outside this server shows that none were cut off the
        end. Check one with <code className="font-mono">npm run audit:verify -- --checkpoint &lt;file&gt;</code>.
      </p>
    </div>
  );
}
