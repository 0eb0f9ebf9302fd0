import { databasePath, databaseUrl } from "../lib/env";
import { backfillDerivedTables } from "./derived";
import { redactUrl } from "./engine";
import { closeDatabase, migrateStore, openDatabase, openPostgres } from "./index";

// The store DATABASE_URL names (PostgreSQL), or else the SQLite file at DATABASE_PATH.
const connection = databaseUrl ? openPostgres(databaseUrl, { max: 2 }) : openDatabase(databasePath);
await migrateStore(connection);
await backfillDerivedTables(connection.db);
await closeDatabase(connection);
console.log(`Database migrated: ${databaseUrl ? redactUrl(databaseUrl) : databasePath}`);
