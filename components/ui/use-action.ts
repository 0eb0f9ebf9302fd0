"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { toast } from "sonner";

export type Outcome = { ok: true; message: string } | { ok: false; message: string; fieldErrors?: Record<string, string[]> };

/**
 * Runs a server action from a form: pending state, a toast either way, the field errors kept for the
 * form to show beside each field, and a refresh of the page's server data on success.
 */
export function useAction() {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const run = (action: () => Promise<Outcome>, onDone?: () => void) =>
    start(async () => {
      const result = await action();
      if (!result.ok) {
        setError(result.message);
        setFieldErrors(result.fieldErrors ?? {});
        toast.error(result.message);
        return;
      }
      setError(null);
      setFieldErrors({});
      toast.success(result.message);
      onDone?.();
      router.refresh();
    });
  return { pending, error, fieldErrors, run };
}
