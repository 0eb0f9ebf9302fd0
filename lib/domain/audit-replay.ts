/**
 * Replays the audit trail against the domain tables. The hash chain proves the events were not changed;
 * replay proves the tables still say what the events say, so a row edited directly in the database (a
 * sign-off's status, a deployment's version, a change's state, an eval's counts, a role grant, a
 * version's spec) is found, and so is a row without its events or an event whose row is gone.
 */

/** An event as replay reads it: the chain has already been verified, so these fields are the record. */
export type ReplayEvent = {
  seq: number;
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  payload: unknown;
};

export type ReplayTables = {
  agents: { id: string; slug: string }[];
  changes: { id: string; number: number; agentId: string; state: string }[];
  signoffs: {
    id: string;
    changeRecordId: string;
    role: string;
    status: string;
    signerId: string | null;
    contentHash: string | null;
    dismissedStatus: string | null;
  }[];
  deployments: { id: string; agentId: string; environment: string; kind: string; versionId: string }[];
  evalRuns: {
    id: string;
    agentId: string;
    specHash: string;
    suite: string;
    environment: string;
    passed: number;
    failed: number;
    regressions: number;
  }[];
  users: { id: string; email: string }[];
  userRoles: { userId: string; role: string }[];
  /** `computedSpecHash` is the hash of the stored spec, recomputed by the caller. */
  versions: { id: string; agentId: string; number: number; specHash: string; computedSpecHash: string }[];
};

/** One disagreement: the row it is about and, where there is one, the event it disagrees with. */
export type ReplayMismatch = { row: string; seq: number | null; message: string };

export type ReplayResult = { ok: boolean; checked: number; mismatches: ReplayMismatch[] };

type Payload = Record<string, unknown>;
const payloadOf = (e: ReplayEvent): Payload => (e.payload && typeof e.payload === "object" ? (e.payload as Payload) : {});
const str = (v: unknown) => (typeof v === "string" ? v : null);
const num = (v: unknown) => (typeof v === "number" ? v : null);
const said = (e: ReplayEvent) => `its last event (#${e.seq} ${e.action})`;

/** The state each change event leaves a change in; edits and re-assessments say so in `state` when they move it. */
const STATE_AFTER: Record<string, string> = {
  "change.created": "draft",
  "change.submitted": "in_review",
  "change.approved": "approved",
  "change.changes_requested": "draft",
  "change.rejected": "rejected",
  "change.withdrawn": "withdrawn",
  "change.released": "released",
  "change.rolled_back": "rolled_back",
};

const KIND_OF: Record<string, string> = {
  "deployment.promoted": "promote",
  "deployment.emergency": "emergency",
  "deployment.rolled_back": "rollback",
  "deployment.retired": "retire",
};

