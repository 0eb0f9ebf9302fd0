"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTransition } from "react";

/** Filters that live in the URL: set or clear some, go back to page 1, keep the rest. */
export function useUrlFilters() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, startTransition] = useTransition();
  const navigate = (next: URLSearchParams) =>
    startTransition(() => router.replace(next.size ? `${pathname}?${next}` : pathname, { scroll: false }));
  return {
    params,
    pending,
    update(changes: Record<string, string>) {
      const next = new URLSearchParams(params.toString());
      for (const [key, value] of Object.entries(changes)) {
        if (value) next.set(key, value);
        else next.delete(key);
      }
      next.delete("page");
      navigate(next);
    },
    clear() {
      navigate(new URLSearchParams());
    },
  };
}
