import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";

export function Pagination({
  page,
  pageSize,
  total,
  query,
  noun = "agents",
  totalIsLowerBound = false,
}: {
  page: number;
  pageSize: number;
  total: number;
  /** The total was counted only this far (a filter over a long list): "10,000+", and Next stays open. */
  totalIsLowerBound?: boolean;
  query: string;
  noun?: string;
}) {
  if (total === 0) return null;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  const more = totalIsLowerBound ? "+" : "";
  const count = (n: number) => n.toLocaleString("en-US");
  const href = (p: number) => {
    const params = new URLSearchParams(query);
    if (p > 1) params.set("page", String(p));
    else params.delete("page");
    return `?${params}`;
  };
  return (
    <nav aria-label="Pagination" className="flex flex-wrap items-center justify-between gap-3 text-sm text-slate-600">
      <p>
        {first <= total
          ? `Showing ${count(first)}–${count(last)} of ${count(total)}${more}`
          : totalIsLowerBound
            ? `Showing from ${count(first)}, of more than ${count(total)}`
            : `Page ${page} is past the end (${total} ${noun})`}
      </p>
      {(pages > 1 || totalIsLowerBound) && (
        <div className="flex items-center gap-2">
          {page > 1 ? (
            <Link className={buttonClasses("secondary")} href={href(page - 1)} rel="prev">
              Previous
            </Link>
          ) : (
            <span aria-disabled className={buttonClasses("secondary", "pointer-events-none opacity-50")}>
              Previous
            </span>
          )}
          <span className="tabular-nums">
            Page {count(page)} of {count(pages)}
            {more}
          </span>
          {page < pages || totalIsLowerBound ? (
            <Link className={buttonClasses("secondary")} href={href(page + 1)} rel="next">
              Next
            </Link>
          ) : (
            <span aria-disabled className={buttonClasses("secondary", "pointer-events-none opacity-50")}>
              Next
            </span>
          )}
        </div>
      )}
    </nav>
  );
}
