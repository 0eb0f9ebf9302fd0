import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";

export function Pagination({
  page,
  pageSize,
  total,
  query,
  noun = "agents",
}: {
  page: number;
  pageSize: number;
  total: number;
  query: string;
  noun?: string;
}) {
  if (total === 0) return null;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  const href = (p: number) => {
    const params = new URLSearchParams(query);
    if (p > 1) params.set("page", String(p));
    else params.delete("page");
    return `?${params}`;
  };
  return (
    <nav aria-label="Pagination" className="flex flex-wrap items-center justify-between gap-3 text-sm text-slate-600">
      <p>{first > total ? `Page ${page} is past the end (${total} ${noun})` : `Showing ${first}–${last} of ${total}`}</p>
      {pages > 1 && (
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
            Page {page} of {pages}
          </span>
          {page < pages ? (
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
