// `npm run bench`: issue 14's performance budgets, measured against a large seeded estate. A benchmark, not a
// test: it reports every figure against its budget and exits non-zero only when it cannot run at all.
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { issueBenchToken, signIn } from "./bench/auth";
import { launchBrowser, loadPage, type PageLoad } from "./bench/browser";
import { copyEstate, prepareEstate, type Estate } from "./bench/estate";
import { load, probe, sequential, type LoadResult, type Target } from "./bench/load";
import { describeMachine } from "./bench/machine";
import { engineName, ENGINES, markdownTable, textTable, type Engine, type Row, type RunRecord } from "./bench/report";
import { buildIfNeeded, killGroupNow, startServer, type Server } from "./bench/server";
import { kb, ms, percentile, seconds } from "./bench/stats";
import {
  copyToPostgres,
  describePostgres,
  postgresReader,
  SQLITE_STORE,
  sqliteReader,
  type CopyFigures,
  type StoreReader,
} from "./bench/store";
import { startTestPostgres, type TestPostgres } from "../lib/testing/postgres";

const usage = `Usage: npm run bench -- [--engine sqlite|postgres] [--agents N] [--reseed] [--duration S] [--only pages|api|writers|browser] [--timeout S]

  --engine E     the store the app runs on: sqlite (default), or postgres (the estate copied into a throwaway
                 PostgreSQL cluster, or into a fresh database on DATABASE_URL_TEST's server when that is set)
  --agents N     estate size: 500, 5000 (default) or 20000 (any whole number works)
  --reseed       seed the estate afresh even when a matching one exists under data/bench/
  --duration S   seconds of load per measurement (default 5)
  --only WHAT    one group of measurements (pages, api, writers, browser; comma-separated for several)
  --timeout S    longest wait for one request (default 60); a slower page is reported as "> S s"
  --port P       where the app listens (default 3540)
  --no-build     use the build there is even when the code is newer (to compare engines on one build)

Each run writes reports/bench-<engine>.md and .json; \`npm run bench:compare\` sets the two engines side by side.`;

const ROOT = path.resolve(import.meta.dirname, "..");
const GROUPS = ["pages", "api", "writers", "browser"] as const;
type Group = (typeof GROUPS)[number];

const BUDGET = {
  apiP95: 30,
  doraMs: 50,
  htmlBytes: 200 * 1024,
  jsGzipBytes: 200 * 1024,
  writersP95: 50,
  seedSeconds: 60,
  // "Bounded memory" made concrete: the seeding process stays under 1 GiB resident.
  seedRssMiB: 1024,
};

const PEOPLE = {
  engineer: "engineer@countersign.test",
  signer: "security@countersign.test",
  leader: "leader@countersign.test",
  auditor: "auditor@countersign.test",
} as const;
type Person = keyof typeof PEOPLE;

