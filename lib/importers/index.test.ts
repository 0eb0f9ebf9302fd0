import { describe, expect, it } from "vitest";
import { fixtureFiles } from "./fixture-files";
import { detectPlatform, importFiles } from "./index";
import { ImportError, type ImportPlatform, type SourceFile } from "./types";

/** ServiceNow fixtures end in `.fixture` so the project's TypeScript build skips them; an upload would not. */
const files = (folder: string): SourceFile[] => fixtureFiles(folder).map((f) => ({ ...f, path: f.path.replace(/\.fixture$/, "") }));

const FIXTURES: [string, ImportPlatform][] = [
  ["bedrock-agents/terraform", "bedrock-agents"],
  ["copilot-studio/travel-desk", "copilot-studio"],
  ["langgraph", "langgraph"],
  ["mcp", "mcp"],
  ["microsoft-365", "microsoft-365"],
  ["openai-agents/split", "openai-agents"],
  ["salesforce-agentforce/resort", "salesforce-agentforce"],
  ["servicenow/triage", "servicenow"],
];

describe("detectPlatform and importFiles", () => {
  it.each(FIXTURES)("%s is detected as %s and imported by it", (folder, platform) => {
    expect(detectPlatform(files(folder)).platform).toBe(platform);
    expect(importFiles(files(folder)).platform).toBe(platform);
  });

  it("names the files when no platform recognises them", () => {
    const foreign = [{ path: "notes/readme.md", content: "# Just notes" }];
    expect(() => importFiles(foreign)).toThrow(ImportError);
    expect(() => importFiles(foreign)).toThrow("No platform recognised in these files: notes/readme.md");
  });

  it("uses the named platform's importer, and its error when the files do not fit", () => {
    const mcp = files("mcp");
    expect(() => importFiles(mcp, "servicenow")).toThrow(ImportError);
    let servicenowError: unknown;
    try {
      importFiles(mcp, "servicenow");
    } catch (error) {
      servicenowError = error;
    }
    expect((servicenowError as ImportError).message).toMatch(/ServiceNow|\.now\.ts/);
  });
});

describe("files an importer was not written for are refused, naming the file, never a crash", () => {
  it("a Python file with a half-written import", () => {
    const files = [{ path: "agent.py", content: "from agents import Agent\nfrom agents\n" }];
    expect(() => importFiles(files)).toThrow(ImportError);
    expect(() => importFiles(files, "openai-agents")).not.toThrow(TypeError);
  });

  it("Salesforce metadata with an element named like an object's own property", () => {
    const files = [{ path: "b.bot-meta.xml", content: "<Bot><constructor>1</constructor><__proto__>x</__proto__></Bot>" }];
    for (const platform of [undefined, "salesforce-agentforce"] as const) {
      let error: unknown;
      try {
        importFiles(files, platform);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ImportError);
      expect((error as Error).message).toContain("b.bot-meta.xml");
    }
  });
});
