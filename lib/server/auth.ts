import "server-only";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { redirect } from "next/navigation";
import { cache } from "react";
import { durable } from "@/db";
import { authSecret, env, oidcEnabled } from "@/lib/env";
import { admitLoginAttempt, clientAddress, markLoginSucceeded } from "./login-attempts";
import { endSession, liveSessionUser, SESSION_MAX_AGE_SECONDS, startSession } from "./sessions";
import { findActiveUser, singleSignOnAccount, verifyCredentials, type CurrentUser } from "./users";

/** A sign-in refused before the password was checked: too many recent failures for this email or address. */
export class TooManyAttempts extends CredentialsSignin {
  code = "throttled";
}

const providers = [
  Credentials({
    credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
    async authorize(credentials, request) {
      const email = typeof credentials?.email === "string" ? credentials.email : "";
      const password = typeof credentials?.password === "string" ? credentials.password : "";
      if (!email || !password) throw new CredentialsSignin();
      // Throttled per account and per address; every attempt is recorded (never the password).
      const address = clientAddress(request.headers);
      // Counted as a failure before the (slow) password check, in the throttle check's transaction:
      // parallel guesses cannot all pass the check before any of them is recorded.
      const attempt = await admitLoginAttempt(email, address);
      if (!attempt) throw new TooManyAttempts();
      // The throttle's count survives a power cut too.
      await durable();
      const user = await verifyCredentials(email, password);
      if (!user) throw new CredentialsSignin();
      await markLoginSucceeded(attempt);
      return { id: user.id, email: user.email, name: user.name };
    },
  }),
  ...(oidcEnabled
    ? [
        {
          id: "oidc",
          name: env.AUTH_OIDC_NAME,
          type: "oidc" as const,
          issuer: env.AUTH_OIDC_ISSUER,
          clientId: env.AUTH_OIDC_CLIENT_ID,
          clientSecret: env.AUTH_OIDC_CLIENT_SECRET,
        },
      ]
    : []),
];

export const { handlers, auth, signIn, signOut } = NextAuth({
  secret: authSecret(),
  // Countersign is self-hosted: trust the Host header it is served under.
  trustHost: true,
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/login" },
  providers,
  logger: {
    // A wrong password is an expected event, not a server error.
    error(error) {
      // (Class names are minified in production builds, so the error's type is checked, not its name.)
      if ((error as { type?: string }).type !== "CredentialsSignin") console.error(error);
    },
  },
  events: {
    async signOut(message) {
      const sid = "token" in message ? message.token?.sid : undefined;
      if (typeof sid === "string") await endSession(sid);
      // Signed out means signed out, even after a power cut.
      await durable();
    },
  },
  callbacks: {
    // Single sign-on admits only people who already have an active Countersign account.
    async signIn({ user, account }) {
      if (account?.provider !== "oidc") return true;
      return Boolean(user.email && (await singleSignOnAccount(user.email)));
    },
    // The cookie names a server-side session: sign-out or disabling the person revokes it, and a cookie
    // whose session is revoked, expired or unknown is refused (returning null clears it).
    async jwt({ token, user, account }) {
      if (user) {
        const person = account?.provider === "oidc" && user.email ? await singleSignOnAccount(user.email) : { id: user.id! };
        if (!person) return null;
        const sid = await startSession(person.id);
        await durable();
        return { ...token, uid: person.id, sid };
      }
      const live = typeof token.sid === "string" ? await liveSessionUser(token.sid) : null;
      return live && live === token.uid ? token : null;
    },
    session({ session, token }) {
      if (typeof token.uid === "string") session.user.id = token.uid;
      // The server-side session's id (useless without the signed cookie): changing your password keeps this one.
      if (typeof token.sid === "string") (session as typeof session & { sid?: string }).sid = token.sid;
      return session;
    },
  },
});

/**
 * The signed-in person, or null. Roles and the disabled flag come from the database on every
 * request, so disabling someone or removing a role takes effect at once.
 */
export const currentUser = cache(async (): Promise<CurrentUser | null> => {
  const session = await auth();
  const id = session?.user?.id;
  return id ? await findActiveUser({ id }) : null;
});

/** For pages: the signed-in person, or a redirect to the login page. */
export async function requireUser(): Promise<CurrentUser> {
  const user = await currentUser();
  if (!user) redirect("/login");
  return user;
}

/** The id of the signed-in person's server-side session, or null. */
export async function currentSessionId(): Promise<string | null> {
  const sid = ((await auth()) as { sid?: unknown } | null)?.sid;
  return typeof sid === "string" ? sid : null;
}
