// `npm run bench:compare`: the last `npm run bench -- --engine sqlite` and `--engine postgres` side by side, from
// reports/bench-sqlite.json and reports/bench-postgres.json: each measurement's p95 on both engines, the ratio,
// and whatever answered other than 2xx. Writes reports/bench-compare.md too.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { engineName, ENGINES, markdownGrid, textGrid, type Engine, type Row, type RunRecord } from "./bench/report";
import { ms, seconds } from "./bench/stats";

const ROOT = path.resolve(import.meta.dirname, "..");

function readRun(engine: Engine): RunRecord {
  const file = path.join(ROOT, "reports", `bench-${engine}.json`);
  if (!existsSync(file)) throw new Error(`No ${path.relative(ROOT, file)}: run \`npm run bench -- --engine ${engine}\` first`);
  return JSON.parse(readFileSync(file, "utf8")) as RunRecord;
}

/** The measurements of both runs, in the order they were taken (a row only one run has keeps its place). */
function measurements(runs: RunRecord[]): string[] {
  const names: string[] = [];
  for (const run of runs) for (const row of run.rows) if (!names.includes(row.measurement)) names.push(row.measurement);
  return names;
}

const ratio = (sqlite: number | undefined, postgres: number | undefined) =>
  sqlite === undefined || postgres === undefined || sqlite === 0 ? "–" : `×${(postgres / sqlite).toFixed(2)}`;

const problems = (row: Row | undefined) => (!row ? "not measured" : row.problems?.length ? row.problems.join(", ") : "none");
const verdict = (row: Row | undefined) => (!row ? "–" : row.note ? `${row.verdict} (${row.note})` : row.verdict);

/** Why the two runs may not be comparable: a different estate, load, build or set of measurements. */
function caveats([sqlite, postgres]: RunRecord[]): string[] {
  const found: string[] = [];
  if (sqlite!.agents !== postgres!.agents) found.push(`different estates: ${sqlite!.agents} and ${postgres!.agents} agents`);
  if (sqlite!.duration !== postgres!.duration)
    found.push(`different load: ${sqlite!.duration} s and ${postgres!.duration} s per measurement`);
  if (sqlite!.buildId !== postgres!.buildId) found.push(`different builds of the app: ${sqlite!.buildId} and ${postgres!.buildId}`);
  return found;
}

function main() {
  const runs = ENGINES.map(readRun);
  const [sqlite, postgres] = runs as [RunRecord, RunRecord];
  const rowOf = (run: RunRecord, name: string) => run.rows.find((r) => r.measurement === name);
  const names = measurements(runs);
  // Rows with a latency go in the table; the rest (seeding, the copy, the browser's figures) are listed below it.
  const timed = names.filter((n) => rowOf(sqlite, n)?.p95Ms !== undefined || rowOf(postgres, n)?.p95Ms !== undefined);
  const other = names.filter((n) => !timed.includes(n));

  const header = [
    "measurement",
    "SQLite p95",
    "PostgreSQL p95",
    "PG ÷ SQLite",
    "SQLite problems",
    "PostgreSQL problems",
    "met? SQLite / PostgreSQL",
  ];
  const cells = timed.map((name) => {
    const [s, p] = [rowOf(sqlite, name), rowOf(postgres, name)];
    return [name, ms(s?.p95Ms), ms(p?.p95Ms), ratio(s?.p95Ms, p?.p95Ms), problems(s), problems(p), `${verdict(s)} / ${verdict(p)}`];
  });
  // The same figures on both (the estate's seeding, reused by both runs) are said once.
  const others = other.flatMap((name) => {
    const [s, p] = [rowOf(sqlite, name), rowOf(postgres, name)];
    if (s && p && s.figures === p.figures) return [`${name} — both: ${s.figures}`];
    return runs.flatMap((run) => {
      const row = rowOf(run, name);
      return row ? [`${name} — ${engineName(run.engine)}: ${row.figures}`] : [];
    });
  });
  const runLines = runs.map(
    (run) =>
      `${engineName(run.engine)}: \`${run.command}\`, finished ${run.finishedAt.slice(0, 16)}Z in ${seconds(run.runSeconds)}; ${run.store}; ${run.machine.find((m) => m.startsWith("Load average")) ?? ""}`,
  );
  const warnings = caveats(runs);
  const p95Note = "p95: as the client timed each request (for DORA, the whole call; the server's own time is in each run's report).";

  console.log(runLines.join("\n"));
  if (warnings.length) console.log(`Not comparable as they stand: ${warnings.join("; ")}`);
  console.log(`\n${textGrid(header, cells)}\n\n${p95Note}`);
  if (others.length) console.log(`\n${others.join("\n")}`);

  const file = path.join(ROOT, "reports", "bench-compare.md");
  writeFileSync(
    file,
    [
      `# Benchmark: SQLite and PostgreSQL side by side`,
      "",
      ...runLines.map((l) => `- ${l}`),
      ...(warnings.length ? ["", `**Not comparable as they stand:** ${warnings.join("; ")}.`] : []),
      "",
      markdownGrid(header, cells),
      "",
      p95Note,
      ...(others.length ? ["", ...others.map((l) => `- ${l}`)] : []),
      "",
    ].join("\n"),
  );
  console.log(`\nWritten to ${path.relative(ROOT, file)}`);
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
