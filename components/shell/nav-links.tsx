"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";

/** A count beside a section: brand for work waiting on you, danger for something overdue or broken. */
export type NavBadge = { count: number; label: string; tone?: "brand" | "danger" };

export function NavLinks({
  sections,
  className,
}: {
  sections: { href: string; label: string; match?: string; badge?: NavBadge }[];
  className?: string;
}) {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className={cn("-mx-1 flex items-center gap-1 overflow-x-auto px-1", className)}>
      {sections.map((s) => {
        const base = s.match ?? s.href;
        const active = pathname === base || pathname.startsWith(`${base}/`);
        return (
          <Link
            key={s.href}
            href={s.href}
            aria-current={active ? "page" : undefined}
            className={cn(
              "rounded-md px-3 py-1.5 text-sm font-medium whitespace-nowrap",
              active ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
            )}
          >
            {s.label}
            {s.badge && s.badge.count > 0 ? (
              <span
                className={cn(
                  "ml-1.5 rounded-full px-1.5 py-0.5 text-[11px] font-semibold text-white tabular-nums",
                  s.badge.tone === "danger" ? "bg-rose-600" : "bg-brand-600",
                )}
                aria-label={s.badge.label}
                title={s.badge.label}
              >
                {s.badge.count}
              </span>
            ) : null}
          </Link>
        );
      })}
    </nav>
  );
}
