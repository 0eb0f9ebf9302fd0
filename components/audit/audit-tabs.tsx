import Link from "next/link";
import { cn } from "@/components/ui/cn";

const TABS = [
  { key: "log", href: "/audit", label: "Log" },
  { key: "as-of", href: "/audit/as-of", label: "What ran when" },
  { key: "evidence", href: "/audit/evidence", label: "Evidence pack" },
] as const;

/** The audit section's three views: the event log, an agent at an instant, and the period's evidence pack. */
export function AuditTabs({ current }: { current: (typeof TABS)[number]["key"] }) {
  return (
    <nav aria-label="Audit views" className="border-b border-slate-200 print:hidden">
      <ul className="-mb-px flex flex-wrap gap-x-5 text-sm">
        {TABS.map((tab) => (
          <li key={tab.key}>
            <Link
              href={tab.href}
              aria-current={tab.key === current ? "page" : undefined}
              className={cn(
                "inline-block border-b-2 px-0.5 pb-2 font-medium whitespace-nowrap",
                tab.key === current
                  ? "border-brand-600 text-brand-700"
                  : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900",
              )}
            >
              {tab.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
