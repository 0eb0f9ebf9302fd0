import { desc, eq, sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { first, withTransaction, type DB } from "@/db";
import { agents, auditEvents, changeRecords, incidents } from "@/db/schema";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import { tokenWith } from "@/lib/testing/release-fixtures";
import * as agentSearchRoute from "@/app/api/v1/agent-search/route";
import { agentOption, listAgents, parseAgentFilters, parseAgentSearch, searchAgents } from "./agents";
import { AUDIT_COUNT_CAP, listAuditEvents, parseAuditFilters } from "./audit";
import { userCaller, type Caller } from "./caller";
import { listChanges, parseChangeFilters } from "./change-queries";
import { listIncidents, parseIncidentFilters } from "./incidents";
import { findActiveUser, type CurrentUser } from "./users";

/**
 * Issue 14: the agent pickers search on the server, and each list reads one page off an index, with a total
 * that is cheap to count. These pin what the reader sees: the matches, the pages' boundaries and the totals.
 */

const session = vi.hoisted(() => ({ user: null as CurrentUser | null }));
vi.mock("@/lib/server/auth", () => ({ currentUser: async () => session.user }));

let db: DB;
let auditor: Caller;
beforeAll(async () => {
  db = await seedDemoEstate();
  auditor = userCaller((await findActiveUser({ email: "auditor@countersign.test" }))!);
  await tokenWith(db, "search-reader", ["read"]);
  await tokenWith(db, "search-deployer", ["deploy"]);
});

const search = async (params: Record<string, string>) => (await searchAgents(auditor, parseAgentSearch(params))).map((a) => a.slug);

async function get(path: string, { person, token }: { person?: string; token?: string }) {
  session.user = person ? (await findActiveUser({ email: person }))! : null;
  const headers = new Headers(token ? { authorization: `Bearer cs_${token}` } : {});
  const request = new NextRequest(new URL(path, "http://countersign.test"), { headers });
  const response = await agentSearchRoute.GET(request, { params: Promise.resolve({}) as Promise<never> });
  return { status: response.status, json: (await response.json()) as { items?: { slug: string; name: string }[]; code?: string } };
}

describe("agent search", () => {
  it("finds agents by name or slug prefix first, then by substring, whatever the case", async () => {
    expect((await search({ q: "Refund" }))[0]).toBe("refund-assistant");
    expect(await search({ q: "REFUND-ASS" })).toEqual(["refund-assistant"]);
    expect(await search({ q: "assistant" })).toContain("refund-assistant");
    // "assistant" is inside the name, not its start: a prefix match of another agent comes before it.
    const found = await search({ q: "re" });
    const prefixed = found.filter((slug) => slug.startsWith("re"));
    expect(found.slice(0, prefixed.length)).toEqual(prefixed);
    expect(found.length).toBeGreaterThan(prefixed.length);
  });

  it("matches the slug where the name does not", async () => {
    const agent = (await first(db.select({ slug: agents.slug, name: agents.name }).from(agents).orderBy(agents.slug)))!;
    expect(await search({ q: agent.slug.slice(0, 6).toUpperCase() })).toContain(agent.slug);
  });

  it("lists agents by name up to the limit, and at most 50", async () => {
    const all = (await first(
      db
        .select({ n: sql<number>`COUNT(*)` })
        .from(agents)
        .where(eq(agents.status, "active")),
    ))!.n;
    expect(await search({})).toHaveLength(Math.min(20, all));
    expect(await search({ limit: "3" })).toHaveLength(3);
    const names = (await searchAgents(auditor, parseAgentSearch({ limit: "50" }))).map((a) => a.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, "en", { sensitivity: "base" })));
    expect(() => parseAgentSearch({ limit: "51" })).toThrow(/limit/);
    expect(() => parseAgentSearch({ limit: "0" })).toThrow(/limit/);
  });

  it("takes %, _, quotes and backslashes literally", async () => {
    for (const q of ["%", "_", "'", '"', "\\", "%'; DROP TABLE agents; --", "refund%", "refund_assistant"]) {
      expect(await search({ q })).toEqual([]);
    }
    expect((await first(db.select({ n: sql<number>`COUNT(*)` }).from(agents)))!.n).toBeGreaterThan(0);
  });

  it("offers retired agents only when asked", async () => {
    const slug = "call-notes-digest";
    const setStatus = (status: "active" | "retired") =>
      withTransaction(async (tx) => {
        await tx.update(agents).set({ status }).where(eq(agents.slug, slug));
      });
    await setStatus("retired");
    try {
      expect(await search({ q: slug })).toEqual([]);
      expect(await search({ q: slug, status: "all" })).toEqual([slug]);
    } finally {
      await setStatus("active");
    }
  });

  it("looks up the one agent a filter opens with", async () => {
    expect(await agentOption("refund-assistant")).toMatchObject({ slug: "refund-assistant", name: "Refund Assistant" });
    expect(await agentOption("no-such-agent")).toBeNull();
    expect(await agentOption("")).toBeNull();
  });

  it("answers a person or a read token, and refuses the unauthenticated and tokens without read", async () => {
    const person = await get("/api/v1/agent-search?q=refund&limit=5", { person: "leader@countersign.test" });
    expect(person.status).toBe(200);
    expect(person.json.items!.map((a) => a.slug)).toContain("refund-assistant");
    expect(person.json.items!.length).toBeLessThanOrEqual(5);
    expect((await get("/api/v1/agent-search?q=refund", { token: "search-reader" })).status).toBe(200);
    const deployer = await get("/api/v1/agent-search?q=refund", { token: "search-deployer" });
    expect(deployer.status).toBe(403);
    expect((await get("/api/v1/agent-search?q=refund", {})).status).toBe(401);
    expect((await get("/api/v1/agent-search?limit=500", { person: "leader@countersign.test" })).status).toBe(400);
  });
});

