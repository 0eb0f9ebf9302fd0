import Link from "next/link";
import { Fragment } from "react";

/** Where this page sits: each step links back, the last names the page. */
export function Breadcrumb({ items }: { items: { href?: string; label: string }[] }) {
  return (
    <nav aria-label="Breadcrumb" className="text-sm text-slate-500">
      {items.map((item, i) => (
        <Fragment key={i}>
          {i > 0 && " / "}
          {item.href ? (
            <Link href={item.href} className="hover:text-slate-900 hover:underline">
              {item.label}
            </Link>
          ) : (
            <span className="text-slate-900">{item.label}</span>
          )}
        </Fragment>
      ))}
    </nav>
  );
}
