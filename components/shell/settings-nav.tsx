import Link from "next/link";
import { cn } from "@/components/ui/cn";

const PAGES = [
  { href: "/settings/policy", label: "Sign-off policy" },
  { href: "/settings/tokens", label: "API tokens" },
  { href: "/settings/security", label: "Security" },
] as const;

/**
 * Moves between the admin settings pages. Only admins see it: everyone else can read the policy but has
 * no second settings page to go to.
 */
export function SettingsNav({ current, isAdmin }: { current: (typeof PAGES)[number]["href"]; isAdmin: boolean }) {
  if (!isAdmin) return null;
  return (
    <nav aria-label="Settings" className="flex gap-1 border-b border-slate-200">
      {PAGES.map((p) => (
        <Link
          key={p.href}
          href={p.href}
          aria-current={p.href === current ? "page" : undefined}
          className={cn(
            "-mb-px border-b-2 px-3 py-2 text-sm font-medium",
            p.href === current
              ? "border-brand-600 text-brand-700"
              : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900",
          )}
        >
          {p.label}
        </Link>
      ))}
    </nav>
  );
}
