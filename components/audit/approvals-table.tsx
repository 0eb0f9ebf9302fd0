import { Badge } from "@/components/ui/badge";
import { UtcTime } from "@/components/ui/utc-time";
import { ROLE_LABELS, type Role } from "@/lib/domain/terms";

type Approval = {
  role: Role;
  signer: string;
  signerName: string;
  decidedAt: number;
  contentHash: string;
  precededDeployment: boolean;
  independentOfAuthor: boolean;
};

/**
 * Who approved, role by role: when, on which content hash, and whether before the deployment it is read
 * against. An approval by the change's own author is flagged (it never should happen).
 */
export function ApprovalsTable({
  approvals,
  caption,
  standardChange = null,
}: {
  approvals: Approval[];
  caption: string;
  standardChange?: string | null;
}) {
  if (standardChange)
    return <p className="text-sm text-slate-700">Pre-approved as the standard change “{standardChange}”: no signer needed.</p>;
  if (approvals.length === 0) return <p className="text-sm text-slate-500">No approvals on the released content.</p>;
  return (
    <div className="overflow-x-auto" tabIndex={0} role="group" aria-label={caption}>
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-xs text-slate-500">
          <tr>
            <th scope="col" className="py-1 pr-3 font-medium">
              Role
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              Approved by
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              When (UTC)
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              Content hash
            </th>
            <th scope="col" className="py-1 font-medium">
              Deployment
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {approvals.map((a) => (
            <tr key={a.role}>
              <th scope="row" className="py-1 pr-3 text-left font-medium text-slate-900">
                {ROLE_LABELS[a.role]}
              </th>
              <td className="py-1 pr-3 text-slate-700">
                <span title={a.signer}>{a.signerName}</span> <span className="text-xs text-slate-500">{a.signer}</span>
                {!a.independentOfAuthor && (
                  <Badge tone="critical" className="ml-1.5">
                    the author
                  </Badge>
                )}
              </td>
              <td className="py-1 pr-3 whitespace-nowrap text-slate-700 tabular-nums">
                <UtcTime at={a.decidedAt} />
              </td>
              <td className="py-1 pr-3 font-mono text-xs text-slate-500" title={a.contentHash}>
                {a.contentHash.slice(0, 12)}
              </td>
              <td className="py-1 whitespace-nowrap">
                {a.precededDeployment ? <span className="text-slate-600">before</span> : <Badge tone="warning">after</Badge>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
