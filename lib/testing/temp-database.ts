import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// Each test file gets its own database file: a copy of the demo estate when the file calls
// seedDemoEstate() first, otherwise an empty one, created and migrated on first use.
process.env.DATABASE_PATH = path.join(mkdtempSync(path.join(tmpdir(), "countersign-test-")), "countersign.db");
