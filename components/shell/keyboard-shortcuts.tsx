"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect, useId, useRef } from "react";
import { isTypingIn, readShortcut, SHORTCUTS, type Pending } from "@/lib/shortcut-keys";

/** The page's own search field, if it has one: a search box, or the first field of its filter bar. */
function pageSearch(): HTMLElement | null {
  return document.querySelector<HTMLElement>('main input[type="search"], main [role="search"] input, main [role="search"] select');
}

/** Keyboard shortcuts for the frequent paths (`?` lists them); they stay out of the way while someone types. */
export function KeyboardShortcuts() {
  const router = useRouter();
  const pathname = usePathname();
  const dialog = useRef<HTMLDialogElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);
  const searchAfterNavigation = useRef(false);
  const titleId = useId();

  useEffect(() => {
    let pending: Pending = null;
    function onKeyDown(event: KeyboardEvent) {
      if (event.defaultPrevented || isTypingIn(event.target as HTMLElement | null) || dialog.current?.open) return;
      const read = readShortcut(pending, {
        key: event.key,
        ctrlKey: event.ctrlKey,
        metaKey: event.metaKey,
        altKey: event.altKey,
        at: event.timeStamp,
      });
      pending = read.pending;
      const action = read.action;
      if (!action) return;
      event.preventDefault();
      if (action.kind === "go") router.push(action.href);
      if (action.kind === "help") {
        returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
        dialog.current?.showModal();
      }
      if (action.kind === "search") {
        const field = pageSearch();
        if (field) field.focus();
        else {
          // No search on this page: the agents' search is the app's search.
          searchAfterNavigation.current = true;
          router.push("/agents");
        }
      }
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [router]);

  // After `/` led to the agents list, focus its search once the page is there.
  useEffect(() => {
    if (!searchAfterNavigation.current || pathname !== "/agents") return;
    let frame = 0;
    const until = performance.now() + 5000;
    const tryFocus = () => {
      const field = pageSearch();
      if (field) {
        searchAfterNavigation.current = false;
        field.focus();
      } else if (performance.now() < until) frame = requestAnimationFrame(tryFocus);
    };
    tryFocus();
    return () => cancelAnimationFrame(frame);
  }, [pathname]);

  return (
    <dialog
      ref={dialog}
      aria-labelledby={titleId}
      // Focus goes back to where it was when the list opened, however it closes (Escape, the button).
      onClose={() => returnTo.current?.focus()}
      className="m-auto w-full max-w-sm rounded-lg border border-slate-200 bg-white p-5 text-left text-slate-900 shadow-xl backdrop:bg-slate-900/40"
    >
      <h2 id={titleId} className="text-base font-semibold">
        Keyboard shortcuts
      </h2>
      <table className="mt-3 w-full text-sm">
        <caption className="sr-only">Keys and what they do</caption>
        <tbody className="divide-y divide-slate-100">
          {SHORTCUTS.map((s) => (
            <tr key={s.keys.join(" ")}>
              <th scope="row" className="py-2 pr-4 text-left font-normal whitespace-nowrap">
                {s.keys.map((key, i) => (
                  <span key={i}>
                    {i > 0 && <span className="text-slate-500"> then </span>}
                    <kbd className="rounded border border-slate-300 bg-slate-50 px-1.5 py-0.5 font-mono text-xs text-slate-800">{key}</kbd>
                  </span>
                ))}
              </th>
              <td className="py-2 text-slate-700">{s.does}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-3 text-xs text-slate-600">Shortcuts wait while you type in a field.</p>
      <form method="dialog" className="mt-4 flex justify-end">
        <button
          type="submit"
          autoFocus
          className="inline-flex h-9 items-center rounded-md border border-slate-300 bg-white px-3.5 text-sm font-medium text-slate-800 hover:bg-slate-50"
        >
          Close
        </button>
      </form>
    </dialog>
  );
}
