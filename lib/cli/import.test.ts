import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { strToU8, zipSync } from "fflate";
import { fixtureFiles } from "@/lib/importers/fixture-files";
import type { ImportResult } from "@/lib/importers/types";

// The real command, as `npx countersign` runs it: the launcher, tsx, the importers. Each run takes about a second.
const root = path.resolve(import.meta.dirname, "../..");
const fixtures = "lib/importers/fixtures";

function countersign(...args: string[]) {
  const run = spawnSync(process.execPath, ["bin/countersign.mjs", ...args], { cwd: root, encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("countersign import", () => {
  it("prints a Copilot Studio agent's spec as YAML, headed by its name and platform, with warnings on stderr", () => {
    const run = countersign("import", `${fixtures}/copilot-studio/travel-desk`);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^# Agent: Contoso Travel Desk\n# Platform: copilot-studio\nmodel:\n/);
    expect(run.stdout).toContain("  - system: office365\n    actions:\n      - name: GetEventsCalendarViewV3\n        access: read");
    expect(run.stdout).toContain("      - name: SendEmailV2\n        access: write\n        approval: required");
    // The MCP server is a toolset, its own YAML document.
    expect(run.stdout).toContain("---\n# Toolset: microsoftlearndocsmcp");
    const warnings = run.stderr.trimEnd().split("\n");
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((line) => line.startsWith("warning: "))).toBe(true);
    expect(run.stderr).toContain('model "GPT41" names no snapshot');
  });

  it("prints the whole import result with --format json", () => {
    const run = countersign("import", `${fixtures}/mcp/issue-tracker.tools-list.json`, "--format", "json");
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as ImportResult;
    expect(result.platform).toBe("mcp");
    expect(result.toolsets[0]?.system).toBe("issue-tracker");
    expect(result.toolsets[0]?.actions.find((a) => a.name === "list_issues")?.access).toBe("read");
  });

  it("refuses a file no platform recognises, naming it, with exit 2", () => {
    const run = countersign("import", `${fixtures}/salesforce-agentforce/foreign/AccountService.cls-meta.xml`);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^error: .*AccountService\.cls-meta\.xml/);
  });

  it("reports the named importer's refusal when --platform names the wrong platform", () => {
    const run = countersign("import", `${fixtures}/copilot-studio/travel-desk`, "--platform", "servicenow");
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("no ServiceNow AiAgent definition among the files");
  });

  it("skips node_modules, .git, archives and files over 1 MB in a folder, with a warning for each file, and names a broken .zip", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "countersign-cli-"));
    copyFileSync(path.join(root, fixtures, "mcp/issue-tracker.tools-list.json"), path.join(dir, "issue-tracker.tools-list.json"));
    for (const skipped of ["node_modules", ".git"]) {
      mkdirSync(path.join(dir, skipped));
      writeFileSync(path.join(dir, skipped, "agent.mcs.yml"), "kind: nothing to see\n");
    }
    writeFileSync(path.join(dir, "huge.json"), " ".repeat(1024 * 1024 + 1));
    writeFileSync(path.join(dir, "export.zip"), "PK");

    const run = countersign("import", dir, "--json");
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as ImportResult).platform).toBe("mcp");
    expect(run.stderr).toContain(`warning: ${path.join(dir, "huge.json")}: skipped, larger than 1 MB`);
    expect(run.stderr).toContain(`warning: ${path.join(dir, "export.zip")}: skipped, an archive inside a folder; name it to import it`);
    expect(run.stderr).not.toContain("node_modules");
    expect(run.stderr).not.toContain(".git");

    const zip = countersign("import", path.join(dir, "export.zip"));
    expect(zip.status).toBe(2);
    expect(zip.stderr).toContain("export.zip: not a readable .zip archive");
    rmSync(dir, { recursive: true });
  });

  it("prints each spec in a YAML block with its warnings with --format markdown", () => {
    const run = countersign("import", `${fixtures}/copilot-studio/travel-desk`, "--format", "markdown");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^### Agent: Contoso Travel Desk \(copilot-studio\)\n\n```yaml\nmodel:/);
    expect(run.stdout).toMatch(/```\n\n- ⚠ .*names no snapshot/);
    expect(run.stdout).toContain("### Toolset: microsoftlearndocsmcp (copilot-studio)");
  });

  it("reads a platform's .zip export named on the command line", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "countersign-cli-"));
    const entries: Record<string, Uint8Array> = {};
    for (const file of fixtureFiles("salesforce-agentforce/resort")) entries[file.path] = strToU8(file.content);
    const archive = path.join(dir, "unpackaged.zip");
    writeFileSync(archive, zipSync(entries));
    const run = countersign("import", archive, "--json");
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as ImportResult;
    expect(result.platform).toBe("salesforce-agentforce");
    expect(result.agents).toHaveLength(1);
    expect(result.agents[0]!.provenance.model.file).toMatch(/unpackaged\.zip\/salesforce-agentforce\/resort\//);
    rmSync(dir, { recursive: true });
  });

  it("answers --help with the command's usage, and bad arguments with exit 2", () => {
    const help = countersign("import", "--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: countersign import <files or folders…>");
    expect(help.stdout).toContain("--platform");

    const badFormat = countersign("import", `${fixtures}/mcp`, "--format", "xml");
    expect(badFormat.status).toBe(2);
    expect(badFormat.stderr).toContain('unknown format "xml"');
  });
});

describe("countersign", () => {
  it("lists its commands with --help, exit 0", () => {
    const run = countersign("--help");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Commands:\n\s+import\s/);
  });

  it("prints the usage on stderr for an unknown command, exit 2", () => {
    const run = countersign("frobnicate");
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain('error: unknown command "frobnicate"');
    expect(run.stderr).toContain("Usage: countersign <command>");
  });
});
