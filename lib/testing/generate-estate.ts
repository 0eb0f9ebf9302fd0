import { closeDatabase, openDatabase } from "@/db";
import { generateEstate, type SeedOptions } from "@/db/seed/generate";

/**
 * Generates an estate into a SQLite file, in a process of its own: the generator bulk-loads through SQLite's
 * connection, and a process whose store is PostgreSQL has PostgreSQL's tables (db/schema.ts), not SQLite's.
 *
 *   DATABASE_URL= node --conditions=react-server --import tsx lib/testing/generate-estate.ts <file> '<options as JSON>'
 */
const [file, options] = process.argv.slice(2);
if (!file || !options) throw new Error("Usage: generate-estate.ts <file> <options as JSON>");

async function generate() {
  // Loaded as CommonJS by tsx, so no top-level await.
  const connection = openDatabase(file!);
  try {
    await generateEstate(connection.db, JSON.parse(options!) as SeedOptions);
  } finally {
    await closeDatabase(connection);
  }
}

generate().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
