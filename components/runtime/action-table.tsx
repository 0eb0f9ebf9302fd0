import { Badge } from "@/components/ui/badge";

type ActionRow = { action: string; granted: boolean; calls: number; errors: number; privilegeRejections: number };
const TH = "py-2 pr-3 font-medium";
const n = (v: number) => v.toLocaleString("en-US");

/** The actions the agent called in the range, most called first; one its running version does not grant is marked. */
export function ActionTable({ actions, caption }: { actions: ActionRow[]; caption: string }) {
  return (
    <div className="overflow-x-auto" tabIndex={0} role="group" aria-label={caption}>
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-xs text-slate-500">
          <tr>
            <th className={TH}>Action</th>
            <th className={`${TH} text-right`}>Calls</th>
            <th className={`${TH} text-right`}>Errors</th>
            <th className="py-2 text-right font-medium">Privilege rejections</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {actions.map((a) => (
            <tr key={a.action} className="align-top">
              <td className="py-2 pr-3">
                <code className="font-mono text-xs break-all">{a.action}</code>
                {!a.granted && (
                  <Badge tone="danger" className="ml-2">
                    not granted
                  </Badge>
                )}
              </td>
              <td className="py-2 pr-3 text-right tabular-nums">{n(a.calls)}</td>
              <td className="py-2 pr-3 text-right tabular-nums">{n(a.errors)}</td>
              <td className="py-2 text-right tabular-nums">{n(a.privilegeRejections)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