const DECISIONS = new Set(["approved", "rejected", "changes_requested"]);

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function replayAuditTrail(events: ReplayEvent[], tables: ReplayTables): ReplayResult {
  const out: ReplayMismatch[] = [];
  const byEntity = groupBy(events, (e) => `${e.entityType}:${e.entityId}`);
  const eventsOf = (type: string, id: string) => byEntity.get(`${type}:${id}`) ?? [];
  const slugOf = new Map(tables.agents.map((a) => [a.id, a.slug]));
  const agentBySlug = new Map(tables.agents.map((a) => [a.slug, a.id]));
  const changeById = new Map(tables.changes.map((c) => [c.id, c]));
  const versionById = new Map(tables.versions.map((v) => [v.id, v]));
  const cr = (id: string) => {
    const c = changeById.get(id);
    return c ? `CR-${c.number}` : id;
  };

  // Entities the trail speaks of must still be in the tables.
  const present: Record<string, Set<string>> = {
    change_record: new Set(tables.changes.map((c) => c.id)),
    deployment: new Set(tables.deployments.map((d) => d.id)),
    eval_run: new Set(tables.evalRuns.map((r) => r.id)),
    user: new Set(tables.users.map((u) => u.id)),
  };
  for (const [type, ids] of Object.entries(present)) {
    for (const e of events) {
      if (e.entityType === type && !ids.has(e.entityId)) {
        out.push({
          row: `${type} ${e.entityId}`,
          seq: e.seq,
          message: `${type} ${e.entityId} is in the trail (#${e.seq} ${e.action}) but not in the table`,
        });
        ids.add(e.entityId); // once per row
      }
    }
  }

  // Change records: the state is the one the last state-moving event left.
  for (const change of tables.changes) {
    const label = `change ${cr(change.id)}`;
    const own = eventsOf("change_record", change.id);
    if (!own.some((e) => e.action === "change.created")) {
      out.push({ row: label, seq: null, message: `${label} has no change.created event` });
      continue;
    }
    let last: ReplayEvent | null = null;
    let state: string | null = null;
    for (const e of own) {
      const next = STATE_AFTER[e.action] ?? str(payloadOf(e).state);
      if (next) [last, state] = [e, next];
    }
    if (last && state !== change.state)
      out.push({ row: label, seq: last.seq, message: `${label} is ${change.state} in the table but ${said(last)} says ${state}` });
  }

  // Sign-offs, per change and role: decisions, carry-overs and dismissals in order.
  const signoffRows = groupBy(tables.signoffs, (s) => `${s.changeRecordId}:${s.role}`);
  const signoffEvents = groupBy(
    events.filter((e) => e.entityType === "change_record" && e.action.startsWith("signoff.") && str(payloadOf(e).role)),
    (e) => `${e.entityId}:${str(payloadOf(e).role)}`,
  );
  for (const key of new Set([...signoffRows.keys(), ...signoffEvents.keys()])) {
    const rows = signoffRows.get(key) ?? [];
    const own = signoffEvents.get(key) ?? [];
    const [changeId, role] = key.split(":") as [string, string];
    const name = (id: string) => `signoff ${id} (${cr(changeId)} ${role})`;
    const label = rows.length ? name(rows[rows.length - 1]!.id) : `signoff of ${cr(changeId)} ${role}`;
    type Standing = { e: ReplayEvent; status: string; signer: string | null; contentHash: string | null };
    let standing = null as Standing | null;
    let decisions = 0;
    let dismissals = 0;
    for (const e of own) {
      const status = e.action.slice("signoff.".length);
      const p = payloadOf(e);
      if (DECISIONS.has(status)) {
        decisions++;
        standing = { e, status, signer: e.actorId, contentHash: str(p.contentHash) };
      } else if (status === "carried_over" && standing) standing = { ...standing, e, contentHash: str(p.contentHash) };
      else if (status === "dismissed") {
        dismissals++;
        standing = null;
      }
    }
    const live = rows.filter((s) => s.status !== "dismissed");
    const dismissedRows = rows.length - live.length;
    const decidedRows = rows.filter((s) => DECISIONS.has(s.status) || DECISIONS.has(s.dismissedStatus ?? "")).length;
    if (dismissedRows !== dismissals)
      out.push({
        row: label,
        seq: own.at(-1)?.seq ?? null,
        message: `${label}: ${dismissedRows} dismissed in the table, ${dismissals} dismissal events`,
      });
    if (decidedRows !== decisions)
      out.push({
        row: label,
        seq: own.at(-1)?.seq ?? null,
        message: `${label}: ${decidedRows} decided in the table, ${decisions} decision events`,
      });
    if (live.length > 1) out.push({ row: label, seq: null, message: `${label}: ${live.length} sign-offs stand at once` });
    const row = live[0];
    if (standing) {
      const { e } = standing;
      if (!row) out.push({ row: label, seq: e.seq, message: `${label} is missing from the table but ${said(e)} says ${standing.status}` });
      else if (row.status !== standing.status)
        out.push({
          row: name(row.id),
          seq: e.seq,
          message: `${name(row.id)} is ${row.status} in the table but ${said(e)} says ${standing.status}`,
        });
      else if (row.signerId !== standing.signer)
        out.push({
          row: name(row.id),
          seq: e.seq,
          message: `${name(row.id)} was signed by ${row.signerId} in the table but ${said(e)} says ${standing.signer}`,
        });
      else if (row.contentHash !== standing.contentHash)
        out.push({
          row: name(row.id),
          seq: e.seq,
          message: `${name(row.id)} has content hash ${row.contentHash} in the table but ${said(e)} says ${standing.contentHash}`,
        });
    } else if (row && row.status !== "pending") {
      const e = own.at(-1);
      out.push({
        row: name(row.id),
        seq: e?.seq ?? null,
        message: `${name(row.id)} is ${row.status} in the table but ${e ? `${said(e)} leaves it undecided` : "no event decided it"}`,
      });
    } else if (row && !eventsOf("change_record", changeId).some((e) => e.action === "change.submitted"))
      out.push({ row: name(row.id), seq: null, message: `${name(row.id)} is asked, but ${cr(changeId)} has no change.submitted event` });
  }

  // Deployments: environment, kind, agent and the version deployed.
  for (const d of tables.deployments) {
    const label = `deployment ${d.id}`;
    const e = eventsOf("deployment", d.id).find((x) => KIND_OF[x.action]);
    if (!e) {
      out.push({ row: label, seq: null, message: `${label} (${slugOf.get(d.agentId)} ${d.environment}) has no deployment event` });
      continue;
    }
    const p = payloadOf(e);
    const version = versionById.get(d.versionId);
    const at = `${said(e)}`;
    if (KIND_OF[e.action] !== d.kind)
      out.push({ row: label, seq: e.seq, message: `${label} is a ${d.kind} in the table but ${at} says ${KIND_OF[e.action]}` });
    if (str(p.environment) !== d.environment)
      out.push({ row: label, seq: e.seq, message: `${label} is in ${d.environment} in the table but ${at} says ${str(p.environment)}` });
    if (str(p.agent) && str(p.agent) !== slugOf.get(d.agentId))
      out.push({ row: label, seq: e.seq, message: `${label} is for ${slugOf.get(d.agentId)} in the table but ${at} says ${str(p.agent)}` });
    // A retire deployment names the spec it retired (null where nothing ran).
    const hash = str(p.specHash) ?? str(p.retiredSpecHash);
    if (hash && hash !== version?.specHash)
      out.push({
        row: label,
        seq: e.seq,
        message: `${label} deploys spec ${version?.specHash ?? "(no version)"} in the table but ${at} says ${hash}`,
      });
    if (num(p.toVersion) !== null && num(p.toVersion) !== version?.number)
      out.push({
        row: label,
        seq: e.seq,
        message: `${label} deploys v${version?.number ?? "?"} in the table but ${at} says v${num(p.toVersion)}`,
      });
  }

  // Eval runs: what was measured, on what.
  for (const run of tables.evalRuns) {
    const label = `eval run ${run.id}`;
    const e = eventsOf("eval_run", run.id).find((x) => x.action === "eval.recorded");
    if (!e) {
      out.push({ row: label, seq: null, message: `${label} (${run.suite}) has no eval.recorded event` });
      continue;
    }
    const p = payloadOf(e);
    for (const field of ["passed", "failed", "regressions", "specHash", "suite", "environment"] as const) {
      if (p[field] === undefined) continue; // older events did not record every field
      if (p[field] !== run[field])
        out.push({
          row: label,
          seq: e.seq,
          message: `${label} has ${field} ${run[field]} in the table but ${said(e)} says ${String(p[field])}`,
        });
    }
  }

  // Role grants: each user's roles are those of the last event that stated them.
  const rolesOf = groupBy(tables.userRoles, (r) => r.userId);
  for (const user of tables.users) {
    const label = `user ${user.email}`;
    const stated = eventsOf("user", user.id).filter((e) => Array.isArray(payloadOf(e).roles));
    const e = stated.at(-1);
    const table = (rolesOf.get(user.id) ?? []).map((r) => r.role).sort();
    if (!e) {
      out.push({ row: label, seq: null, message: `${label} has roles [${table.join(", ")}] but no event states their roles` });
      continue;
    }
    const said_ = (payloadOf(e).roles as unknown[]).map(String).sort();
    if (table.join(",") !== said_.join(","))
      out.push({
        row: label,
        seq: e.seq,
        message: `${label} has roles [${table.join(", ")}] in the table but ${said(e)} says [${said_.join(", ")}]`,
      });
  }

  // Agent versions: the stored spec still hashes to its spec hash, and some event names that hash.
  const namedHashes = new Set<string>();
  for (const e of events) {
    const p = payloadOf(e);
    const agentId =
      e.entityType === "change_record"
        ? changeById.get(e.entityId)?.agentId
        : e.entityType === "agent"
          ? e.entityId
          : agentBySlug.get(str(p.agent) ?? "");
    if (!agentId) continue;
    for (const field of ["specHash", "baseSpecHash", "replacedSpecHash"]) {
      const hash = str(p[field]);
      if (hash) namedHashes.add(`${agentId}:${hash}`);
    }
  }
  for (const v of tables.versions) {
    const label = `agent version ${slugOf.get(v.agentId)} v${v.number} (${v.id})`;
    if (v.computedSpecHash !== v.specHash)
      out.push({
        row: label,
        seq: null,
        message: `${label}: its stored spec hashes to ${v.computedSpecHash}, not its spec hash ${v.specHash}`,
      });
    else if (!namedHashes.has(`${v.agentId}:${v.specHash}`))
      out.push({ row: label, seq: null, message: `${label}: no event names its spec hash ${v.specHash}` });
  }

  const checked =
    tables.changes.length +
    tables.signoffs.length +
    tables.deployments.length +
    tables.evalRuns.length +
    tables.users.length +
    tables.versions.length;
  return { ok: out.length === 0, checked, mismatches: out };
}
