import { databasePath } from "../lib/env";
import { openDatabase } from "./index";

const { sqlite } = openDatabase(databasePath);
sqlite.close();
console.log(`Database migrated: ${databasePath}`);
