/**
 * The emails Countersign sends, as plain text and simple HTML. Pure: the caller gives every fact and
 * absolute link. Everything interpolated into the HTML is escaped, so a change title cannot inject markup.
 */

export type Email = { subject: string; text: string; html: string };

export type EmailLink = { label: string; url: string };

/** One line of a list, with the screen that acts on it. */
export type EmailItem = { text: string; url: string };

export type EmailSection = { heading: string; items: EmailItem[] };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A subject stays on one line and a readable length, whatever a title holds. */
export function subjectLine(value: string): string {
  const line = value.replace(/\s+/g, " ").trim();
  return line.length > 180 ? `${line.slice(0, 179)}…` : line;
}

const FOOTER = "You get this email from Countersign. Choose what you are emailed about in Settings, Your account.";

/** Composes an email: a greeting, paragraphs, an optional button-like link, optional lists of items. */
export function composeEmail(parts: {
  subject: string;
  greeting: string;
  paragraphs: string[];
  action?: EmailLink;
  sections?: EmailSection[];
  footer?: string;
}): Email {
  const footer = parts.footer ?? FOOTER;
  const text = [
    parts.greeting,
    ...parts.paragraphs,
    ...(parts.action ? [`${parts.action.label}: ${parts.action.url}`] : []),
    ...(parts.sections ?? []).map((s) => [s.heading, ...s.items.map((i) => `- ${i.text}\n  ${i.url}`)].join("\n")),
    `--\n${footer}`,
  ].join("\n\n");
  const p = (body: string) => `<p style="margin:0 0 16px">${body}</p>`;
  const a = (link: EmailLink | EmailItem, label: string) =>
    `<a href="${escapeHtml(link.url)}" style="color:#1d4ed8">${escapeHtml(label)}</a>`;
  const html = [
    `<!doctype html><html><body style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;font-size:15px;line-height:1.5;color:#0f172a;max-width:640px">`,
    p(escapeHtml(parts.greeting)),
    ...parts.paragraphs.map((x) => p(escapeHtml(x))),
    ...(parts.action ? [p(`<strong>${a(parts.action, parts.action.label)}</strong>`)] : []),
    ...(parts.sections ?? []).map(
      (s) =>
        `<h2 style="font-size:16px;margin:24px 0 8px">${escapeHtml(s.heading)}</h2><ul style="padding-left:20px;margin:0 0 16px">${s.items
          .map((i) => `<li style="margin:0 0 8px">${a(i, i.text)}</li>`)
          .join("")}</ul>`,
    ),
    `<p style="margin:32px 0 0;font-size:13px;color:#64748b">${escapeHtml(footer)}</p>`,
    `</body></html>`,
  ].join("\n");
  return { subject: subjectLine(parts.subject), text, html };
}
