import { describe, expect, it } from "vitest";
import { isTypingIn, readShortcut, SEQUENCE_MS, SHORTCUTS, type KeyPress } from "./shortcut-keys";

const press = (key: string, at = 1000, mods: Partial<KeyPress> = {}): KeyPress => ({
  key,
  at,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe("readShortcut", () => {
  it("goes to agents, changes and sign-offs on g then a, c or s", () => {
    for (const [key, href] of [
      ["a", "/agents"],
      ["c", "/changes"],
      ["s", "/signoffs"],
    ] as const) {
      const first = readShortcut(null, press("g", 1000));
      expect(first).toEqual({ action: null, pending: 1000 });
      expect(readShortcut(first.pending, press(key, 1400))).toEqual({ action: { kind: "go", href }, pending: null });
    }
  });

  it("ignores a, c or s on their own, or too long after g", () => {
    expect(readShortcut(null, press("a")).action).toBeNull();
    expect(readShortcut(1000, press("c", 1000 + SEQUENCE_MS + 1))).toEqual({ action: null, pending: null });
  });

  it("forgets a waiting g when another key comes between", () => {
    const between = readShortcut(1000, press("x", 1100));
    expect(between).toEqual({ action: null, pending: null });
    expect(readShortcut(between.pending, press("a", 1200)).action).toBeNull();
  });

  it("searches on / and lists the shortcuts on ?", () => {
    expect(readShortcut(null, press("/")).action).toEqual({ kind: "search" });
    expect(readShortcut(null, press("?", 1000, {})).action).toEqual({ kind: "help" });
  });

  it("leaves key presses with Ctrl, ⌘ or Alt to the browser", () => {
    expect(readShortcut(null, press("/", 1000, { ctrlKey: true })).action).toBeNull();
    expect(readShortcut(1000, press("a", 1100, { metaKey: true }))).toEqual({ action: null, pending: null });
    expect(readShortcut(null, press("g", 1000, { altKey: true })).pending).toBeNull();
  });

  it("lists every shortcut it reads", () => {
    expect(SHORTCUTS.map((s) => s.keys.join(" "))).toEqual(["/", "g a", "g c", "g s", "?"]);
  });
});

describe("isTypingIn", () => {
  it("is true in fields and editable text, false elsewhere", () => {
    for (const tagName of ["INPUT", "TEXTAREA", "SELECT"]) expect(isTypingIn({ tagName })).toBe(true);
    expect(isTypingIn({ tagName: "DIV", isContentEditable: true })).toBe(true);
    expect(isTypingIn({ tagName: "BUTTON" })).toBe(false);
    expect(isTypingIn({ tagName: "BODY", isContentEditable: false })).toBe(false);
    expect(isTypingIn(null)).toBe(false);
  });
});
