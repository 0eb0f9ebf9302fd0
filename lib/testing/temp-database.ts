import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// Each test file gets its own empty database file, created and migrated on first use.
process.env.DATABASE_PATH = path.join(mkdtempSync(path.join(tmpdir(), "countersign-test-")), "countersign.db");
