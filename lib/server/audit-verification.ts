import "server-only";
import { desc, eq } from "drizzle-orm";
import path from "node:path";
import { first, getConnection, getDb, outsideSnapshot, sqliteOf, withTransaction, type DB } from "@/db";
import type { AuditVerification } from "@/db/audit-verify";
import { verifyAuditStore } from "@/db/audit-verify-store";
import { auditEvents, settings } from "@/db/schema";
import { GENESIS_HASH, type ChainCheckpoint } from "@/lib/domain/audit-chain";
import type { ReplayMismatch } from "@/lib/domain/audit-replay";
import { verifyAndReplayStore, type VerificationProgress } from "./audit-replay";
import { reportAuditVerification } from "./audit-watch";
import { assertCanRead, type Caller } from "./caller";

/**
 * Verifying the audit trail without stalling the server. A full verification (the chain from genesis,
 * then the replay of the trail against the tables) reads every event. On a SQLite file it runs in a worker
 * thread on a read-only connection of its own, since each SQLite read holds the thread that makes it; on
 * PostgreSQL it runs here, in a read snapshot, its reads awaited while the server goes on. Its verdict is
 * kept in the `settings` table. A request verifies only what was appended since the last verified head, so
 * it costs what was appended, not the trail's length. That proves nothing new about older events, so the
 * status always says how old the last full verification is, a reader may start one at any time, and one
 * starts by itself once the last is a day old.
 */

/** The verdict of the last full verification, as kept. */
export type FullVerification = {
  ok: boolean;
  count: number;
  headHash: string;
  firstBadSeq: number | null;
  reason: string | null;
  /** How many table rows disagree with the trail (the verify command lists them). */
  mismatches: number;
  startedAt: string;
  finishedAt: string;
};

export type AuditChainStatus = {
  /** Intact as far as verified: the last full verification passed and everything appended since follows from it. */
  ok: boolean;
  /** The trail's head as stored now. */
  count: number;
  headHash: string;
  firstBadSeq: number | null;
  reason: string | null;
  /** The last full verification (null: none yet). */
  full: FullVerification | null;
  /** Events after the last full verification that were verified incrementally (the last `checkedNow` of them by this request). */
  sinceFull: { from: number; to: number; checkedNow: number } | null;
  /** A full verification running now, with its progress. */
  running: { startedAt: string; checked: number; total: number; replaying: boolean } | null;
  /** One sentence an auditor can read. */
  summary: string;
};

const FULL = "audit.verification.full";
const THROUGH = "audit.verification.through";
/** A full verification older than this is started again by the next status read. */
const FULL_MAX_AGE_MS = 24 * 3_600_000;
/** More events appended than this since the last verified head are left to a full verification in the background. */
const INLINE_LIMIT = 50_000;

type Through = ChainCheckpoint & { at: string };

async function readSetting<T>(db: DB, key: string): Promise<T | null> {
  const row = await first(db.select({ value: settings.value }).from(settings).where(eq(settings.key, key)));
  if (!row) return null;
  try {
    return JSON.parse(row.value) as T;
  } catch {
    return null;
  }
}

/** Only this module writes these keys, with verdicts it computed itself: nothing from a request is stored. */
async function writeSetting(key: string, value: unknown, now = Date.now()): Promise<void> {
  const text = JSON.stringify(value);
  // A verdict on events already appended holds whatever the read around it does: recorded on its own.
  await outsideSnapshot(() =>
    withTransaction(async (tx) => {
      await tx
        .insert(settings)
        .values({ key, value: text, updatedAt: now })
        .onConflictDoUpdate({ target: settings.key, set: { value: text, updatedAt: now } });
    }),
  );
}

type Job = {
  startedAt: string;
  checked: number;
  total: number;
  replaying: boolean;
  /** The verdict with every row the replay found disagreeing. */
  done: Promise<FullResult>;
};
export type FullResult = AuditVerification & { mismatches?: ReplayMismatch[] };
const holder = globalThis as typeof globalThis & { countersignVerification?: Job };

/** Where the worker script lives: a plain .mjs under the project, resolved at run time so no bundler moves it. */
function workerPath(): string {
  return path.join(process.cwd(), "db", "audit-verify-worker.mjs");
}

/**
 * Runs a full verification in a worker thread, of a SQLite database file or a PostgreSQL database (on a
 * connection of its own): the calling thread only receives its progress and its verdict, and goes on serving
 * meanwhile. Checking a large trail is seconds of hashing: on the request thread it would stall every request.
 */
