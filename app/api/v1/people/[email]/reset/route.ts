import { accountLinkUrl } from "@/lib/server/account-records";
import { accountLinkBase } from "@/lib/server/account-links";
import { apiRoute } from "@/lib/server/api";
import { issueResetLink } from "@/lib/server/people";

export const dynamic = "force-dynamic";

/** A one-time link for the person to set a new password (a fresh invitation if they never accepted theirs). */
export const POST = apiRoute<{ email: string }>(async (request, { caller, params }) => {
  const { purpose, secret, emailed } = await issueResetLink(caller, decodeURIComponent(params.email));
  return { resetUrl: accountLinkUrl(accountLinkBase(request.nextUrl.origin), secret), purpose, emailed };
});
