import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { doraMetrics, type DoraRange } from "@/lib/domain/dora";
import { PLATFORMS, RISK_LEVELS } from "@/lib/domain/terms";
import { scopedHistory, withoutItems } from "@/lib/testing/dora-reference";
import { seedGeneratedEstate } from "@/lib/testing/generated-estate";
import { userCaller } from "./caller";
import { doraBreakdown, doraNumbersFor, type MetricsScope } from "./metrics";

import { findActiveUser } from "./users";

/*
 * The equivalence of dora-facts.test.ts on a second estate, generated from another seed, with more
 * agents and a longer history than the demo estate: the facts and day sums must not be tuned to one history.
 */

const DAY = 86_400_000;
const UNTIL = Date.UTC(2026, 6, 9, 15, 30);
const end = Math.floor(UNTIL / DAY) * DAY + DAY;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

beforeAll(async () => {
  await seedGeneratedEstate({ agents: 60, months: 15, until: UNTIL, seed: 7 });
});

const ranges: DoraRange[] = [
  { from: end - 182 * DAY, to: end },
  { from: end - 730 * DAY, to: end },
  { from: end - 364 * DAY, to: end - 182 * DAY },
  { from: end - 41 * DAY, to: end - 30 * DAY },
  { from: UNTIL - 211 * DAY + 77_777, to: UNTIL - 5 * DAY - 1 },
];

async function scopes(): Promise<MetricsScope[]> {
  const db = getDb();
  const workflows = await db.query.workflows.findMany({ columns: { slug: true } });
  const agent = (await db.query.agents.findFirst({ columns: { slug: true } }))!;
  return [
    {},
    ...workflows.slice(0, 3).map((w) => ({ workflow: w.slug })),
    ...PLATFORMS.slice(0, 3).map((platform) => ({ platform })),
    ...RISK_LEVELS.map((risk) => ({ risk })),
    { agent: agent.slug },
    { workflow: workflows[0]!.slug, risk: "medium" },
    { platform: PLATFORMS[0], risk: "high" },
  ];
}

describe("on a second, differently seeded estate", () => {
  it("the facts give the numbers doraMetrics gives over the whole history, for every range and scope", async () => {
    const all = await scopedHistory({});
    expect(all.deployments.length).toBeGreaterThan(300);
    for (const scope of await scopes())
      for (const range of ranges) {
        const reference = withoutItems(doraMetrics({ ...(await scopedHistory(scope)), range }));
        expect(await doraNumbersFor(scope, range)).toEqual(reference);
        expect(await doraNumbersFor(scope, range, 0)).toEqual(reference);
      }
  });

  it("each row of the breakdowns is the numbers of that workflow or platform alone", async () => {
    const leader = userCaller((await findActiveUser({ email: "leader@countersign.test" }))!);
    for (const [from, to] of <[number, number][]>[
      [end - 182 * DAY, end],
      [end - 730 * DAY, end],
    ])
      for (const filters of [{}, { risk: "high" as const }]) {
        const range = { from, to };
        const dates = { ...filters, from: iso(from), to: iso(to - DAY) };
        for (const by of ["workflow", "platform"] as const) {
          const rows = await doraBreakdown(leader, dates, by, UNTIL);
          expect(rows.length).toBeGreaterThan(1);
          for (const row of rows) {
            const reference = doraMetrics({ ...(await scopedHistory({ ...filters, [by]: row.key })), range });
            expect(row.releases).toBe(reference.changeFailRate.total);
            expect(row.failed).toBe(reference.changeFailRate.failed);
            expect(row.leadTimeMedianHours).toBe(reference.leadTime.medianHours);
          }
        }
      }
  });
});
