"use client";

import { Link2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { CopyText } from "@/components/ui/copy-text";

/**
 * A link to set a password, shown this once: Countersign keeps only its hash, so nobody can show it again.
 * When it was also emailed (`emailedTo`), the admin is told so and need not pass it on.
 */
export function OneTimeLink({
  title,
  url,
  emailedTo,
  onDone,
}: {
  title: string;
  url: string;
  emailedTo?: string | null;
  onDone: () => void;
}) {
  return (
    <section aria-label={title} className="space-y-2 rounded-lg border-2 border-amber-300 bg-amber-50 p-4">
      <div className="flex items-start gap-2">
        <Link2 aria-hidden className="mt-0.5 size-5 shrink-0 text-amber-700" />
        <div>
          <h2 className="text-sm font-semibold text-amber-950">{title}</h2>
          {emailedTo ? (
            <p className="mt-0.5 text-sm text-amber-900">
              It is being emailed to <strong>{emailedTo}</strong>. Should the email not arrive, pass this link on yourself, privately. It
              works once, for seven days, and will not be shown again; if it is lost, issue a new one.
            </p>
          ) : (
            <p className="mt-0.5 text-sm text-amber-900">
              Pass it on yourself, privately. It works once, for seven days, and will not be shown again; if it is lost, issue a new one.
            </p>
          )}
        </div>
      </div>
      <CopyText value={url} label="link" />
      <div>
        <Button type="button" variant="secondary" onClick={onDone}>
          Done
        </Button>
      </div>
    </section>
  );
}
