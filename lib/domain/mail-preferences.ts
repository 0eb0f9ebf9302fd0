/** What a person may be emailed about, and how: the vocabulary of email preferences. */

/** Every kind of in-app notification; each can also be sent by email. */
export const NOTIFICATION_KINDS = [
  "signoff_needed",
  "change_approved",
  "change_rejected",
  "changes_requested",
  "signoff_dismissed",
  "change_out_of_date",
  "drift_opened",
  "breach_recorded",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const NOTIFICATION_KIND_LABELS: Record<NotificationKind, string> = {
  signoff_needed: "A change needs my sign-off",
  change_approved: "My change was approved",
  change_rejected: "My change was rejected",
  changes_requested: "My change was sent back to me",
  signoff_dismissed: "My sign-off was dismissed",
  change_out_of_date: "My change fell behind production",
  drift_opened: "Drift opened on an agent I answer for",
  breach_recorded: "A runtime breach on an agent I answer for",
};

/** "immediate": one email per notification; "daily_digest": one email a day; "off": none. */
export const EMAIL_DELIVERIES = ["immediate", "daily_digest", "off"] as const;
export type EmailDelivery = (typeof EMAIL_DELIVERIES)[number];

export const EMAIL_DELIVERY_LABELS: Record<EmailDelivery, string> = {
  immediate: "As it happens",
  daily_digest: "Once a day, in a digest",
  off: "Never",
};

export type EmailPreferences = { delivery: EmailDelivery; kinds: NotificationKind[]; digestHour: number };

/** Someone who never chose: sign-off requests and the decisions on their own changes, as they happen. */
export const DEFAULT_EMAIL_PREFERENCES: EmailPreferences = {
  delivery: "immediate",
  kinds: ["signoff_needed", "change_approved", "change_rejected", "changes_requested"],
  digestHour: 8,
};

/** Whether this notification is emailed on its own, as it happens. */
export function wantsImmediately(preferences: EmailPreferences, kind: NotificationKind): boolean {
  return preferences.delivery === "immediate" && preferences.kinds.includes(kind);
}

/** Why a mail was queued: a notification, a daily digest, an invitation or a password reset link. */
export const MAIL_PURPOSES = ["notification", "digest", "invite", "reset"] as const;
export type MailPurpose = (typeof MAIL_PURPOSES)[number];

/** pending: to send (or to retry); sent; failed: given up on after a day of retries. */
export const MAIL_STATUSES = ["pending", "sent", "failed"] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];
