/** The keyboard shortcuts for the frequent paths, as the `?` dialog lists them. */
export const GO_TO = {
  a: { href: "/agents", label: "Agents" },
  c: { href: "/changes", label: "Changes" },
  s: { href: "/signoffs", label: "Sign-offs" },
} as const;

export const SHORTCUTS: { keys: string[]; does: string }[] = [
  { keys: ["/"], does: "Search (the page's search field, or the agents' search)" },
  ...Object.values(GO_TO).map((to, i) => ({ keys: ["g", Object.keys(GO_TO)[i]!], does: `Go to ${to.label}` })),
  { keys: ["?"], does: "Show these shortcuts" },
];

/** How long after `g` its second key still counts. */
export const SEQUENCE_MS = 1500;

export type ShortcutAction = { kind: "search" } | { kind: "go"; href: string } | { kind: "help" };

export type KeyPress = { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; at: number };

/** When `g` was pressed, if it still waits for its second key. */
export type Pending = number | null;

/**
 * Reads one key press, given whether a `g` is waiting: what to do (if anything) and what waits next.
 * A press with Ctrl, ⌘ or Alt is the browser's or the system's, never ours; Shift is allowed (it makes `?`).
 */
export function readShortcut(pending: Pending, press: KeyPress): { action: ShortcutAction | null; pending: Pending } {
  if (press.ctrlKey || press.metaKey || press.altKey) return { action: null, pending: null };
  const waiting = pending !== null && press.at - pending <= SEQUENCE_MS;
  if (waiting && press.key in GO_TO) return { action: { kind: "go", href: GO_TO[press.key as keyof typeof GO_TO].href }, pending: null };
  if (press.key === "g") return { action: null, pending: press.at };
  if (press.key === "/") return { action: { kind: "search" }, pending: null };
  if (press.key === "?") return { action: { kind: "help" }, pending: null };
  return { action: null, pending: null };
}

/** The element keys go to when a person types: shortcuts stay out of its way. */
export function isTypingIn(target: { tagName?: string; isContentEditable?: boolean } | null): boolean {
  if (!target) return false;
  return target.isContentEditable === true || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName ?? "");
}
