import { Badge, type BadgeTone } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/relative-time";
import type { TokenScope } from "@/lib/domain/terms";
import { SCOPE_HELP } from "./token-scopes";

export type TokenRow = {
  id: string;
  name: string;
  scopes: TokenScope[];
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
  status: "active" | "expired" | "revoked";
};

const STATUS_TONE: Record<TokenRow["status"], BadgeTone> = { active: "success", expired: "warning", revoked: "neutral" };

/** Every token issued, with what it may do and whether it still works; `actions` renders per-row controls (revoke). */
export function TokenTable({ tokens, now, actions }: { tokens: TokenRow[]; now: number; actions?: (token: TokenRow) => React.ReactNode }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">API tokens</caption>
        <thead className="text-xs text-slate-500">
          <tr>
            <th scope="col" className="py-2 pr-3 font-medium">
              Name
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Scopes
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Created
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Expires
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Last used
            </th>
            <th scope="col" className="py-2 pr-3 font-medium">
              Status
            </th>
            {actions && (
              <th scope="col" className="py-2 font-medium">
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {tokens.map((t) => (
            <tr key={t.id} className={t.status === "active" ? "align-top" : "align-top text-slate-500"}>
              <th scope="row" className="max-w-xs py-2 pr-3 font-medium break-words">
                {t.name}
              </th>
              <td className="py-2 pr-3">
                <span className="flex flex-wrap gap-1">
                  {t.scopes.map((s) => (
                    <Badge key={s} tone="info" className="font-mono" title={SCOPE_HELP[s]}>
                      {s}
                    </Badge>
                  ))}
                </span>
              </td>
              <td className="py-2 pr-3">
                {t.createdBy}
                <span className="block text-xs text-slate-500">
                  <RelativeTime at={t.createdAt} now={now} />
                </span>
              </td>
              <td className="py-2 pr-3 whitespace-nowrap">
                {t.expiresAt === null ? "never" : <RelativeTime at={t.expiresAt} now={now} />}
              </td>
              <td className="py-2 pr-3 whitespace-nowrap">
                <RelativeTime at={t.lastUsedAt} now={now} empty="never" />
              </td>
              <td className="py-2 pr-3">
                <Badge tone={STATUS_TONE[t.status]}>{t.status}</Badge>
                {t.revokedAt !== null && (
                  <span className="block text-xs text-slate-500">
                    <RelativeTime at={t.revokedAt} now={now} />
                  </span>
                )}
              </td>
              {actions && <td className="py-2 text-right">{actions(t)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
