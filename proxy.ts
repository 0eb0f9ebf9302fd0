import { NextResponse, type NextRequest } from "next/server";

const SESSION_COOKIES = ["authjs.session-token", "__Secure-authjs.session-token"];
// Pages that anyone may open; everything else under a page route needs a session cookie first. The first
// admin's setup and the one-time account links are opened by people who cannot be signed in yet. The API
// reference describes the API and holds no data, like the OpenAPI document it renders.
const PUBLIC_PAGE = /^\/(login|setup$|welcome\/|api\/docs$|_next\/|favicon\.ico|icon\.svg|robots\.txt)/;
/** The one page under /api/: it gets a page's policy (scripts with this response's nonce), not the API's. */
const API_DOCS_PAGE = "/api/docs";

/**
 * A strict policy: scripts run only from this origin with this response's nonce (Next.js reads the nonce
 * from the request's Content-Security-Policy header and puts it on its own scripts). Styles allow inline
 * style attributes, which charts and toasts set; they cannot run code. Nothing may frame a page, so the
 * one-click sign-off cannot be clickjacked.
 */
function contentSecurityPolicy(nonce: string, api: boolean): string {
  if (api) return "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
  const dev = process.env.NODE_ENV === "development";
  return [
    "default-src 'self'",
    // React's development build evaluates code for its debugging aids; production never does.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** HSTS only when the browser reached us over TLS: a plain-HTTP install must not pin itself to HTTPS. */
function servedOverTls(request: NextRequest): boolean {
  return (
    request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https" ||
    request.nextUrl.protocol === "https:" ||
    (process.env.AUTH_URL ?? "").startsWith("https:")
  );
}

function withSecurityHeaders(response: NextResponse, request: NextRequest, csp: string): NextResponse {
  response.headers.set("Content-Security-Policy", csp);
  response.headers.set("X-Frame-Options", "DENY");
  response.headers.set("X-Content-Type-Options", "nosniff");
  response.headers.set("Referrer-Policy", "strict-origin-when-cross-origin");
  if (servedOverTls(request)) response.headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  return response;
}

/**
 * Every response gets the security headers. Anonymous visitors to a page get an early, cheap redirect to
 * the login page; that is never the only check: every page and use case verifies the session and reads
 * the person from the database again.
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  const api = pathname.startsWith("/api/") && pathname !== API_DOCS_PAGE;
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const csp = contentSecurityPolicy(nonce, api);

  const signedIn = SESSION_COOKIES.some((name) => request.cookies.has(name));
  if (!api && !signedIn && !PUBLIC_PAGE.test(pathname)) {
    const login = new URL("/login", request.url);
    const back = pathname + search;
    if (back !== "/") login.searchParams.set("callbackUrl", back);
    return withSecurityHeaders(NextResponse.redirect(login), request, csp);
  }

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  return withSecurityHeaders(NextResponse.next({ request: { headers: requestHeaders } }), request, csp);
}

export const config = {
  // Everything but the build's static files (served with their own long-lived caching).
  matcher: ["/((?!_next/static|_next/image).*)"],
};
