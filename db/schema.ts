/**
 * The tables the use cases query, for whichever store this process runs on: db/tables.ts (SQLite, the one
 * source of truth) or their PostgreSQL twins derived from it (db/pg-schema.ts), chosen once, when the process
 * starts, by DATABASE_URL. Both have the same names, columns and row types, so code is written once, typed
 * against the SQLite tables, and runs on either engine.
 */
import { storeEngine } from "./engine";
import { pgTables } from "./pg-schema";
import * as sqlite from "./tables";

// Types and constants, as db/tables.ts states them; the tables themselves are the ones declared below.
export * from "./tables";

const tables = (storeEngine === "postgres" ? pgTables : sqlite) as unknown as typeof sqlite;

export const users = tables.users;
export const userRoles = tables.userRoles;
export const accountLinks = tables.accountLinks;
export const workflows = tables.workflows;
export const agents = tables.agents;
export const agentVersions = tables.agentVersions;
export const changeRecords = tables.changeRecords;
export const signoffs = tables.signoffs;
export const apiTokens = tables.apiTokens;
export const deployments = tables.deployments;
export const evalRuns = tables.evalRuns;
export const incidents = tables.incidents;
export const observations = tables.observations;
export const driftRecords = tables.driftRecords;
export const runtimeHours = tables.runtimeHours;
export const runtimeActionHours = tables.runtimeActionHours;
export const runtimeSeenSpans = tables.runtimeSeenSpans;
export const runtimeTraces = tables.runtimeTraces;
export const businessSignals = tables.businessSignals;
export const breaches = tables.breaches;
export const policies = tables.policies;
export const auditEvents = tables.auditEvents;
export const settings = tables.settings;
export const notifications = tables.notifications;
export const emailPreferences = tables.emailPreferences;
export const mailOutbox = tables.mailOutbox;
export const idempotencyKeys = tables.idempotencyKeys;
export const sessions = tables.sessions;
export const loginAttempts = tables.loginAttempts;
export const doraFacts = tables.doraFacts;
export const doraDays = tables.doraDays;
export const webhooks = tables.webhooks;
export const outgoingEvents = tables.outgoingEvents;
export const webhookDeliveries = tables.webhookDeliveries;
