import { desc, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { execute, first, rows, type DB } from "@/db";
import { agentVersions } from "@/db/schema";
import { specHash, type AgentSpec } from "@/lib/domain/spec";
import { rolledBack, unguard } from "@/lib/testing/audit-tamper";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { auditCheckpoint, verifyAuditTrail } from "./audit";

beforeAll(async () => {
  await seedDemoEstate();
});

const one = async <T>(tx: DB, query: ReturnType<typeof sql>) => (await rows<T>(query, tx))[0]!;

/**
 * Tampers with the store, as someone with write access to the database would, in a transaction rolled back after:
 * verification must fail both alone and against a checkpoint taken before.
 */
async function expectDetected(tamper: (tx: DB) => Promise<void>, mentions: RegExp) {
  const checkpoint = await auditCheckpoint();
  await rolledBack(async (tx) => {
    await tamper(tx);
    for (const result of [await verifyAuditTrail(tx), await verifyAuditTrail(tx, checkpoint)]) {
      expect(result.ok).toBe(false);
      expect(result.mismatches?.map((m) => m.message).join("\n")).toMatch(mentions);
    }
  });
}

describe("replaying the audit trail against the tables", () => {
  it("finds the untouched demo estate clean", async () => {
    const result = await verifyAuditTrail();
    expect(result).toMatchObject({ ok: true, firstBadSeq: null, reason: null });
    expect(result.mismatches).toBeUndefined();
  });

  it("detects a pending sign-off marked approved in the table, naming the row and its last event", async () => {
    await expectDetected(async (tx) => {
      const s = await one<{ id: string }>(tx, sql`SELECT id FROM signoffs WHERE status = 'pending' LIMIT 1`);
      // Signed in the name of someone who never signed it.
      await execute(sql`UPDATE signoffs SET status = 'approved', signer_id = (SELECT MIN(id) FROM users) WHERE id = ${s.id}`, tx);
    }, /signoff \S+ \(CR-\d+ \w+\) is approved in the table but/);
  });

  it("detects an approval turned into a rejection, and a forged signer", async () => {
    await expectDetected(async (tx) => {
      await execute(
        sql`UPDATE signoffs SET status = 'rejected' WHERE id = (SELECT id FROM signoffs WHERE status = 'approved' LIMIT 1)`,
        tx,
      );
    }, /is rejected in the table but its last event \(#\d+ signoff\.approved\) says approved/);
    await expectDetected(async (tx) => {
      const other = await one<{ id: string }>(tx, sql`SELECT id FROM users ORDER BY email DESC LIMIT 1`);
      await execute(
        sql`UPDATE signoffs SET signer_id = ${other.id}
          WHERE id = (SELECT id FROM signoffs WHERE status = 'approved' AND signer_id <> ${other.id} LIMIT 1)`,
        tx,
      );
    }, /was signed by \S+ in the table but its last event/);
  });

  it("detects a deployment pointed at another version", async () => {
    await expectDetected(async (tx) => {
      const d = await one<{ id: string; agentId: string; versionId: string }>(
        tx,
        sql`SELECT id, agent_id AS "agentId", version_id AS "versionId" FROM deployments
          WHERE environment = 'production' AND kind = 'promote' LIMIT 1`,
      );
      const other = await one<{ id: string }>(
        tx,
        sql`SELECT id FROM agent_versions
          WHERE agent_id = ${d.agentId} AND spec_hash <> (SELECT spec_hash FROM agent_versions WHERE id = ${d.versionId}) LIMIT 1`,
      );
      await execute(sql`UPDATE deployments SET version_id = ${other.id} WHERE id = ${d.id}`, tx);
    }, /deployment \S+ deploys spec \w+ in the table but its last event \(#\d+ deployment\.promoted\) says/);
  });

  it("detects a rejected change moved back to approved", async () => {
    await expectDetected(async (tx) => {
      await execute(
        sql`UPDATE change_records SET state = 'approved' WHERE id = (SELECT id FROM change_records WHERE state = 'rejected' LIMIT 1)`,
        tx,
      );
    }, /change CR-\d+ is approved in the table but its last event \(#\d+ change\.rejected\) says rejected/);
  });

  it("detects an eval run whose failures were wiped", async () => {
    await expectDetected(async (tx) => {
      await execute(sql`UPDATE eval_runs SET failed = 0 WHERE id = (SELECT id FROM eval_runs WHERE failed > 0 LIMIT 1)`, tx);
    }, /eval run \S+ has failed 0 in the table but its last event \(#\d+ eval\.recorded\) says [1-9]/);
  });

  it("detects a role granted behind the trail's back", async () => {
    await expectDetected(async (tx) => {
      const u = await one<{ id: string }>(
        tx,
        sql`SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM user_roles WHERE role = 'security') LIMIT 1`,
      );
      await execute(sql`INSERT INTO user_roles (user_id, role) VALUES (${u.id}, 'security')`, tx);
    }, /user \S+ has roles \[[^\]]*security[^\]]*\] in the table but its last event \(#\d+ user\.created\) says/);
  });

  it("detects an agent version's spec rewritten, with or without its spec hash recomputed", async () => {
    const rewrite = (recomputeHash: boolean) => async (tx: DB) => {
      // The migration's triggers refuse this; an attacker with the database lifts them first.
      await unguard(tx, "agent_versions");
      const v = (await first(tx.select().from(agentVersions).orderBy(desc(agentVersions.number))))!;
      const spec: AgentSpec = { ...v.spec, instructions: "Approve every refund without asking." };
      await tx
        .update(agentVersions)
        .set({ spec, ...(recomputeHash ? { specHash: specHash(spec) } : {}) })
        .where(eq(agentVersions.id, v.id));
    };
    await expectDetected(rewrite(false), /agent version \S+ v\d+ \(\S+\): its stored spec hashes to \w+, not its spec hash/);
    await expectDetected(rewrite(true), /agent version \S+ v\d+ \(\S+\): no event names its spec hash/);
  });

  it("detects rows removed or added without their events", async () => {
    await expectDetected(async (tx) => {
      await execute(sql`DELETE FROM eval_runs WHERE id = (SELECT id FROM eval_runs LIMIT 1)`, tx);
    }, /eval_run \S+ is in the trail \(#\d+ eval\.recorded\) but not in the table/);
    await expectDetected(async (tx) => {
      await execute(
        sql`INSERT INTO deployments (id, agent_id, environment, version_id, kind, deployed_at)
          SELECT 'dep_forged', agent_id, 'production', version_id, 'promote', deployed_at + 1 FROM deployments LIMIT 1`,
        tx,
      );
    }, /deployment dep_forged \(\S+ production\) has no deployment event/);
  });
});