function options() {
  const { values } = parseArgs({
    options: {
      agents: { type: "string", default: "5000" },
      reseed: { type: "boolean", default: false },
      duration: { type: "string", default: "5" },
      only: { type: "string" },
      timeout: { type: "string", default: "60" },
      port: { type: "string", default: "3540" },
      engine: { type: "string", default: "sqlite" },
      "no-build": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const whole = (name: string, value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number of at least 1 (got "${value}")\n\n${usage}`);
    return n;
  };
  const only = values.only?.split(",").map((s) => s.trim()) ?? [...GROUPS];
  const unknown = only.filter((g) => !(GROUPS as readonly string[]).includes(g));
  if (unknown.length) throw new Error(`--only takes ${GROUPS.join(", ")} (got "${unknown.join(", ")}")\n\n${usage}`);
  if (!(ENGINES as readonly string[]).includes(values.engine))
    throw new Error(`--engine takes ${ENGINES.join(" or ")} (got "${values.engine}")\n\n${usage}`);
  return {
    engine: values.engine as Engine,
    build: !values["no-build"],
    agents: whole("agents", values.agents),
    reseed: values.reseed,
    duration: whole("duration", values.duration),
    timeout: whole("timeout", values.timeout),
    port: whole("port", values.port),
    groups: new Set(only as Group[]),
  };
}

/** Rows of the estate that pages and API paths need: a busy agent, the newest change, an agent to write against. */
async function fixtures(store: StoreReader) {
  const [agent] = await store.query<{ slug: string }>(
    "select a.slug from agents a join agent_versions v on v.agent_id = a.id group by a.id order by count(*) desc, a.slug limit 1",
  );
  const [change] = await store.query<{ n: number }>("select max(number) as n from change_records");
  if (!agent || !change) throw new Error("The estate has no agent with versions, or no change");
  return { agent: agent.slug, change: `CR-${change.n}` };
}

async function countIncidents(store: StoreReader): Promise<number> {
  const [row] = await store.query<{ n: number | string }>("select count(*) as n from incidents");
  return Number(row?.n);
}

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** What went wrong in a load: answers other than 2xx, connection errors, requests over the cap. */
function problemsOf(r: LoadResult): string[] {
  const problems: string[] = [];
  const bad = Object.entries(r.statusCounts).filter(([code]) => !code.startsWith("2"));
  if (bad.length) problems.push(`status ${bad.map(([c, n]) => `${c}×${n}`).join(" ")}`);
  if (r.errors) problems.push(`${r.errors} errors`);
  if (r.timeouts) problems.push(`${r.timeouts} timed out`);
  return problems;
}

function figures(r: LoadResult, extra: string[] = []): string {
  const sequentially = r.method.includes("sequential");
  const parts = [
    `p50 ${ms(r.p50)} · p95 ${ms(r.p95)} · p99 ${ms(r.p99)}`,
    ...(sequentially ? [] : [`${r.requestsPerSecond.toFixed(1)} req/s`]),
    ...extra,
    ...problemsOf(r),
  ];
  // The usual method (4 connections for --duration) is said once above the table; others are named here.
  if (!/^autocannon 4 conn × \d+ s$/.test(r.method)) parts.push(`[${r.method}]`);
  return parts.join(", ");
}

function seedRow(estate: Estate): Row {
  const { stamp } = estate;
  const rss = stamp.peakRssMiB === null ? "peak RSS unknown" : `peak RSS ${Math.round(stamp.peakRssMiB)} MiB`;
  const met = stamp.seconds <= BUDGET.seedSeconds && stamp.peakRssMiB !== null && stamp.peakRssMiB <= BUDGET.seedRssMiB;
  const when = estate.seededNow ? "seeded now" : `seeded ${stamp.seededAt.slice(0, 16)}Z and reused; --reseed measures again`;
  return {
    measurement: `Seed ${stamp.agents} agents × ${stamp.months} months`,
    figures: `${seconds(stamp.seconds)}, ${rss} (${when})`,
    budget: `≤ ${BUDGET.seedSeconds} s, peak RSS ≤ ${BUDGET.seedRssMiB} MiB`,
    verdict: met ? "met" : "missed",
  };
}

function copyRow(copied: CopyFigures): Row {
  return {
    measurement: "Copy the estate into PostgreSQL (db/copy.ts, one transaction, audit chain verified on arrival)",
    figures: `${copied.rows} rows (${copied.auditEvents} audit events) in ${seconds(copied.copySeconds)}; ANALYZE ${seconds(copied.analyseSeconds)}`,
    budget: "(setup; no budget)",
    verdict: "n/a",
  };
}

async function main() {
  const opts = options();
  // The schema facade picks PostgreSQL's tables when DATABASE_URL is set, and this process writes the token into
  // SQLite: the store is chosen with --engine, never inherited.
  if (process.env.DATABASE_URL?.trim()) throw new Error("Unset DATABASE_URL: the benchmark chooses its store with --engine.");
  const startedAt = performance.now();
  const machine = describeMachine();
  console.log(machine.join("\n") + "\n");

  const runDir = path.join(ROOT, "data", "bench", `run-${opts.port}`);
  const serverLog = path.join(runDir, "server.log");
  const reportBase = path.join(ROOT, "reports", `bench-${opts.engine}`);
  let server: Server | undefined;
  let postgres: TestPostgres | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      console.error(`\n${signal}: stopping the app${postgres ? " and PostgreSQL" : ""} and cleaning up`);
      killGroupNow(server?.pid);
      // A throwaway cluster stops itself on exit too; a database on DATABASE_URL_TEST's server needs dropping.
      const stopped = postgres?.stop().catch(() => undefined);
      void Promise.race([stopped, new Promise((r) => setTimeout(r, 5000))]).finally(() => {
        rmSync(runDir, { recursive: true, force: true });
        process.exit(130);
      });
    });
  }

  const rows: Row[] = [];
  let storeDescription = SQLITE_STORE;
  try {
    const estate = await prepareEstate(ROOT, opts.agents, opts.reseed);
    rows.push(seedRow(estate));
    console.log(`Estate: ${path.relative(ROOT, estate.file)} (${estate.stamp.agents} agents until ${estate.stamp.until})`);

    const database = path.join(runDir, "countersign.db");
    await copyEstate(estate.file, database);
    const token = await issueBenchToken(database);
    console.log(`Working on a copy: ${path.relative(ROOT, database)}`);
    console.log("API token: issued straight into the copy as the admin (same format, hash and audit event as Settings → API tokens)");

    if (opts.build) buildIfNeeded(ROOT);
    else if (!existsSync(path.join(ROOT, ".next", "BUILD_ID")))
      throw new Error("--no-build, but there is no build: run `next build` first");

    // What the app is started with, and where the benchmark reads rows it checks (the writers' incidents).
    let storeEnv: Record<string, string>;
    let reader: StoreReader;
    if (opts.engine === "postgres") {
      console.log("Starting a throwaway PostgreSQL and copying the estate (with the token) into it…");
      postgres = await startTestPostgres(`countersign_bench_${process.pid}`);
      const copied = await copyToPostgres(database, postgres.url);
      rows.push(copyRow(copied));
      storeDescription = await describePostgres(postgres.url);
      console.log(`Copied: ${copyRow(copied).figures}`);
      // DATABASE_PATH too, so nothing the app might still put beside its SQLite file lands in data/.
      storeEnv = { DATABASE_URL: postgres.url, DATABASE_PATH: database };
      reader = postgresReader(postgres.url);
    } else {
      // Empty, not absent: `next start` loads .env files, whose DATABASE_URL would otherwise switch the app to PostgreSQL.
      storeEnv = { DATABASE_PATH: database, DATABASE_URL: "" };
      reader = sqliteReader(database);
    }
    console.log(`Store: ${storeDescription}`);
    const fx = await fixtures(reader);
    console.log(`Busiest agent ${fx.agent}, newest change ${fx.change}\n`);

    const authSecret = randomBytes(32).toString("base64url");
    const start = () => startServer({ root: ROOT, store: storeEnv, port: opts.port, authSecret, log: serverLog });
    server = await start();
    console.log(`App on ${server.base} (log: ${path.relative(ROOT, serverLog)}, kept as ${path.relative(ROOT, reportBase)}.server.log)`);

    // A request over the cap leaves the server still working on it: restart, so it cannot slow what follows.
    const restart = async (why: string) => {
      console.log(`  restarting the app (${why})`);
      await server?.stop();
      server = await start();
    };

    const cookies = {} as Record<Person, string>;
    for (const [person, email] of Object.entries(PEOPLE) as [Person, string][]) cookies[person] = await signIn(server.base, email);
    console.log(`Signed in over HTTP as ${Object.values(PEOPLE).join(", ")}\n`);

    const base = () => server!.base;
    const d = opts.duration;
    const conn = 4;

    console.log("Floor: /api/health");
    const floor = await load({ url: `${base()}/api/health` }, { connections: conn, duration: d, timeoutSeconds: opts.timeout });
    const floorP95 = floor.p95 ?? 0;
    const pageBudget = 2 * floorP95 + 50;
    rows.push({
      measurement: "Floor GET /api/health",
      figures: figures(floor),
      budget: "(the floor)",
      verdict: "n/a",
      p95Ms: floor.p95,
      problems: problemsOf(floor),
    });

    /**
     * A fixed duration drops the requests still in flight when it ends, which biases a slow page towards its
     * fast answers; so a target slower than 250 ms gets a fixed count instead, about `--duration`'s worth.
     */
    const loadPlan = (probeMs: number) =>
      probeMs > 250
        ? { connections: conn, amount: Math.max(2 * conn, Math.round((d * 1000) / probeMs)), timeoutSeconds: opts.timeout }
        : { connections: conn, duration: d, timeoutSeconds: opts.timeout };

    /** Probe first (HTML size, a cap on a runaway page), then load-test, or time a few in a row when too slow for load. */
    const measure = async (label: string, target: Target, budgetMs: number, htmlBudget?: number): Promise<Row> => {
      console.log(label);
      const first = await probe(target, opts.timeout);
      const budget = `p95 ≤ ${ms(budgetMs)}` + (htmlBudget ? `; HTML ≤ ${kb(htmlBudget)}` : "");
      if ("timedOut" in first) {
        await restart(`${label} took over ${opts.timeout} s`);
        return {
          measurement: label,
          figures: `timed out: > ${opts.timeout} s for one request`,
          budget,
          verdict: "missed",
          problems: [`timed out (> ${opts.timeout} s)`],
        };
      }
      if (first.status !== 200)
        return {
          measurement: label,
          figures: `answered ${first.status}`,
          budget,
          verdict: "missed",
          note: "not measured",
          problems: [`answered ${first.status}`],
        };
      // The first request also warms the route up; a quick one is asked again so a cold start does not set the plan.
      const again = first.ms <= 2000 ? await probe(target, opts.timeout) : first;
      const typical = "timedOut" in again ? first.ms : Math.min(first.ms, again.ms);
      const result =
        typical > 2000 ? await sequential(target, first.ms, opts.timeout, Math.max(30, 3 * d)) : await load(target, loadPlan(typical));
      if (result.timeouts > 0) await restart(`${label}: ${result.timeouts} requests over ${opts.timeout} s`);
      const missed: string[] = [];
      if (result.p95 === undefined || result.p95 > budgetMs) missed.push("p95");
      if (htmlBudget && first.bytes > htmlBudget) missed.push("HTML");
      const size = htmlBudget ? `HTML ${kb(first.bytes)}` : `${kb(first.bytes)} body`;
      return {
        measurement: label,
        figures: figures(result, [size]),
        budget,
        verdict: missed.length ? "missed" : "met",
        note: missed.length ? missed.join(", ") : undefined,
        p95Ms: result.p95,
        problems: problemsOf(result),
      };
    };

    const twoYearsBack = day(-730);
    const pages: [string, Person][] = [
      ["/", "leader"],
      ["/", "signer"],
      ["/agents", "engineer"],
      [`/agents/${fx.agent}`, "engineer"],
      ["/changes", "engineer"],
      ["/changes", "signer"],
      [`/changes/${fx.change}`, "engineer"],
      [`/changes/${fx.change}`, "signer"],
      ["/signoffs", "signer"],
      ["/incidents", "engineer"],
      ["/audit", "auditor"],
      ["/audit/evidence", "auditor"],
      ["/metrics", "leader"],
      [`/metrics?from=${twoYearsBack}&to=${day(0)}`, "leader"],
    ];
    const timedOutRoutes = new Set<string>();
    if (opts.groups.has("pages")) {
      for (const [route, person] of pages) {
        const row = await measure(
          `Page ${route} as ${PEOPLE[person].split("@")[0]}`,
          { url: base() + route, headers: { Cookie: cookies[person] } },
          pageBudget,
          BUDGET.htmlBytes,
        );
        row.budget = `p95 ≤ 2×floor+50 = ${ms(pageBudget)}; HTML ≤ 200 KB`;
        if (row.figures.startsWith("timed out")) timedOutRoutes.add(route);
        rows.push(row);
      }
    }

    const bearer = { Authorization: `Bearer ${token}` };
    if (opts.groups.has("api")) {
      const reads = [
        "/api/v1/agents",
        `/api/v1/agents/${fx.agent}`,
        "/api/v1/changes",
        `/api/v1/changes/${fx.change}`,
        "/api/v1/incidents",
        "/api/v1/deployments",
        `/api/v1/audit?from=${day(-30)}`,
        "/api/v1/metrics/dora",
      ];
      for (const route of reads) {
        rows.push(await measure(`API GET ${route}`, { url: base() + route, headers: bearer }, BUDGET.apiP95));
      }
      // The server says how long the metrics took (Server-Timing: dora;dur=…): that is the budget's figure.
      const dora = `/api/v1/metrics/dora?from=${twoYearsBack}&to=${day(0)}`;
      const doraLabel = "DORA over two years (server time, Server-Timing; 10 calls one at a time)";
      console.log(`DORA over two years: ${dora}`);
      const first = await probe({ url: base() + dora, headers: bearer }, opts.timeout);
      if ("timedOut" in first) {
        await restart("DORA over two years timed out");
        rows.push({
          measurement: doraLabel,
          figures: `whole call > ${opts.timeout} s`,
          budget: `median ≤ ${BUDGET.doraMs} ms`,
          verdict: "missed",
          problems: [`timed out (> ${opts.timeout} s)`],
        });
      } else {
        const timed =
          first.ms > 2000
            ? await sequential({ url: base() + dora, headers: bearer }, first.ms, opts.timeout, 30)
            : await load({ url: base() + dora, headers: bearer }, { connections: 1, amount: 20, timeoutSeconds: opts.timeout });
        if (timed.timeouts > 0) await restart(`DORA over two years: ${timed.timeouts} requests over ${opts.timeout} s`);
        const durations: number[] = [];
        for (let i = 0; i < 10; i++) {
          const answer = await probe({ url: base() + dora, headers: bearer }, opts.timeout);
          const dur = "timedOut" in answer ? null : /dora;dur=([\d.]+)/.exec(answer.headers.get("server-timing") ?? "");
          if (dur) durations.push(Number(dur[1]));
        }
        const server = percentile(durations, 50);
        rows.push({
          measurement: doraLabel,
          figures: `server p50 ${ms(server)} · p95 ${ms(percentile(durations, 95))}; whole call ${figures(timed)}`,
          budget: `median ≤ ${BUDGET.doraMs} ms`,
          verdict: server !== undefined && server <= BUDGET.doraMs ? "met" : "missed",
          // The whole call's p95, like every other row's: the server's own time is in the figures.
          p95Ms: timed.p95,
          problems: problemsOf(timed),
        });
      }
    }

    if (opts.groups.has("writers")) {
      const amount = 400;
      console.log(`Writers: 16 connections opening ${amount} incidents through POST /api/v1/incidents`);
      const before = await countIncidents(reader);
      const result = await load(
        {
          url: `${base()}/api/v1/incidents`,
          method: "POST",
          headers: { ...bearer, "Content-Type": "application/json" },
          body: JSON.stringify({ agent: fx.agent, severity: "sev4", title: "Benchmark incident (concurrent writers)" }),
        },
        { connections: 16, amount, timeoutSeconds: opts.timeout },
      );
      const created = result.statusCounts["201"] ?? 0;
      const added = (await countIncidents(reader)) - before;
      // Lost: acknowledged (201) but not in the table. Refused: answered otherwise (e.g. 503 when the write lock waits too long).
      const lost = Math.max(0, created - added);
      const refused = amount - created;
      const p95Met = result.p95 !== undefined && result.p95 <= BUDGET.writersP95;
      const missed = [p95Met ? "" : "p95", lost ? `${lost} lost` : "", refused ? `${refused} refused` : ""].filter(Boolean);
      rows.push({
        measurement: `16 concurrent writers, ${amount} × POST /api/v1/incidents`,
        figures: figures(result, [`${created} answered 201, ${added} rows added`]),
        budget: `p95 ≤ ${BUDGET.writersP95} ms; nothing lost`,
        verdict: missed.length ? "missed" : "met",
        note: missed.join(", ") || undefined,
        p95Ms: result.p95,
        problems: [...problemsOf(result), ...(lost ? [`${lost} lost`] : [])],
      });
      if (result.timeouts > 0) await restart(`writers: ${result.timeouts} requests over ${opts.timeout} s`);
    }

    if (opts.groups.has("browser")) {
      console.log("Browser: LCP and first-load JS in headless Chromium");
      browser = await launchBrowser();
      // Each route once (a query string loads the same JavaScript), as the first person listed for it.
      const pathOf = (route: string) => route.split("?")[0];
      const routes = pages.filter(([route], i) => pages.findIndex(([r]) => pathOf(r) === pathOf(route)) === i);
      const loads: PageLoad[] = [];
      for (const [route, person] of routes) {
        if (timedOutRoutes.has(route)) {
          loads.push({ url: route, error: `not loaded: the page took over ${opts.timeout} s over HTTP` });
          continue;
        }
        console.log(`  ${route}`);
        const result = await loadPage(browser, base(), route, cookies[person], opts.timeout * 1000);
        if ("error" in result && /Timeout/i.test(result.error)) await restart(`${route} timed out in the browser`);
        loads.push(result);
      }
      for (const route of ["/agents", "/metrics"]) {
        const l = loads.find((x) => x.url === route);
        rows.push({
          measurement: `LCP ${route} (headless Chromium, cold context)`,
          figures: !l ? "–" : "error" in l ? l.error : ms(l.lcpMs),
          budget: "no budget in issue 14",
          verdict: "n/a",
        });
      }
      for (const l of loads) {
        rows.push(
          "error" in l
            ? { measurement: `First-load JS ${l.url}`, figures: l.error, budget: "≤ 200 KB gzip", verdict: "n/a", note: "not measured" }
            : {
                measurement: `First-load JS ${l.url}`,
                figures: `${kb(l.jsGzipBytes)} gzip in ${l.jsFiles} scripts`,
                budget: "≤ 200 KB gzip",
                verdict: l.jsGzipBytes <= BUDGET.jsGzipBytes ? "met" : "missed",
              },
        );
      }
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    await postgres?.stop();
    // The app's log says why a request failed (a 500's stack): kept beside the report, as the run's folder goes.
    mkdirSync(path.dirname(reportBase), { recursive: true });
    if (existsSync(serverLog)) copyFileSync(serverLog, `${reportBase}.server.log`);
    rmSync(runDir, { recursive: true, force: true });
  }

  const runTime = (performance.now() - startedAt) / 1000;
  const method = `Load: autocannon, 4 connections, ${opts.duration} s per measurement (a fixed count of about that much for targets over 250 ms); other methods are named in the row.`;
  const table = textTable(rows);
  console.log(`\nStore: ${storeDescription}\n${method}\n\n${table}\n\n${machine.join("\n")}\nRun time: ${seconds(runTime)}`);
  const missed = rows.filter((r) => r.verdict === "missed").length;
  console.log(`${rows.filter((r) => r.verdict === "met").length} budgets met, ${missed} missed`);

  const command = ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" ");
  const buildIdFile = path.join(ROOT, ".next", "BUILD_ID");
  const record: RunRecord = {
    engine: opts.engine,
    store: storeDescription,
    command,
    finishedAt: new Date().toISOString(),
    runSeconds: runTime,
    agents: opts.agents,
    duration: opts.duration,
    buildId: existsSync(buildIdFile) ? readFileSync(buildIdFile, "utf8").trim() : null,
    method,
    machine,
    rows,
  };
  mkdirSync(path.dirname(reportBase), { recursive: true });
  writeFileSync(`${reportBase}.json`, JSON.stringify(record, null, 2) + "\n");
  writeFileSync(
    `${reportBase}.md`,
    [
      `# Benchmark on ${engineName(opts.engine)} — ${record.finishedAt.slice(0, 16)}Z`,
      "",
      `\`${command}\`; run time ${seconds(runTime)}.`,
      "",
      `Store: ${storeDescription}.`,
      "",
      method,
      "",
      markdownTable(rows),
      "",
      ...machine.map((m) => `- ${m}`),
      "",
    ].join("\n"),
  );
  console.log(`Table written to ${path.relative(ROOT, reportBase)}.md, rows to ${path.relative(ROOT, reportBase)}.json`);
}

main().catch((error: unknown) => {
  console.error(`The benchmark could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
