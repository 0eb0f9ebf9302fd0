import { databasePath } from "../lib/env";
import { backfillDerivedTables } from "./derived";
import { closeDatabase, openDatabase } from "./index";

const connection = openDatabase(databasePath);
await backfillDerivedTables(connection.db);
closeDatabase(connection);
console.log(`Database migrated: ${databasePath}`);
