"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label, Select } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { useAction } from "@/components/ui/use-action";
import { TOKEN_SCOPES, type TokenScope } from "@/lib/domain/terms";
import { IssuedTokenPanel } from "./issued-token-panel";
import { SCOPE_HELP } from "./token-scopes";

/** What the issue action answers: on success, the token's secret, this once. */
export type IssueOutcome =
  { ok: true; message: string; name: string; token: string } | { ok: false; message: string; fieldErrors?: Record<string, string[]> };
type Issue = (input: Record<string, unknown>) => Promise<IssueOutcome>;

const EXPIRY_CHOICES = [
  { value: "30", label: "In 30 days" },
  { value: "90", label: "In 90 days" },
  { value: "365", label: "In 365 days" },
  { value: "date", label: "On a date…" },
  { value: "never", label: "Never" },
] as const;
type Expiry = (typeof EXPIRY_CHOICES)[number]["value"];

const EMPTY = { name: "", scopes: [] as TokenScope[], expiry: "90" as Expiry, date: "" };

/** Issues a token; its secret comes back once and lives only in this component's state until dismissed. */
export function IssueTokenForm({ issue }: { issue: Issue }) {
  const [form, setForm] = useState(EMPTY);
  const [issued, setIssued] = useState<{ name: string; token: string } | null>(null);
  const { pending, fieldErrors, run } = useAction();
  const toggle = (scope: TokenScope, on: boolean) =>
    setForm({ ...form, scopes: on ? [...form.scopes, scope] : form.scopes.filter((s) => s !== scope) });
  const expiry = () => {
    if (form.expiry === "never") return { expiresInDays: null };
    if (form.expiry === "date") return { expiresOn: form.date };
    return { expiresInDays: Number(form.expiry) };
  };
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    run(
      async () => {
        const result = await issue({ name: form.name, scopes: form.scopes, ...expiry() });
        if (result.ok) setIssued({ name: result.name, token: result.token });
        return result;
      },
      () => setForm(EMPTY),
    );
  };
  const expiryErrors = [...(fieldErrors.expiresInDays ?? []), ...(fieldErrors.expiresOn ?? [])];
  return (
    <div className="space-y-5">
      {issued && <IssuedTokenPanel name={issued.name} token={issued.token} onDone={() => setIssued(null)} />}
      <form onSubmit={submit} aria-label="Issue an API token" className="space-y-4">
        <div className="max-w-md">
          <Label htmlFor="token-name">Name</Label>
          <Input
            id="token-name"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
            required
            maxLength={80}
            placeholder="e.g. github-actions-refunds"
            aria-invalid={Boolean(fieldErrors.name)}
            aria-describedby="token-name-error token-name-help"
          />
          {fieldErrors.name ? (
            <FieldError id="token-name-error" messages={fieldErrors.name} />
          ) : (
            <p id="token-name-help" className="mt-1 text-xs text-slate-500">
              Audit entries name the token by it: say which pipeline or monitor uses it.
            </p>
          )}
        </div>
        <fieldset aria-describedby="token-scopes-error">
          <legend className="mb-1.5 text-sm font-medium text-slate-700">Scopes</legend>
          <ul className="grid gap-2 sm:grid-cols-2">
            {TOKEN_SCOPES.map((scope) => (
              <li key={scope} className="flex items-start gap-2 rounded-md border border-slate-200 p-2.5">
                <input
                  type="checkbox"
                  id={`scope-${scope}`}
                  className="mt-0.5 size-4 accent-brand-600"
                  checked={form.scopes.includes(scope)}
                  onChange={(e) => toggle(scope, e.target.checked)}
                  aria-describedby={`scope-${scope}-help`}
                />
                <span>
                  <label htmlFor={`scope-${scope}`} className="font-mono text-sm text-slate-900">
                    {scope}
                  </label>
                  <span id={`scope-${scope}-help`} className="block text-xs text-slate-600">
                    {SCOPE_HELP[scope]}
                  </span>
                </span>
              </li>
            ))}
          </ul>
          <p className="mt-1.5 text-xs text-slate-500">
            No scope lets a token sign off: sign-offs are made by people. The{" "}
            <a href="/api/docs" className="font-medium text-brand-700 underline">
              API reference
            </a>{" "}
            lists the scope each endpoint needs.
          </p>
          <FieldError
            id="token-scopes-error"
            messages={Object.entries(fieldErrors).flatMap(([key, messages]) =>
              key === "scopes" || key.startsWith("scopes.") ? messages : [],
            )}
          />
        </fieldset>
        <div className="flex flex-wrap items-start gap-3">
          <div className="w-48">
            <Label htmlFor="token-expiry">Expires</Label>
            <Select
              id="token-expiry"
              value={form.expiry}
              onChange={(e) => setForm({ ...form, expiry: e.target.value as Expiry })}
              aria-describedby="token-expiry-error"
            >
              {EXPIRY_CHOICES.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </Select>
          </div>
          {form.expiry === "date" && (
            <div className="w-48">
              <Label htmlFor="token-expiry-date">Expiry date (00:00 UTC)</Label>
              <Input
                id="token-expiry-date"
                type="date"
                value={form.date}
                onChange={(e) => setForm({ ...form, date: e.target.value })}
                required
                aria-invalid={Boolean(fieldErrors.expiresOn)}
                aria-describedby="token-expiry-error"
              />
            </div>
          )}
        </div>
        <FieldError id="token-expiry-error" messages={expiryErrors} />
        {form.expiry === "never" && (
          <p className="text-xs text-amber-800">
            A token that never expires works until someone revokes it; prefer an expiry and a reminder to rotate it.
          </p>
        )}
        <Button type="submit" disabled={pending}>
          {pending ? "Issuing…" : "Issue token"}
        </Button>
      </form>
    </div>
  );
}
