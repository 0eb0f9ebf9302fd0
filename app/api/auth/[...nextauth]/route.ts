import type { NextRequest } from "next/server";
import { handlers } from "@/lib/server/auth";
import { clientAddress, retryAfterSeconds } from "@/lib/server/login-attempts";

export const { GET } = handlers;

/**
 * A password sign-in posted straight to the endpoint (a script, not the login page) is answered 429 with
 * Retry-After while its email or address is throttled; the login page says the same in words.
 */
export async function POST(request: NextRequest) {
  if (request.nextUrl.pathname.endsWith("/callback/credentials")) {
    const form = await request
      .clone()
      .formData()
      .catch(() => null);
    const email = form?.get("email");
    const wait = await retryAfterSeconds(typeof email === "string" ? email : "", clientAddress(request.headers));
    if (wait > 0)
      return Response.json(
        { error: "too_many_attempts", message: `Too many attempts: try again in ${wait} seconds.` },
        { status: 429, headers: { "Retry-After": String(wait) } },
      );
  }
  return handlers.POST(request);
}
