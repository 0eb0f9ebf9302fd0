import "server-only";
import { composeEmail, type Email } from "@/lib/domain/mail-messages";
import { ROLE_LABELS, type AccountLinkPurpose, type Role } from "@/lib/domain/terms";
import { publicUrl } from "@/lib/env";
import { accountLinkUrl } from "./account-records";

/** The email that carries an invitation or a password reset link. Its body holds the link's secret: see the outbox. */
export function accountLinkEmail(link: { purpose: AccountLinkPurpose; secret: string; name: string; roles: Role[]; by: string }): Email {
  const url = accountLinkUrl(publicUrl(), link.secret);
  const footer = "This link is yours alone: do not forward this email. If you did not expect it, tell your Countersign admin.";
  if (link.purpose === "invite") {
    const roles = link.roles.map((r) => ROLE_LABELS[r]).join(", ");
    return composeEmail({
      subject: "You are invited to Countersign",
      greeting: `Hello ${link.name},`,
      paragraphs: [
        `${link.by} added you to Countersign${roles ? `, as ${roles}` : ""}. Choose your password through the link below: it works once, for seven days.`,
      ],
      action: { label: "Choose your password", url },
      footer,
    });
  }
  return composeEmail({
    subject: "Set a new password for Countersign",
    greeting: `Hello ${link.name},`,
    paragraphs: [
      `${link.by} issued you a link to set a new password for Countersign. It works once, for seven days; setting a password through it signs you out everywhere else.`,
    ],
    action: { label: "Set a new password", url },
    footer,
  });
}
