/** Light, dark, or whatever the device is set to; remembered in this browser. */
export const THEME_CHOICES = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
] as const;

export type ThemeChoice = (typeof THEME_CHOICES)[number]["value"];

export const THEME_STORAGE_KEY = "countersign-theme";

/** What was stored, or "system" for nothing or anything unrecognised (an older or hand-edited value). */
export function parseThemeChoice(stored: string | null | undefined): ThemeChoice {
  return stored === "light" || stored === "dark" ? stored : "system";
}

/** Whether the page is dark for this choice, given the device's setting. */
export function isDark(choice: ThemeChoice, systemPrefersDark: boolean): boolean {
  return choice === "dark" || (choice === "system" && systemPrefersDark);
}

/**
 * Runs in <head> before the first paint, so a dark page never flashes light: it applies the stored choice,
 * and follows the device's setting when it changes (or another tab changes the choice). The theme menu
 * applies a new choice itself with `applyTheme`. It repeats `parseThemeChoice` and `isDark` because it runs
 * before any bundle has loaded.
 */
export const THEME_SCRIPT = `(function () {
  var key = ${JSON.stringify(THEME_STORAGE_KEY)};
  var media = window.matchMedia("(prefers-color-scheme: dark)");
  function apply() {
    var choice = null;
    try { choice = window.localStorage.getItem(key); } catch (e) {}
    document.documentElement.classList.toggle("dark", choice === "dark" || (choice !== "light" && media.matches));
  }
  apply();
  media.addEventListener("change", apply);
  window.addEventListener("storage", function (event) { if (event.key === key) apply(); });
})();`;

/** Remembers the choice in this browser and applies it to the page now. */
export function applyTheme(choice: ThemeChoice): void {
  try {
    window.localStorage.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    // Storage can be refused (a private window's quota); the choice still applies to this page.
  }
  document.documentElement.classList.toggle("dark", isDark(choice, window.matchMedia("(prefers-color-scheme: dark)").matches));
}

/** The choice stored in this browser. */
export function storedThemeChoice(): ThemeChoice {
  try {
    return parseThemeChoice(window.localStorage.getItem(THEME_STORAGE_KEY));
  } catch {
    return "system";
  }
}
