import { defineConfig } from "drizzle-kit";

// The PostgreSQL store: tables derived from db/tables.ts (see db/pg-schema.ts), migrations in db/migrations-pg.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/pg-schema.ts",
  out: "./db/migrations-pg",
  dbCredentials: { url: process.env.DATABASE_URL ?? "postgres://localhost:5432/countersign" },
});
