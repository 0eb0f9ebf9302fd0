import Link from "next/link";
import { cn } from "@/components/ui/cn";
import { ENVIRONMENTS, type Environment } from "@/lib/domain/terms";
import { RUNTIME_RANGES, type RuntimeRange } from "./runtime-format";

/** The agent page's URL with the panel's choice in it (`?runtimeRange=30d&runtimeEnv=production#runtime`), keeping the page's other choices. */
export function runtimeHref(slug: string, query: Record<string, string>, range: RuntimeRange, environment: Environment): string {
  const params = new URLSearchParams(query);
  params.set("runtimeRange", `${range}d`);
  params.set("runtimeEnv", environment);
  return `/agents/${slug}?${params.toString()}#runtime`;
}

function Choices<T extends string | number>({
  label,
  items,
  current,
  href,
  text,
}: {
  label: string;
  items: readonly T[];
  current: T;
  href: (item: T) => string;
  text: (item: T) => string;
}) {
  return (
    <nav aria-label={label}>
      <ul className="inline-flex rounded-md ring-1 ring-slate-300 ring-inset">
        {items.map((item) => (
          <li key={item} className="border-l border-slate-300 first:border-l-0">
            <Link
              href={href(item)}
              scroll={false}
              aria-current={item === current ? "true" : undefined}
              className={cn(
                "inline-block px-2.5 py-1 text-xs font-medium whitespace-nowrap",
                item === current ? "bg-brand-50 text-brand-700" : "text-slate-700 hover:bg-slate-50",
              )}
            >
              {text(item)}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Which environment and how many days the panel shows: links, so a view can be shared. */
export function RuntimePickers({
  slug,
  query,
  range,
  environment,
}: {
  slug: string;
  query: Record<string, string>;
  range: RuntimeRange;
  environment: Environment;
}) {
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Choices
        label="Runtime environment"
        items={ENVIRONMENTS}
        current={environment}
        href={(e) => runtimeHref(slug, query, range, e)}
        text={(e) => e}
      />
      <Choices
        label="Runtime range"
        items={RUNTIME_RANGES}
        current={range}
        href={(r) => runtimeHref(slug, query, r, environment)}
        text={(r) => `${r} days`}
      />
    </div>
  );
}
