"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CircleAlert, CircleCheck, Download, LoaderCircle, ShieldCheck } from "lucide-react";
import { useState } from "react";
import { Button, buttonClasses } from "@/components/ui/button";

type Verification = {
  ok: boolean;
  count: number;
  headHash: string;
  firstBadSeq: number | null;
  reason: string | null;
  full: { finishedAt: string; count: number } | null;
  running: { checked: number; total: number; replaying: boolean } | null;
  summary: string;
};

async function call(method: "GET" | "POST"): Promise<Verification> {
  const response = await fetch("/api/v1/audit/verify", { method, cache: "no-store" });
  const body = (await response.json()) as Verification & { message?: string };
  if (!response.ok) throw new Error(body.message ?? "Could not verify the audit trail");
  return body;
}

/**
 * Says what is verified of the hash chain: the last full verification and the events appended since (checked
 * on each ask), and lets the reader run a full one, which the server does in the background while this polls.
 */
export function VerifyIntegrity() {
  const client = useQueryClient();
  const [asked, setAsked] = useState(false);
  const status = useQuery({
    queryKey: ["audit-verification"],
    queryFn: () => call("GET"),
    enabled: asked,
    refetchInterval: (query) => (query.state.data?.running ? 1_000 : false),
  });
  const full = useMutation({
    mutationFn: () => call("POST"),
    onSuccess: (data) => {
      setAsked(true);
      client.setQueryData(["audit-verification"], data);
    },
  });
  const result = status.data;
  const running = result?.running ?? null;
  const error = status.error ?? full.error;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <Button type="button" onClick={() => (asked ? status.refetch() : setAsked(true))} disabled={status.isFetching && !running}>
          <ShieldCheck aria-hidden className="size-4" />
          {status.isFetching && !running ? "Verifying…" : "Verify integrity"}
        </Button>
        <Button type="button" variant="secondary" onClick={() => full.mutate()} disabled={full.isPending || Boolean(running)}>
          {running ? <LoaderCircle aria-hidden className="size-4 animate-spin" /> : <ShieldCheck aria-hidden className="size-4" />}
          {running ? "Verifying in full…" : "Verify in full"}
        </Button>
        <a href="/api/v1/audit/checkpoint" download className={buttonClasses("secondary")}>
          <Download aria-hidden className="size-4" /> Download checkpoint
        </a>
      </div>
      <div aria-live="polite">
        {error && (
          <p role="alert" className="text-sm text-rose-700">
            {error.message}
          </p>
        )}
        {result?.ok && (
          <div className="flex items-start gap-2 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
            <CircleCheck aria-hidden className="mt-0.5 size-4 shrink-0" />
            <div className="min-w-0">
              <p className="font-medium">Intact: all {result.count} events chain from the first to the last.</p>
              <p className="mt-0.5">{result.summary}</p>
              <p className="mt-0.5 break-all">
                Head hash <code className="font-mono text-xs">{result.headHash}</code>
              </p>
            </div>
          </div>
        )}
        {result && !result.ok && result.firstBadSeq === null && (
          <div className="flex items-start gap-2 rounded-md border border-slate-200 bg-slate-50 p-3 text-sm text-slate-800">
            <LoaderCircle aria-hidden className="mt-0.5 size-4 shrink-0 animate-spin" />
            <p className="min-w-0">{result.summary}</p>
          </div>
        )}
        {result && !result.ok && result.firstBadSeq !== null && (
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
        Verify integrity checks the events appended since the last full verification; Verify in full recomputes every event from the first
        and replays the trail against the tables, in the background (it also runs by itself once a day). The chain proves each event follows
        from the one before; only a checkpoint kept outside this server shows that none were cut off the end. Check one with{" "}
        <code className="font-mono">npm run audit:verify -- --checkpoint &lt;file&gt;</code>.
      </p>
    </div>
  );
}