export function verifyInWorker(
  store: { databasePath: string } | { databaseUrl: string },
  onProgress: (progress: VerificationProgress) => void = () => {},
): Promise<FullResult> {
  return new Promise<FullResult>((resolve, reject) => {
    // Taken from Node at run time rather than imported, so that the bundler does not follow the worker's path
    // and bundle it: the worker is plain JavaScript that loads its TypeScript through tsx when it starts.
    if (typeof process.getBuiltinModule !== "function") {
      return reject(new Error("Verifying in the background needs Node.js 20.16 or later (process.getBuiltinModule)"));
    }
    const { Worker } = process.getBuiltinModule("node:worker_threads");
    const worker = new Worker(workerPath(), {
      workerData: { ...store, tsconfig: path.join(process.cwd(), "tsconfig.json") },
    });
    let settled = false;
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "progress") return onProgress(message);
      settled = true;
      resolve(message.result);
    });
    worker.on("error", (error) => {
      settled = true;
      reject(error);
    });
    worker.on("exit", (code) => {
      if (!settled) reject(new Error(`The audit verification worker stopped (exit code ${code})`));
    });
  });
}

/**
 * Starts a full verification (or joins the one running): of a SQLite file or of PostgreSQL in a worker thread,
 * of an in-memory SQLite database (which no other thread can open) here. Its verdict is kept as the last
 * full verification, and, when clean, as the head later requests verify from.
 */
export function startFullVerification(now = Date.now()): Job {
  if (holder.countersignVerification) return holder.countersignVerification;
  const startedAt = new Date(now).toISOString();
  const job: Job = { startedAt, checked: 0, total: 0, replaying: false, done: Promise.resolve(null as never) };
  const onProgress = (progress: VerificationProgress) =>
    Object.assign(job, { checked: progress.checked, total: progress.total, replaying: progress.replaying ?? false });
  const connection = getConnection();
  const file = sqliteOf(connection);
  // Run on a snapshot of its own, whatever read the caller is in: the job outlives it.
  const worker =
    connection.engine === "postgres" ? { databaseUrl: connection.url } : file && !file.memory ? { databasePath: file.name } : null;
  job.done = (
    worker ? verifyInWorker(worker, onProgress) : outsideSnapshot(() => verifyAndReplayStore(connection.db, undefined, onProgress))
  )
    .then(async (result) => {
      await keepVerdict(result, startedAt, new Date().toISOString());
      return result;
    })
    .finally(() => {
      if (holder.countersignVerification === job) holder.countersignVerification = undefined;
    });
  job.done.catch((error) => console.error("Full audit verification failed to run:", error));
  holder.countersignVerification = job;
  return job;
}

async function keepVerdict(result: FullResult, startedAt: string, finishedAt: string): Promise<FullVerification> {
  const verdict = verdictOf(result, startedAt, finishedAt);
  await writeSetting(FULL, verdict);
  await reportAuditVerification(verdict);
  // A clean full verification is the new base for incremental checks; a failed one leaves the old base.
  if (verdict.ok)
    await writeSetting(THROUGH, { count: verdict.count, headHash: verdict.headHash, at: verdict.finishedAt } satisfies Through);
  return verdict;
}

/** A full verification right here; its verdict is recorded only for the server's own store (`persist`), not for a snapshot or a copy. */
async function fullVerificationInline(db: DB, now: number, persist: boolean): Promise<FullVerification> {
  const at = new Date(now).toISOString();
  const result = await verifyAndReplayStore(db);
  if (persist) return await keepVerdict(result, at, at);
  return verdictOf(result, at, at);
}

function verdictOf(result: FullResult, startedAt: string, finishedAt: string): FullVerification {
  return {
    ok: result.ok,
    count: result.count,
    headHash: result.headHash,
    firstBadSeq: result.firstBadSeq,
    reason: result.reason,
    mismatches: result.mismatches?.length ?? 0,
    startedAt,
    finishedAt,
  };
}

type Progress = { type: "progress" } & VerificationProgress;
type WorkerMessage = Progress | { type: "result"; result: FullResult };

async function storedHead(db: DB): Promise<ChainCheckpoint> {
  const head = await first(db.select({ seq: auditEvents.seq, hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.seq)));
  return { count: head?.seq ?? 0, headHash: head?.hash ?? GENESIS_HASH };
}

const n = (x: number) => x.toLocaleString("en-US");

/**
 * What is known of the trail now, verifying only the events appended since the last verified head.
 * On the server's own store, a clean check moves that head forward and its verdict is recorded, unless
 * `record` is false: a long read in a snapshot (an evidence pack) only reads, since recording takes a
 * second connection while the snapshot holds one, and enough such reads at once would wait on each other
 * for a free connection. Starts a full verification in the background when none is on record, when the
 * last is a day old, or when too many events were appended to check here.
 */
