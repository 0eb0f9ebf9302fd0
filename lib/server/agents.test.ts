import { desc, eq, and } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { first, withTransaction, type DB } from "@/db";
import { agents, agentVersions, apiTokens, deployments, userRoles, users } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { listAgents, parseAgentFilters } from "./agents";
import { hashToken, tokenCaller, userCaller, type Caller } from "./caller";
import { findActiveUser, verifyCredentials } from "./users";

let db: DB;
let security: Caller;
beforeAll(async () => {
  db = await seedDemoEstate();
  security = userCaller((await findActiveUser({ email: "security@countersign.test" }))!);
});

const list = (params: Record<string, string> = {}, caller = security) => listAgents(caller, parseAgentFilters(params));

describe("listAgents", () => {
  it("lists every active agent, 50 to a page by default, sorted by name", async () => {
    const { items, total } = await list();
    expect(total).toBe(24);
    expect(items).toHaveLength(24);
    const names = items.map((a) => a.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, "en", { sensitivity: "base" })));
  });

  it("shows, for each environment, the version of its latest deployment", async () => {
    const agent = (await first(db.select().from(agents).where(eq(agents.slug, "refund-assistant"))))!;
    const latest = (await first(
      db
        .select({ number: agentVersions.number, specHash: agentVersions.specHash, at: deployments.deployedAt })
        .from(deployments)
        .innerJoin(agentVersions, eq(agentVersions.id, deployments.versionId))
        .where(and(eq(deployments.agentId, agent.id), eq(deployments.environment, "production")))
        .orderBy(desc(deployments.deployedAt)),
    ))!;
    const row = (await list({ q: "refund-assistant" })).items.find((a) => a.slug === "refund-assistant")!;
    expect(row.environments.production).toEqual({ version: latest.number, specHash: latest.specHash, deployedAt: latest.at });
    expect(row.workflow).toEqual({ slug: "refunds", name: "Refunds", riskClass: "high" });
    expect(row.platform).toBe("openai-agents");
  });

  it("narrows by search, platform, workflow and risk class, and counts the matches", async () => {
    expect((await list({ q: "refund" })).items.map((a) => a.slug)).toContain("refund-assistant");
    expect((await list({ q: "refund" })).total).toBeLessThan(24);
    expect((await list({ platform: "copilot-studio" })).items.every((a) => a.platform === "copilot-studio")).toBe(true);
    expect((await list({ workflow: "account-notes" })).items.map((a) => a.slug).sort()).toEqual([
      "account-notes-summarizer",
      "call-notes-digest",
      "meeting-brief-writer",
    ]);
    const critical = await list({ risk: "critical" });
    expect(critical.total).toBe(6);
    expect(critical.items.every((a) => a.workflow.riskClass === "critical")).toBe(true);
    expect(await list({ q: "no agent is called this" })).toEqual({ items: [], total: 0 });
  });

  it("treats search wildcards literally", async () => {
    expect((await list({ q: "%" })).total).toBe(0);
    expect((await list({ q: "_" })).total).toBe(0);
  });

  it("sorts by risk and by open changes, either way, and pages", async () => {
    const byRisk = (await list({ sort: "risk", dir: "desc" })).items;
    expect(byRisk[0]!.workflow.riskClass).toBe("critical");
    expect(byRisk.at(-1)!.workflow.riskClass).toBe("low");
    const open = (await list({ sort: "openChanges", dir: "desc" })).items.map((a) => a.openChanges);
    expect(open).toEqual([...open].sort((a, b) => b - a));
    const page2 = await list({ pageSize: "10", page: "2" });
    expect(page2.total).toBe(24);
    expect(page2.items.map((a) => a.slug)).toEqual((await list()).items.slice(10, 20).map((a) => a.slug));
  });

  it("rejects malformed filters with a message naming the parameter", () => {
    const bad = (params: Record<string, string>) => {
      try {
        parseAgentFilters(params);
      } catch (error) {
        return error as AppError;
      }
      throw new Error("expected a rejection");
    };
    expect(bad({ platform: "myspace" })).toMatchObject({ code: "bad_request", details: { parameter: "platform" } });
    expect(bad({ page: "0" })).toMatchObject({ code: "bad_request", message: "page must be a whole number from 1" });
    expect(bad({ pageSize: "501" })).toMatchObject({ details: { parameter: "pageSize" } });
    expect(bad({ sort: "hash" }).message).toMatch(/^sort must be one of/);
  });

  it("lets an API token read only with the read scope", async () => {
    const insert = (name: string, scopes: ("read" | "deploy")[], token: string) =>
      withTransaction(async (tx) => {
        await tx
          .insert(apiTokens)
          .values({ id: `tok_${name}`, name, tokenHash: hashToken(token), scopes, createdById: "usr_admin", createdAt: Date.now() });
      });
    await insert("reader", ["read"], "cs_reader_secret");
    await insert("deployer", ["deploy"], "cs_deployer_secret");
    expect((await list({}, (await tokenCaller("cs_reader_secret"))!)).total).toBe(24);
    await expect(list({}, (await tokenCaller("cs_deployer_secret"))!)).rejects.toThrow(/lacks the read scope/);
    expect(await tokenCaller("cs_unknown")).toBeNull();
  });
});

describe("sign-in", () => {
  it("accepts the right password, refuses a wrong one or an unknown email, and reads roles from the database", async () => {
    expect(await verifyCredentials("Security@Countersign.test ", "countersign-demo")).toMatchObject({
      email: "security@countersign.test",
      roles: ["security"],
    });
    expect(await verifyCredentials("security@countersign.test", "wrong")).toBeNull();
    expect(await verifyCredentials("nobody@countersign.test", "countersign-demo")).toBeNull();
  });

  it("shuts out a disabled person at once, and sees a removed role at once", async () => {
    await withTransaction(async (tx) => {
      await tx.update(users).set({ disabled: true }).where(eq(users.email, "leader@countersign.test"));
    });
    expect(await findActiveUser({ id: "usr_leader" })).toBeNull();
    expect(await verifyCredentials("leader@countersign.test", "countersign-demo")).toBeNull();
    await withTransaction(async (tx) => {
      await tx.delete(userRoles).where(eq(userRoles.userId, "usr_auditor"));
    });
    expect((await findActiveUser({ id: "usr_auditor" }))?.roles).toEqual([]);
  });
});
