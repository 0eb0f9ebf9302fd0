import { Badge, type BadgeTone } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/relative-time";
import { ROLE_LABELS, type Role } from "@/lib/domain/terms";

export type PersonRow = {
  email: string;
  name: string;
  roles: Role[];
  status: "active" | "disabled" | "invited";
  lastSignedInAt: number | null;
};

const STATUS_TONE: Record<PersonRow["status"], BadgeTone> = { active: "success", invited: "info", disabled: "neutral" };

/** Everyone with an account: roles, whether they can sign in, and when they last did; `actions` renders each row's controls. */
export function PeopleTable({
  people,
  now,
  actions,
}: {
  people: PersonRow[];
  now: number;
  actions: (person: PersonRow) => React.ReactNode;
}) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">People</caption>
        <thead className="text-xs text-slate-500">
          <tr>
            {["Name", "Email", "Roles", "Status", "Last sign-in"].map((h) => (
              <th key={h} scope="col" className={h === "Email" ? "py-2 pr-3 font-medium max-sm:hidden" : "py-2 pr-3 font-medium"}>
                {h}
              </th>
            ))}
            <th scope="col" className="py-2 font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {people.map((p) => (
            <tr key={p.email} className={p.status === "disabled" ? "align-top text-slate-500" : "align-top"}>
              <th scope="row" className="py-2 pr-3 font-medium break-words">
                {p.name}
                {/* On a phone the email goes under the name instead of a column of its own. */}
                <span className="block text-xs font-normal break-all text-slate-500 sm:hidden">{p.email}</span>
              </th>
              <td className="py-2 pr-3 break-all max-sm:hidden">{p.email}</td>
              <td className="py-2 pr-3">
                {p.roles.map((r) => ROLE_LABELS[r]).join(", ") || <span className="text-slate-500">No role</span>}
              </td>
              <td className="py-2 pr-3">
                <Badge tone={STATUS_TONE[p.status]}>{p.status}</Badge>
              </td>
              <td className="py-2 pr-3 whitespace-nowrap">
                {p.lastSignedInAt ? <RelativeTime at={p.lastSignedInAt} now={now} /> : <span className="text-slate-500">never</span>}
              </td>
              <td className="py-2">{actions(p)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
