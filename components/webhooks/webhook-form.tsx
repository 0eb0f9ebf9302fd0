"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { useAction, type Outcome } from "@/components/ui/use-action";
import {
  WEBHOOK_EVENT_GROUPS,
  WEBHOOK_FORMAT_LABELS,
  WEBHOOK_FORMATS,
  type WebhookEventType,
  type WebhookFormat,
} from "@/lib/domain/webhooks";

export type WebhookFormValues = {
  name: string;
  format: WebhookFormat;
  events: WebhookEventType[];
  allowPrivateNetwork: boolean;
  enabled: boolean;
};

const FORMAT_HELP: Record<WebhookFormat, string> = {
  slack:
    "A Slack incoming webhook URL: each event is a message with the change, its risk tier, its escalations and a button to the review.",
  teams: "A Microsoft Teams workflow (incoming webhook) URL: each event is an Adaptive Card with the same facts and button.",
  json: "Any HTTPS receiver: the documented event envelope {id, type, occurredAt, agent, change, actor, data}, signed.",
};

const NEW: WebhookFormValues = { name: "", format: "slack", events: ["signoff.requested"], allowPrivateNetwork: false, enabled: true };

/**
 * Adds an endpoint, or edits one (`existing`: its URL is kept unless a new one is typed, since the stored one is
 * never shown again). `onSaved` receives what the action answered, e.g. a new endpoint's secret.
 */
export function WebhookForm<T extends Outcome>({
  existing,
  urlHint,
  save,
  onSaved,
}: {
  existing?: WebhookFormValues;
  urlHint?: string;
  save: (input: Record<string, unknown>) => Promise<T>;
  onSaved?: (result: T) => void;
}) {
  const [form, setForm] = useState<WebhookFormValues & { url: string }>({ ...(existing ?? NEW), url: "" });
  const { pending, fieldErrors, run } = useAction();
  const editing = Boolean(existing);
  const toggle = (type: WebhookEventType, on: boolean) =>
    setForm({ ...form, events: on ? [...form.events, type] : form.events.filter((e) => e !== type) });
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const { url, enabled, ...rest } = form;
    const input = { ...rest, ...(url.trim() || !editing ? { url } : {}), ...(editing && { enabled }) };
    run(
      async () => {
        const result = await save(input);
        if (result.ok) onSaved?.(result);
        return result;
      },
      () => !editing && setForm({ ...NEW, url: "" }),
    );
  };
  return (
    <form onSubmit={submit} aria-label={editing ? "Edit the webhook" : "Add a webhook"} className="space-y-5">
      <div className="grid gap-4 md:grid-cols-2">
        <div>
          <Label htmlFor="webhook-name" required>
            Name
          </Label>
          <Input
            id="webhook-name"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
            required
            maxLength={80}
            placeholder="e.g. #agent-reviews"
            aria-invalid={Boolean(fieldErrors.name)}
            aria-describedby="webhook-name-error"
          />
          <FieldError id="webhook-name-error" messages={fieldErrors.name} />
        </div>
        <div>
          <Label htmlFor="webhook-url" required={!editing}>
            {editing ? "New URL" : "URL"}
          </Label>
          <Input
            id="webhook-url"
            type="url"
            inputMode="url"
            value={form.url}
            onChange={(e) => setForm({ ...form, url: e.target.value })}
            required={!editing}
            maxLength={2000}
            placeholder={editing ? "Leave empty to keep the current URL" : "https://hooks.slack.com/services/…"}
            aria-invalid={Boolean(fieldErrors.url)}
            aria-describedby="webhook-url-error webhook-url-help"
            spellCheck={false}
            autoComplete="off"
          />
          {fieldErrors.url ? (
            <FieldError id="webhook-url-error" messages={fieldErrors.url} />
          ) : (
            <p id="webhook-url-help" className="mt-1 text-xs text-slate-500">
              {editing
                ? `Now ${urlHint}. The full URL is kept encrypted and never shown again.`
                : "Kept encrypted: a Slack or Teams URL is itself a key. Only its scheme, host and port are shown afterwards."}
            </p>
          )}
        </div>
      </div>

      <fieldset aria-describedby="webhook-format-error">
        <legend className="mb-1.5 text-sm font-medium text-slate-700">Format</legend>
        <div className="grid gap-2 md:grid-cols-3">
          {WEBHOOK_FORMATS.map((format) => (
            <label
              key={format}
              className="flex cursor-pointer items-start gap-2 rounded-md border border-slate-200 p-2.5 has-[:checked]:border-brand-500 has-[:checked]:bg-brand-50"
            >
              <input
                type="radio"
                name="webhook-format"
                value={format}
                checked={form.format === format}
                onChange={() => setForm({ ...form, format })}
                className="mt-0.5"
              />
              <span>
                <span className="block text-sm font-medium text-slate-900">{WEBHOOK_FORMAT_LABELS[format]}</span>
                <span className="block text-xs text-slate-600">{FORMAT_HELP[format]}</span>
              </span>
            </label>
          ))}
        </div>
        <FieldError id="webhook-format-error" messages={fieldErrors.format} />
      </fieldset>

      <fieldset aria-describedby="webhook-events-error">
        <legend className="mb-1.5 text-sm font-medium text-slate-700">Events</legend>
        <div className="grid gap-3 md:grid-cols-2 xl:grid-cols-4">
          {WEBHOOK_EVENT_GROUPS.map((group) => (
            <div key={group.label} className="rounded-md border border-slate-200 p-2.5">
              <p className="mb-1 text-xs font-semibold tracking-wide text-slate-500 uppercase">{group.label}</p>
              <ul className="space-y-1">
                {group.events.map((event) => (
                  <li key={event.type}>
                    <label className="flex items-center gap-2 text-sm text-slate-800">
                      <input
                        type="checkbox"
                        checked={form.events.includes(event.type)}
                        onChange={(e) => toggle(event.type, e.target.checked)}
                      />
                      {event.label}
                    </label>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
        <FieldError id="webhook-events-error" messages={fieldErrors.events} />
      </fieldset>

      <div className="space-y-2">
        <label className="flex items-start gap-2 text-sm text-slate-800">
          <input
            type="checkbox"
            className="mt-0.5"
            checked={form.allowPrivateNetwork}
            onChange={(e) => setForm({ ...form, allowPrivateNetwork: e.target.checked })}
            aria-describedby="webhook-private-help"
          />
          <span>
            Allow addresses on this server&apos;s own network
            <span id="webhook-private-help" className="block text-xs text-slate-600">
              Off by default: loopback, private and link-local addresses are refused, so a webhook cannot reach services only this server
              can see. Turn on only for a receiver you run inside your network.
            </span>
          </span>
        </label>
        {editing && (
          <label className="flex items-start gap-2 text-sm text-slate-800">
            <input
              type="checkbox"
              className="mt-0.5"
              checked={form.enabled}
              onChange={(e) => setForm({ ...form, enabled: e.target.checked })}
            />
            <span>
              Enabled
              <span className="block text-xs text-slate-600">
                A paused endpoint is sent nothing; events while it is paused are not kept for it.
              </span>
            </span>
          </label>
        )}
      </div>

      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : editing ? "Save webhook" : "Add webhook"}
      </Button>
    </form>
  );
}
