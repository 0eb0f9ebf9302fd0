"use client";

import { Plus, Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input, Label, Select } from "@/components/ui/field";
import { RuntimePolicyFields } from "./runtime-policy-fields";
import type { FieldErrors } from "@/lib/errors";
import { DEFAULT_RUNTIME_POLICY, type SignoffPolicy } from "@/lib/domain/signoff-policy";
import { REVIEW_DOMAINS, RISK_LEVELS, ROLE_LABELS, type Role } from "@/lib/domain/terms";

const SIGNERS: Role[] = ["workflow_owner", "security", "engineering", "operations", "compliance"];
const DOMAIN_LABEL = { semantics: "Semantics", authority: "Authority", runtime: "Runtime", incident_path: "Incident path" } as const;
const AUTONOMY = ["read_only", "bounded", "autonomous"] as const;

type Result = { ok: true; version: number } | { ok: false; message: string; fieldErrors?: FieldErrors };

/** The sign-off policy as data: who owns each domain, what each tier adds, and the pre-approved standard changes. */
export function PolicyEditor({
  policy,
  version,
  editable,
  publish,
}: {
  policy: SignoffPolicy;
  version: number;
  editable: boolean;
  publish: (p: SignoffPolicy) => Promise<Result>;
}) {
  const router = useRouter();
  const [draft, setDraft] = useState(policy);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [pending, start] = useTransition();
  const toggleTierRole = (tier: keyof SignoffPolicy["tierRoles"], role: Role, on: boolean) =>
    setDraft({
      ...draft,
      tierRoles: {
        ...draft.tierRoles,
        [tier]: on
          ? SIGNERS.filter((r) => r === role || draft.tierRoles[tier].includes(r))
          : draft.tierRoles[tier].filter((r) => r !== role),
      },
    });
  const setTemplate = (i: number, patch: Partial<SignoffPolicy["standardChanges"][number]>) =>
    setDraft({ ...draft, standardChanges: draft.standardChanges.map((t, j) => (j === i ? { ...t, ...patch } : t)) });
  const toggleIn = <T extends string>(list: T[], value: T, on: boolean) =>
    on ? [...list.filter((v) => v !== value), value] : list.filter((v) => v !== value);

  return (
    <fieldset disabled={!editable || pending} className="space-y-6">
      <Card title="Who owns each review domain">
        <div className="grid gap-3 sm:grid-cols-4">
          {REVIEW_DOMAINS.map((d) => (
            <div key={d}>
              <Label htmlFor={`owner-${d}`}>{DOMAIN_LABEL[d]}</Label>
              <Select
                id={`owner-${d}`}
                value={draft.domainOwners[d]}
                onChange={(e) => setDraft({ ...draft, domainOwners: { ...draft.domainOwners, [d]: e.target.value as Role } })}
              >
                {SIGNERS.map((r) => (
                  <option key={r} value={r}>
                    {ROLE_LABELS[r]}
                  </option>
                ))}
              </Select>
            </div>
          ))}
        </div>
        <p className="mt-2 text-xs text-slate-500">A change that touches a domain always needs its owner&apos;s sign-off.</p>
      </Card>

      <Card title="Roles every change of a tier needs">
        <div className="overflow-x-auto">
          <table className="w-full min-w-[560px] text-left text-sm">
            <caption className="sr-only">Tier to roles</caption>
            <thead className="text-xs text-slate-500">
              <tr>
                <th scope="col" className="pb-2 font-medium">
                  Tier
                </th>
                {SIGNERS.map((r) => (
                  <th key={r} scope="col" className="pb-2 font-medium">
                    {ROLE_LABELS[r]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {RISK_LEVELS.map((tier) => (
                <tr key={tier}>
                  <th scope="row" className="py-2 font-medium capitalize">
                    {tier}
                  </th>
                  {SIGNERS.map((r) => (
                    <td key={r} className="py-2">
                      <input
                        type="checkbox"
                        aria-label={`${tier}: ${ROLE_LABELS[r]}`}
                        className="size-4 accent-brand-600"
                        checked={draft.tierRoles[tier].includes(r)}
                        onChange={(e) => toggleTierRole(tier, r, e.target.checked)}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>

      <Card title="Standard changes (pre-approved, no signer)">
        <div className="space-y-4">
          {draft.standardChanges.map((t, i) => (
            <div key={i} className="rounded-md border border-slate-200 p-3">
              <div className="grid gap-3 sm:grid-cols-[12rem_1fr_auto]">
                <div>
                  <Label htmlFor={`tpl-id-${i}`}>Id</Label>
                  <Input id={`tpl-id-${i}`} value={t.id} onChange={(e) => setTemplate(i, { id: e.target.value })} className="font-mono" />
                </div>
                <div>
                  <Label htmlFor={`tpl-name-${i}`}>Name</Label>
                  <Input id={`tpl-name-${i}`} value={t.name} onChange={(e) => setTemplate(i, { name: e.target.value })} />
                </div>
                <Button
                  type="button"
                  variant="ghost"
                  className="self-end"
                  aria-label={`Remove template ${t.name}`}
                  onClick={() => setDraft({ ...draft, standardChanges: draft.standardChanges.filter((_, j) => j !== i) })}
                >
                  <Trash2 aria-hidden className="size-4" />
                </Button>
              </div>
              <div className="mt-3">
                <Label htmlFor={`tpl-desc-${i}`}>Description</Label>
                <Input id={`tpl-desc-${i}`} value={t.description} onChange={(e) => setTemplate(i, { description: e.target.value })} />
              </div>
              <div className="mt-3 flex flex-wrap gap-x-6 gap-y-2 text-sm">
                <span className="flex flex-wrap items-center gap-3">
                  <span className="text-slate-500">May touch only:</span>
                  {REVIEW_DOMAINS.filter((d) => d !== "authority").map((d) => (
                    <label key={d} className="flex items-center gap-1.5">
                      <input
                        type="checkbox"
                        className="size-4 accent-brand-600"
                        checked={t.domains.includes(d)}
                        onChange={(e) => setTemplate(i, { domains: toggleIn(t.domains, d, e.target.checked) })}
                      />
                      {DOMAIN_LABEL[d]}
                    </label>
                  ))}
                </span>
                <span className="flex flex-wrap items-center gap-3">
                  <span className="text-slate-500">Agents:</span>
                  {AUTONOMY.map((a) => (
                    <label key={a} className="flex items-center gap-1.5">
                      <input
                        type="checkbox"
                        className="size-4 accent-brand-600"
                        checked={t.autonomy.includes(a)}
                        onChange={(e) => setTemplate(i, { autonomy: toggleIn(t.autonomy, a, e.target.checked) })}
                      />
                      {a.replace("_", "-")}
                    </label>
                  ))}
                </span>
                <span className="text-slate-500">Low-risk changes only; never authority, never an escalation.</span>
              </div>
              {Object.entries(errors)
                .filter(([k]) => k.startsWith(`standardChanges.${i}.`))
                .map(([k, m]) => (
                  <p key={k} role="alert" className="mt-1 text-xs text-rose-700">
                    {m.join("; ")}
                  </p>
                ))}
            </div>
          ))}
          <Button
            type="button"
            variant="secondary"
            onClick={() =>
              setDraft({
                ...draft,
                standardChanges: [
                  ...draft.standardChanges,
                  { id: "", name: "", description: "", domains: ["semantics"], autonomy: ["read_only"], maxTier: "low" },
                ],
              })
            }
          >
            <Plus aria-hidden className="size-4" /> Add standard change
          </Button>
        </div>
      </Card>

      <Card title="Evidence before production">
        <div className="max-w-xs">
          <Label htmlFor="floor">Eval pass-rate floor (0–1; 1 = no failures)</Label>
          <Input
            id="floor"
            type="number"
            min={0}
            max={1}
            step={0.01}
            value={draft.evalPassRateFloor}
            onChange={(e) => setDraft({ ...draft, evalPassRateFloor: Number(e.target.value) })}
          />
        </div>
        <label className="mt-4 flex items-start gap-2 text-sm text-slate-700">
          <input
            type="checkbox"
            className="mt-0.5"
            checked={draft.authorMayReleaseOwnHighRisk ?? false}
            onChange={(e) => setDraft({ ...draft, authorMayReleaseOwnHighRisk: e.target.checked })}
          />
          <span>
            Authors may release their own high- and critical-risk changes to production
            <span className="block text-xs text-slate-500">
              Off by default: someone else in engineering or operations releases them, and the evidence pack lists any author who did.
            </span>
          </span>
        </label>
      </Card>

      <RuntimePolicyFields
        runtime={draft.runtime ?? DEFAULT_RUNTIME_POLICY}
        errors={errors}
        onChange={(runtime) => setDraft({ ...draft, runtime })}
      />

      {editable && (
        <div className="flex items-center gap-3">
          <Button
            type="button"
            onClick={() =>
              start(async () => {
                const result = await publish(draft);
                if (result.ok) {
                  setErrors({});
                  toast.success(`Policy version ${result.version} published`);
                  router.refresh();
                } else {
                  setErrors(result.fieldErrors ?? {});
                  toast.error(result.message);
                }
              })
            }
          >
            Publish as version {version + 1}
          </Button>
          <span className="text-xs text-slate-500">Changes already submitted keep the policy version they were submitted under.</span>
        </div>
      )}
    </fieldset>
  );
}
