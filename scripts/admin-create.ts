import { parseArgs } from "node:util";
import { z } from "zod";
import { closeDatabase, durable, getConnection, withTransaction } from "../db";
import { appendAuditEvent, type Actor } from "../db/audit";
import { env } from "../lib/env";
import { isAppError } from "../lib/errors";
import { accountLinkUrl, insertPerson, issueAccountLink } from "../lib/server/account-records";
import { emailField, nameField } from "../lib/validations/people";

const usage = `Usage: npm run admin:create -- --email <email> --name <name>

Adds an admin to the database at DATABASE_PATH (default ./data/countersign.db) and prints a one-time link
for them to set their password, valid for 7 days. For a headless install, or to recover when no admin can
sign in. Refused if someone already has the email. The link's base is AUTH_URL when set, otherwise
http://localhost:$PORT (PORT defaults to 3000).

Exit status: 0 created; 1 refused (the email is taken); 2 bad arguments.`;

const CLI_ACTOR: Actor = { type: "system", id: null, label: "npm run admin:create" };

function fail(message: string, status: number): never {
  console.error(message);
  process.exit(status);
}

async function main() {
  let values: { email?: string; name?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { email: { type: "string" }, name: { type: "string" }, help: { type: "boolean", short: "h" } } }));
  } catch (error) {
    fail(`${(error as Error).message}\n\n${usage}`, 2);
  }
  if (values.help) {
    console.log(usage);
    return;
  }
  const parsed = z.object({ email: emailField, name: nameField }).safeParse({ email: values.email ?? "", name: values.name ?? "" });
  if (!parsed.success) fail(`${parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("\n")}\n\n${usage}`, 2);
  const { email, name } = parsed.data;
  const now = Date.now();
  let link: { secret: string; expiresAt: number };
  try {
    link = await withTransaction(async (tx) => {
      const id = await insertPerson(tx, { email, name, roles: ["admin"] }, CLI_ACTOR, now);
      const issued = await issueAccountLink(tx, { userId: id, purpose: "invite", createdById: null }, now);
      await appendAuditEvent(tx, {
        at: now,
        actor: CLI_ACTOR,
        action: "person.invited",
        entityType: "user",
        entityId: id,
        payload: { email, expiresAt: issued.expiresAt },
      });
      return issued;
    });
    await durable();
  } catch (error) {
    if (isAppError(error)) fail(error.message, 1);
    throw error;
  } finally {
    await closeDatabase(getConnection());
  }
  const base = env.AUTH_URL ?? `http://localhost:${process.env.PORT || 3000}`;
  console.log(`Admin ${email} added. Send them this one-time link to set their password (it works once, until ${new Date(
    link.expiresAt,
  ).toISOString()}):

  ${accountLinkUrl(base, link.secret)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
