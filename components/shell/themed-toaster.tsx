"use client";

import { useSyncExternalStore } from "react";
import { Toaster } from "sonner";

function subscribe(onChange: () => void) {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
  return () => observer.disconnect();
}

/** Toasts in the page's theme: the theme script and the theme menu set it as a class on <html>. */
export function ThemedToaster() {
  const dark = useSyncExternalStore(
    subscribe,
    () => document.documentElement.classList.contains("dark"),
    () => false,
  );
  return <Toaster richColors position="top-right" theme={dark ? "dark" : "light"} />;
}
