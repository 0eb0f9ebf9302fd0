"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";

export function NavLinks({ sections, className }: { sections: { href: string; label: string; badge?: number }[]; className?: string }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className={cn("-mx-1 flex items-center gap-1 overflow-x-auto px-1", className)}>
      {sections.map((s) => {
        const active = pathname === s.href || pathname.startsWith(`${s.href}/`);
        return (
          <Link
            key={s.href}
            href={s.href}
            aria-current={active ? "page" : undefined}
            className={cn("rounded-md px-3 py-1.5 text-sm font-medium", active ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900")}
          >
            {s.label}
            {s.badge ? (
              <span className="ml-1.5 rounded-full bg-brand-600 px-1.5 py-0.5 text-[11px] font-semibold text-white tabular-nums" aria-label={`${s.badge} waiting`}>
                {s.badge}
              </span>
            ) : null}
          </Link>
        );
      })}
    </nav>
  );
}
