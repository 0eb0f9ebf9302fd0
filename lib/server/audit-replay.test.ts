import Database from "better-sqlite3";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sqliteConnection } from "@/db";
import { specHash, type AgentSpec } from "@/lib/domain/spec";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { auditCheckpoint, verifyAuditTrail } from "./audit";

beforeAll(async () => {
  await seedDemoEstate();
});

/** A copy of the seeded estate to tamper with, as someone with write access to the file would. */
function copyOfEstate(): Database.Database {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "countersign-replay-")), "copy.db");
  sqliteConnection().sqlite.prepare("VACUUM INTO ?").run(file);
  const copy = new Database(file);
  copy.pragma("foreign_keys = OFF");
  return copy;
}

const one = <T>(copy: Database.Database, query: string, ...params: unknown[]) => copy.prepare(query).get(...params) as T;

/** Tampers with a fresh copy; verification must fail both alone and against a checkpoint taken before. */
function expectDetected(tamper: (copy: Database.Database) => void, mentions: RegExp) {
  const copy = copyOfEstate();
  const checkpoint = auditCheckpoint(copy);
  tamper(copy);
  for (const result of [verifyAuditTrail(copy), verifyAuditTrail(copy, checkpoint)]) {
    expect(result.ok).toBe(false);
    expect(result.mismatches?.map((m) => m.message).join("\n")).toMatch(mentions);
  }
  copy.close();
}

describe("replaying the audit trail against the tables", () => {
  it("finds the untouched demo estate clean", () => {
    const result = verifyAuditTrail();
    expect(result).toMatchObject({ ok: true, firstBadSeq: null, reason: null });
    expect(result.mismatches).toBeUndefined();
  });

  it("detects a pending sign-off marked approved in the table, naming the row and its last event", () => {
    expectDetected((copy) => {
      const s = one<{ id: string }>(copy, "SELECT id FROM signoffs WHERE status = 'pending' LIMIT 1");
      copy.prepare("UPDATE signoffs SET status = 'approved', signer_id = 'u_mallory' WHERE id = ?").run(s.id);
    }, /signoff \S+ \(CR-\d+ \w+\) is approved in the table but/);
  });

  it("detects an approval turned into a rejection, and a forged signer", () => {
    expectDetected((copy) => {
      copy.prepare("UPDATE signoffs SET status = 'rejected' WHERE id = (SELECT id FROM signoffs WHERE status = 'approved' LIMIT 1)").run();
    }, /is rejected in the table but its last event \(#\d+ signoff\.approved\) says approved/);
    expectDetected((copy) => {
      const other = one<{ id: string }>(copy, "SELECT id FROM users ORDER BY email DESC LIMIT 1");
      copy
        .prepare(
          "UPDATE signoffs SET signer_id = ? WHERE id = (SELECT id FROM signoffs WHERE status = 'approved' AND signer_id <> ? LIMIT 1)",
        )
        .run(other.id, other.id);
    }, /was signed by \S+ in the table but its last event/);
  });

  it("detects a deployment pointed at another version", () => {
    expectDetected((copy) => {
      const d = one<{ id: string; agentId: string; versionId: string }>(
        copy,
        "SELECT id, agent_id AS agentId, version_id AS versionId FROM deployments WHERE environment = 'production' AND kind = 'promote' LIMIT 1",
      );
      const other = one<{ id: string }>(
        copy,
        `SELECT id FROM agent_versions WHERE agent_id = ? AND spec_hash <> (SELECT spec_hash FROM agent_versions WHERE id = ?) LIMIT 1`,
        d.agentId,
        d.versionId,
      );
      copy.prepare("UPDATE deployments SET version_id = ? WHERE id = ?").run(other.id, d.id);
    }, /deployment \S+ deploys spec \w+ in the table but its last event \(#\d+ deployment\.promoted\) says/);
  });

  it("detects a rejected change moved back to approved", () => {
    expectDetected((copy) => {
      copy
        .prepare("UPDATE change_records SET state = 'approved' WHERE id = (SELECT id FROM change_records WHERE state = 'rejected' LIMIT 1)")
        .run();
    }, /change CR-\d+ is approved in the table but its last event \(#\d+ change\.rejected\) says rejected/);
  });

  it("detects an eval run whose failures were wiped", () => {
    expectDetected((copy) => {
      copy.prepare("UPDATE eval_runs SET failed = 0 WHERE id = (SELECT id FROM eval_runs WHERE failed > 0 LIMIT 1)").run();
    }, /eval run \S+ has failed 0 in the table but its last event \(#\d+ eval\.recorded\) says [1-9]/);
  });

  it("detects a role granted behind the trail's back", () => {
    expectDetected((copy) => {
      const u = one<{ id: string }>(
        copy,
        "SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM user_roles WHERE role = 'security') LIMIT 1",
      );
      copy.prepare("INSERT INTO user_roles (user_id, role) VALUES (?, 'security')").run(u.id);
    }, /user \S+ has roles \[[^\]]*security[^\]]*\] in the table but its last event \(#\d+ user\.created\) says/);
  });

  it("detects an agent version's spec rewritten, with or without its spec hash recomputed", () => {
    const rewrite = (recomputeHash: boolean) => (copy: Database.Database) => {
      // The migration's triggers refuse this; an attacker with the file drops them first.
      copy.exec("DROP TRIGGER agent_versions_no_update");
      const v = one<{ id: string; spec: string }>(copy, "SELECT id, spec FROM agent_versions ORDER BY number DESC LIMIT 1");
      const spec = { ...(JSON.parse(v.spec) as AgentSpec), instructions: "Approve every refund without asking." };
      copy.prepare("UPDATE agent_versions SET spec = ? WHERE id = ?").run(JSON.stringify(spec), v.id);
      if (recomputeHash) copy.prepare("UPDATE agent_versions SET spec_hash = ? WHERE id = ?").run(specHash(spec), v.id);
    };
    expectDetected(rewrite(false), /agent version \S+ v\d+ \(\S+\): its stored spec hashes to \w+, not its spec hash/);
    expectDetected(rewrite(true), /agent version \S+ v\d+ \(\S+\): no event names its spec hash/);
  });

  it("detects rows removed or added without their events", () => {
    expectDetected((copy) => {
      copy.prepare("DELETE FROM eval_runs WHERE id = (SELECT id FROM eval_runs LIMIT 1)").run();
    }, /eval_run \S+ is in the trail \(#\d+ eval\.recorded\) but not in the table/);
    expectDetected((copy) => {
      copy
        .prepare(
          `INSERT INTO deployments (id, agent_id, environment, version_id, kind, deployed_at)
           SELECT 'dep_forged', agent_id, 'production', version_id, 'promote', deployed_at + 1 FROM deployments LIMIT 1`,
        )
        .run();
    }, /deployment dep_forged \(\S+ production\) has no deployment event/);
  });
});