describe("list pages", () => {
  const changes = (params: Record<string, string>) => listChanges(auditor, parseChangeFilters(params));

  it("pages the change records newest first, the same from either end", async () => {
    const all = (
      await db
        .select({ number: changeRecords.number })
        .from(changeRecords)
        .orderBy(desc(changeRecords.createdAt), desc(changeRecords.number))
    ).map((r) => r.number);
    const pageSize = 7;
    const pages = Math.ceil(all.length / pageSize);
    expect(pages).toBeGreaterThan(3);
    const read: number[] = [];
    for (let page = 1; page <= pages; page++) {
      const { items, total } = await changes({ page: String(page), pageSize: String(pageSize) });
      expect(total).toBe(all.length);
      read.push(...items.map((c) => c.number));
    }
    expect(read).toEqual(all);
    expect((await changes({ page: String(pages + 1), pageSize: String(pageSize) })).items).toEqual([]);
  });

  it("counts and pages a filter, including an agent filter and an unknown agent", async () => {
    const agentId = (await first(db.select({ id: agents.id }).from(agents).where(eq(agents.slug, "refund-assistant"))))!.id;
    const mine = (
      await db
        .select({ number: changeRecords.number })
        .from(changeRecords)
        .where(eq(changeRecords.agentId, agentId))
        .orderBy(desc(changeRecords.createdAt), desc(changeRecords.number))
    ).map((r) => r.number);
    expect(mine.length).toBeGreaterThan(1);
    const last = await changes({ agent: "refund-assistant", pageSize: "1", page: String(mine.length) });
    expect(last).toMatchObject({ total: mine.length });
    expect(last.items.map((c) => c.number)).toEqual([mine.at(-1)]);
    expect(await changes({ agent: "no-such-agent" })).toEqual({ items: [], total: 0 });
    const released = await changes({ state: "released", pageSize: "500" });
    expect(released.items.every((c) => c.state === "released")).toBe(true);
    expect(released.items).toHaveLength(released.total);
  });

  it("keeps incidents open first, then newest detected, with an agent filter", async () => {
    const { items, total } = await listIncidents(auditor, parseIncidentFilters({ pageSize: "500" }));
    expect(total).toBe((await first(db.select({ n: sql<number>`COUNT(*)` }).from(incidents)))!.n);
    const openFlags = items.map((i) => i.resolvedAt !== null);
    expect(openFlags).toEqual([...openFlags].sort());
    const slug = items[0]!.agent;
    const ofAgent = await listIncidents(auditor, parseIncidentFilters({ agent: slug }));
    expect(ofAgent.total).toBeGreaterThan(0);
    expect(ofAgent.items.every((i) => i.agent === slug)).toBe(true);
    expect(await listIncidents(auditor, parseIncidentFilters({ agent: "no-such-agent" }))).toEqual({ items: [], total: 0 });
  });

  it("pages the inventory in every sort the same as reading it whole, with the columns of each row", async () => {
    for (const sort of ["name", "lastDeployed", "openChanges", "risk"]) {
      for (const dir of ["asc", "desc"]) {
        const whole = (await listAgents(auditor, parseAgentFilters({ sort, dir }), { all: true })).items;
        const paged = [];
        for (const page of [1, 2, 3, 4, 5])
          paged.push(...(await listAgents(auditor, parseAgentFilters({ sort, dir, pageSize: "5", page: String(page) }))).items);
        expect(paged.map((a) => a.slug)).toEqual(whole.map((a) => a.slug));
        expect(paged).toEqual(whole);
      }
    }
    const { total } = await listAgents(auditor, parseAgentFilters({ platform: "copilot-studio" }));
    expect(total).toBe((await listAgents(auditor, parseAgentFilters({ platform: "copilot-studio" }), { all: true })).items.length);
    expect((await listAgents(auditor, parseAgentFilters({ risk: "critical" }))).total).toBe(6);
  });

  it("pages the whole audit trail by seq, exactly, to its last event", async () => {
    const events = (params: Record<string, string>) => listAuditEvents(auditor, parseAuditFilters(params));
    const count = (await first(db.select({ n: sql<number>`COUNT(*)` }).from(auditEvents)))!.n;
    const firstPage = await events({ pageSize: "10" });
    expect(firstPage).toMatchObject({ total: count, totalExact: true });
    expect(firstPage.items.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => count - i));
    const lastPage = Math.ceil(count / 10);
    const last = await events({ pageSize: "10", page: String(lastPage) });
    expect(last.items.at(-1)!.seq).toBe(1);
    expect(last.items).toHaveLength(count - (lastPage - 1) * 10);
    expect((await events({ pageSize: "10", page: String(lastPage + 1) })).items).toEqual([]);
  });

  it("counts a filtered audit trail exactly up to the cap, and reads families by prefix", async () => {
    const events = (params: Record<string, string>) => listAuditEvents(auditor, parseAuditFilters(params));
    const family = await events({ action: "change.", pageSize: "500" });
    const expected = (await first(
      db
        .select({ n: sql<number>`COUNT(*)` })
        .from(auditEvents)
        .where(sql`${auditEvents.action} LIKE 'change.%'`),
    ))!.n;
    expect(family.total).toBe(Math.min(expected, AUDIT_COUNT_CAP));
    expect(family.totalExact).toBe(expected <= AUDIT_COUNT_CAP);
    expect(family.items.every((e) => e.action.startsWith("change."))).toBe(true);
    expect(family.items.map((e) => e.seq)).toEqual([...family.items.map((e) => e.seq)].sort((a, b) => b - a));
    // "changes." is not the family "change.", and "change" alone is.
    expect((await events({ action: "change" })).total).toBe(family.total);
    expect((await events({ action: "changes." })).total).toBe(0);
  });
});
