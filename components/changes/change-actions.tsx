"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { toast } from "sonner";
import { Button, buttonClasses } from "@/components/ui/button";
import { Input } from "@/components/ui/field";

type Result = { ok: true; label: string } | { ok: false; message: string };

/** The author's buttons on a change: edit, submit for review, withdraw (with a reason). */
export function ChangeActions({
  id,
  label,
  canEdit,
  canSubmit,
  canWithdraw,
  submit,
  withdraw,
}: {
  id: string;
  label: string;
  canEdit: boolean;
  canSubmit: boolean;
  canWithdraw: boolean;
  submit: (id: string) => Promise<Result>;
  withdraw: (id: string, reason: string) => Promise<Result>;
}) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [withdrawing, setWithdrawing] = useState(false);
  const [reason, setReason] = useState("");
  const act = (fn: () => Promise<Result>, success: string) =>
    start(async () => {
      const result = await fn();
      if (result.ok) {
        toast.success(success);
        setWithdrawing(false);
        router.refresh();
      } else toast.error(result.message);
    });
  return (
    <div className="flex flex-wrap items-center gap-2">
      {canEdit && (
        <Link href={`/changes/${label}/edit`} className={buttonClasses("secondary")}>
          Edit
        </Link>
      )}
      {canSubmit && (
        <Button disabled={pending} onClick={() => act(() => submit(id), `${label} sent for review`)}>
          Submit for review
        </Button>
      )}
      {canWithdraw && !withdrawing && (
        <Button variant="ghost" disabled={pending} onClick={() => setWithdrawing(true)}>
          Withdraw…
        </Button>
      )}
      {withdrawing && (
        <form
          className="flex flex-wrap items-center gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            act(() => withdraw(id, reason), `${label} withdrawn`);
          }}
        >
          <Input
            aria-label="Reason for withdrawing"
            placeholder="Why withdraw? (optional)"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            className="w-64"
            autoFocus
          />
          <Button variant="secondary" type="submit" disabled={pending}>
            Withdraw {label}
          </Button>
          <Button variant="ghost" type="button" onClick={() => setWithdrawing(false)}>
            Cancel
          </Button>
        </form>
      )}
    </div>
  );
}
