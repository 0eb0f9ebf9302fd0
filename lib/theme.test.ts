import { describe, expect, it } from "vitest";
import { isDark, parseThemeChoice, THEME_SCRIPT, THEME_STORAGE_KEY } from "./theme";

describe("theme choice", () => {
  it("reads light and dark, and anything else as following the system", () => {
    expect(parseThemeChoice("light")).toBe("light");
    expect(parseThemeChoice("dark")).toBe("dark");
    for (const other of [null, undefined, "", "system", "Dark", "blue"]) expect(parseThemeChoice(other)).toBe("system");
  });

  it("is dark when chosen, or when following a system set to dark", () => {
    expect(isDark("dark", false)).toBe(true);
    expect(isDark("light", true)).toBe(false);
    expect(isDark("system", true)).toBe(true);
    expect(isDark("system", false)).toBe(false);
  });

  it("applies the stored choice before first paint, from the same storage key", () => {
    expect(THEME_SCRIPT).toContain(JSON.stringify(THEME_STORAGE_KEY));
    expect(() => new Function(THEME_SCRIPT)).not.toThrow();
  });
});
