/** The first stop for the keyboard: past the header, straight to the page's content (the `main` with this id). */
export const MAIN_ID = "main";

export function SkipLink() {
  return (
    <a
      href={`#${MAIN_ID}`}
      // `not-sr-only` resets padding, so the padding comes with focus too.
      className="sr-only rounded-md bg-white text-sm font-medium text-brand-700 shadow-lg ring-1 ring-slate-200 focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:px-4 focus:py-2"
    >
      Skip to main content
    </a>
  );
}
