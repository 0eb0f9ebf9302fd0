import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { buttonClasses } from "@/components/ui/button";
import { Label, Select } from "@/components/ui/field";
import { RelativeTime } from "@/components/ui/relative-time";

type Version = {
  number: number;
  specHash: string;
  createdAt: number;
  createdBy: string | null;
  changeNumber: number | null;
  changeTitle: string | null;
  runningIn: string[];
};

const ENV_SHORT: Record<string, string> = { development: "dev", staging: "staging", production: "prod" };

function VersionSelect({
  id,
  name,
  label,
  versions,
  defaultValue,
}: {
  id: string;
  name: string;
  label: string;
  versions: Version[];
  defaultValue: number;
}) {
  return (
    <div>
      <Label htmlFor={id}>{label}</Label>
      <Select id={id} name={name} defaultValue={String(defaultValue)} className="w-28">
        {versions.map((v) => (
          <option key={v.number} value={v.number}>
            v{v.number}
          </option>
        ))}
      </Select>
    </div>
  );
}

/** Every version, newest first, with where it runs; pick any two to compare. */
export function VersionHistory({ slug, versions, shown, now }: { slug: string; versions: Version[]; shown: number; now: number }) {
  const newest = versions[0]?.number ?? 1;
  return (
    <div className="space-y-4">
      <form action={`/agents/${slug}/compare`} className="flex flex-wrap items-end gap-2">
        <VersionSelect id="compare-from" name="from" label="Compare version" versions={versions} defaultValue={Math.max(1, newest - 1)} />
        <VersionSelect id="compare-to" name="to" label="with" versions={versions} defaultValue={newest} />
        <button type="submit" className={buttonClasses("secondary")}>
          Compare
        </button>
      </form>
      <div className="overflow-x-auto">
        <table className="w-full min-w-[640px] text-left text-sm">
          <caption className="sr-only">Version history</caption>
          <thead className="text-xs text-slate-500">
            <tr className="border-b border-slate-100">
              <th scope="col" className="py-2 pr-3 font-medium">
                Version
              </th>
              <th scope="col" className="py-2 pr-3 font-medium">
                Change record
              </th>
              <th scope="col" className="py-2 pr-3 font-medium">
                Created
              </th>
              <th scope="col" className="py-2 pr-3 font-medium">
                Running in
              </th>
              <th scope="col" className="py-2 font-medium">
                Spec
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-50">
            {versions.map((v) => (
              <tr
                key={v.number}
                aria-current={v.number === shown ? "true" : undefined}
                className={v.number === shown ? "bg-brand-50/50" : undefined}
              >
                <td className="py-2 pr-3">
                  <Link href={`/agents/${slug}?version=${v.number}`} className="font-mono font-semibold text-brand-700 hover:underline">
                    v{v.number}
                  </Link>
                </td>
                <td className="max-w-80 py-2 pr-3">
                  {v.changeNumber !== null ? (
                    <span className="block truncate" title={v.changeTitle ?? ""}>
                      <span className="font-mono text-xs text-slate-500">CR-{v.changeNumber}</span> {v.changeTitle}
                    </span>
                  ) : (
                    <span className="text-slate-400">—</span>
                  )}
                </td>
                <td className="py-2 pr-3 whitespace-nowrap text-slate-600">
                  <RelativeTime at={v.createdAt} now={now} />
                  {v.createdBy && <span className="block text-xs text-slate-500">{v.createdBy}</span>}
                </td>
                <td className="py-2 pr-3">
                  <span className="flex gap-1">
                    {v.runningIn.map((env) => (
                      <Badge key={env} tone={env === "production" ? "success" : "neutral"}>
                        {ENV_SHORT[env]}
                      </Badge>
                    ))}
                  </span>
                </td>
                <td className="py-2 whitespace-nowrap">
                  <a className="text-brand-700 hover:underline" href={`/agents/${slug}/versions/${v.number}/spec?format=yaml`} download>
                    YAML
                  </a>
                  <span className="text-slate-300"> · </span>
                  <a className="text-brand-700 hover:underline" href={`/agents/${slug}/versions/${v.number}/spec?format=json`} download>
                    JSON
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
