"use client";

import { useEffect } from "react";

/** Brings an element into view and moves focus to it when `when` changes, e.g. a drill-down opened from a tile above. */
export function ScrollIntoView({ targetId, when }: { targetId: string; when: string }) {
  useEffect(() => {
    const target = document.getElementById(targetId);
    if (!target) return;
    target.scrollIntoView({ behavior: "smooth", block: "start" });
    target.focus({ preventScroll: true });
  }, [targetId, when]);
  return null;
}
