import { Badge } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/relative-time";

export type FailedLoginRow = { email: string; address: string; at: number; outcome: "success" | "failure" | "throttled" };

/** Recent failed and refused sign-ins: which email was tried, from where, when, and what was answered. */
export function FailedLoginTable({ attempts, now }: { attempts: FailedLoginRow[]; now: number }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Recent failed sign-ins</caption>
        <thead className="text-xs text-slate-500">
          <tr>
            <th scope="col" className="py-2 pr-3 font-medium">
              Email tried
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Address
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              When
            </th>
            <th scope="col" className="py-2 font-medium">
              Answer
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {attempts.map((a, i) => (
            <tr key={`${a.at}-${i}`}>
              <td className="py-2 pr-3 break-all text-slate-900">{a.email}</td>
              <td className="py-2 pr-3 font-mono text-xs text-slate-700">{a.address}</td>
              <td className="py-2 pr-3 text-slate-700">
                <RelativeTime at={a.at} now={now} />
              </td>
              <td className="py-2">
                {a.outcome === "throttled" ? (
                  <Badge tone="warning">Refused: too many attempts</Badge>
                ) : (
                  <Badge tone="neutral">Wrong password or email</Badge>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
