import { cn } from "@/components/ui/cn";

/** A card that is a named region (its heading names it), so a reader or a test finds it by name: `getByRole("region", {name})`. */
export function LabelledCard({
  id,
  title,
  action,
  className,
  children,
}: {
  id: string;
  title: string;
  action?: React.ReactNode;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <section
      id={id}
      aria-labelledby={`${id}-heading`}
      className={cn("scroll-mt-20 rounded-lg border border-slate-200 bg-white", className)}
    >
      <header className="flex flex-wrap items-center justify-between gap-x-3 gap-y-1 border-b border-slate-100 px-4 py-3">
        <h2 id={`${id}-heading`} className="text-sm font-semibold text-slate-900">
          {title}
        </h2>
        {action}
      </header>
      <div className="p-4">{children}</div>
    </section>
  );
}
