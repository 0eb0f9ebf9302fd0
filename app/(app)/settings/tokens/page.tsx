import type { Metadata } from "next";
import Link from "next/link";
import { SettingsNav } from "@/components/shell/settings-nav";
import { IssueTokenForm } from "@/components/tokens/issue-token-form";
import { RevokeTokenButton } from "@/components/tokens/revoke-token-button";
import { TokenTable } from "@/components/tokens/token-table";
import { Card } from "@/components/ui/card";
import { canManageTokens, listTokens } from "@/lib/server/api-tokens";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { issueTokenAction, revokeTokenAction } from "./actions";

export const metadata: Metadata = { title: "API tokens" };

const AUDIT_LINK = "/audit?entity=api_token";

export default async function TokensPage() {
  const caller = userCaller(await requireUser());
  const admin = canManageTokens(caller);
  const heading = (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight">API tokens</h1>
      <p className="mt-1 text-sm text-slate-600">
        Tokens let CI pipelines and monitors call the REST API as themselves: propose changes, record eval runs, promote and roll back. They
        never sign off.
      </p>
    </div>
  );
  // Non-admins get no list: managing tokens is all this page is for, and the audit log already shows everyone
  // which tokens were issued and revoked, by whom, with which scopes.
  if (!admin) {
    return (
      <div className="space-y-5">
        {heading}
        <div role="note" className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-700">
          <p className="font-medium text-slate-900">Only admins manage API tokens.</p>
          <p className="mt-1">
            Ask an admin if a pipeline needs one. Every token issued or revoked is recorded in the{" "}
            <Link href={AUDIT_LINK} className="text-brand-700 hover:underline">
              audit log
            </Link>
            .
          </p>
        </div>
      </div>
    );
  }
  const tokens = await listTokens(caller);
  const now = Date.now();
  return (
    <div className="space-y-5">
      <SettingsNav current="/settings/tokens" isAdmin />
      {heading}
      <Card title="Issue a token">
        <IssueTokenForm issue={issueTokenAction} />
      </Card>
      <Card
        title="Tokens"
        action={
          <Link href={AUDIT_LINK} className="text-sm text-brand-700 hover:underline">
            Token history in the audit log
          </Link>
        }
      >
        {tokens.length ? (
          <TokenTable
            tokens={tokens}
            now={now}
            actions={(t) => t.status !== "revoked" && <RevokeTokenButton id={t.id} name={t.name} revoke={revokeTokenAction} />}
          />
        ) : (
          <div className="px-6 py-10 text-center">
            <p className="text-base font-medium text-slate-900">No API tokens yet</p>
            <p className="mt-1 text-sm text-slate-600">Issue one above for each pipeline or monitor, with only the scopes it needs.</p>
          </div>
        )}
      </Card>
    </div>
  );
}
