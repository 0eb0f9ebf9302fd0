import Link from "next/link";

/** A list page opened with a filter it cannot read: say which, and offer the unfiltered list. */
export function BadFilterNotice({ message, href, label }: { message: string; href: string; label: string }) {
  return (
    <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 p-6 text-sm text-rose-900">
      <p className="font-medium">This link has a filter Countersign does not understand: {message}.</p>
      <Link href={href} className="mt-3 inline-block font-medium underline">
        {label}
      </Link>
    </div>
  );
}
