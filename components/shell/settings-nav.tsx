import Link from "next/link";
import { cn } from "@/components/ui/cn";

const PAGES = [
  { href: "/settings/policy", label: "Sign-off policy", adminOnly: false },
  { href: "/settings/people", label: "People", adminOnly: true },
  { href: "/settings/workflows", label: "Workflows", adminOnly: true },
  { href: "/settings/tokens", label: "API tokens", adminOnly: true },
  { href: "/settings/webhooks", label: "Webhooks", adminOnly: true },
  { href: "/settings/security", label: "Security", adminOnly: true },
  { href: "/settings/account", label: "Account", adminOnly: false },
] as const;

/**
 * Moves between the settings pages. Everyone can read the policy and change their own account; the rest
 * are for admins only, and only admins see them here.
 */
export function SettingsNav({ current, isAdmin }: { current: (typeof PAGES)[number]["href"]; isAdmin: boolean }) {
  return (
    <nav aria-label="Settings" className="flex gap-1 overflow-x-auto border-b border-slate-200">
      {PAGES.filter((p) => isAdmin || !p.adminOnly).map((p) => (
        <Link
          key={p.href}
          href={p.href}
          aria-current={p.href === current ? "page" : undefined}
          className={cn(
            "-mb-px border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap",
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