export async function auditChainStatus(db: DB = getDb(), now = Date.now(), options: { record?: boolean } = {}): Promise<AuditChainStatus> {
  // The server's own store (as this context reads it: a transaction, a snapshot or the reader), not a copy: only then are verdicts recorded.
  const own = db === getDb();
  const persist = own && (options.record ?? true);
  const head = await storedHead(db);
  let full = await readSetting<FullVerification>(db, FULL);
  // A small trail is verified in full right here, as it always was: it takes milliseconds.
  if (head.count <= INLINE_LIMIT && (!full || now - Date.parse(full.finishedAt) > FULL_MAX_AGE_MS))
    full = await fullVerificationInline(db, now, persist);
  const through = await readSetting<Through>(db, THROUGH);
  const running = () => {
    const job = holder.countersignVerification;
    return job ? { startedAt: job.startedAt, checked: job.checked, total: job.total, replaying: job.replaying } : null;
  };
  const stale = !full || now - Date.parse(full.finishedAt) > FULL_MAX_AGE_MS;
  const base: Through = through ?? { count: 0, headHash: GENESIS_HASH, at: new Date(0).toISOString() };
  if (!full || head.count - base.count > INLINE_LIMIT) {
    if (own) startFullVerification(now);
    const job = running();
    return {
      ok: false,
      ...head,
      firstBadSeq: null,
      reason: "not verified yet",
      full,
      sinceFull: null,
      running: job,
      summary: `${n(head.count)} events; ${full ? `${n(head.count - base.count)} appended since the last verified head, too many to check now` : "never verified in full"}: a full verification is ${job ? "running" : "needed"}.`,
    };
  }
  const check = await verifyAuditStore(db, { from: base });
  if (check.ok && persist && check.count > base.count)
    await writeSetting(THROUGH, { count: check.count, headHash: check.headHash, at: new Date(now).toISOString() } satisfies Through);
  if (stale && own) startFullVerification(now);
  const ok = full.ok && check.ok;
  if (persist)
    await reportAuditVerification(
      { ok, firstBadSeq: check.ok ? full.firstBadSeq : check.firstBadSeq, reason: check.ok ? full.reason : check.reason },
      now,
    );
  const fullText = `events 1–${n(full.count)} verified in full at ${full.finishedAt}${full.ok ? "" : ` and found BROKEN at event #${full.firstBadSeq}: ${full.reason}`}`;
  const sinceText = check.ok
    ? head.count > full.count
      ? `; ${n(full.count + 1)}–${n(check.count)} appended since, verified incrementally${check.checked ? ` (${n(check.checked)} of them just now)` : ""}`
      : ""
    : `; the events appended since are BROKEN at #${check.firstBadSeq}: ${check.reason}`;
  const job = running();
  return {
    ok,
    count: head.count,
    headHash: head.headHash,
    firstBadSeq: check.ok ? full.firstBadSeq : check.firstBadSeq,
    reason: check.ok ? full.reason : check.reason,
    full,
    sinceFull:
      head.count > full.count ? { from: full.count + 1, to: check.ok ? check.count : head.count, checkedNow: check.checked } : null,
    running: job,
    summary: `${fullText[0]!.toUpperCase()}${fullText.slice(1)}${sinceText}.${job ? ` A full verification is running (${n(job.checked)} of ${n(job.total)} events).` : ""}`,
  };
}

/** The trail's status as a reader asks for it (every signed-in person, tokens with the read scope). */
export async function auditChainStatusFor(caller: Caller, now = Date.now()): Promise<AuditChainStatus> {
  assertCanRead(caller);
  return await auditChainStatus(getDb(), now);
}

/** A reader may ask for a full verification; it runs in the background, and its verdict is what the status reports after. */
export function requestFullVerification(caller: Caller, now = Date.now()): Job {
  assertCanRead(caller);
  return startFullVerification(now);
}

/**
 * A checkpoint exported earlier, against the trail as verified: the event it names must still carry
 * its head hash (and exist). With the chain verified through that event, that is the whole check.
 */
export async function checkAgainstCheckpoint(
  checkpoint: ChainCheckpoint,
): Promise<{ ok: boolean; firstBadSeq: number | null; reason: string | null }> {
  if (checkpoint.count === 0) return { ok: true, firstBadSeq: null, reason: null };
  const db = getDb();
  const head = await storedHead(db);
  if (head.count < checkpoint.count) {
    const missing =
      head.count + 1 === checkpoint.count ? `event #${checkpoint.count} is` : `events #${head.count + 1}–#${checkpoint.count} are`;
    return {
      ok: false,
      firstBadSeq: head.count + 1,
      reason: `the trail ends at event #${head.count}, but the checkpoint recorded ${checkpoint.count}: ${missing} missing`,
    };
  }
  const row = await first(db.select({ hash: auditEvents.hash }).from(auditEvents).where(eq(auditEvents.seq, checkpoint.count)));
  if (row?.hash === checkpoint.headHash) return { ok: true, firstBadSeq: null, reason: null };
  return {
    ok: false,
    firstBadSeq: checkpoint.count,
    reason: `event #${checkpoint.count} no longer has the checkpoint's head hash: the trail up to the checkpoint was rewritten`,
  };
}
