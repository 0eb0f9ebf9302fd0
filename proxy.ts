import { NextResponse, type NextRequest } from "next/server";

const SESSION_COOKIES = ["authjs.session-token", "__Secure-authjs.session-token"];

/**
 * An early, cheap redirect for visitors with no session cookie. It is never the only check: every
 * page and use case verifies the session and reads the person from the database again.
 */
export function proxy(request: NextRequest) {
  const signedIn = SESSION_COOKIES.some((name) => request.cookies.has(name));
  if (signedIn) return NextResponse.next();
  const login = new URL("/login", request.url);
  const back = request.nextUrl.pathname + request.nextUrl.search;
  if (back !== "/") login.searchParams.set("callbackUrl", back);
  return NextResponse.redirect(login);
}

export const config = {
  // Pages only: the API answers 401 JSON itself, and the login page, auth routes and assets are public.
  matcher: ["/((?!api/|login|_next/|favicon\\.ico|icon\\.svg|robots\\.txt).*)"],
};
