import { describe, expect, it } from "vitest";
import { validateSpec } from "@/lib/domain/spec";
import { fixtureFiles } from "./fixture-files";
import { mcpImporter } from "./mcp";
import { ImportError, type ImportedToolset } from "./types";

const FILE = "mcp/issue-tracker.tools-list.json";
const tracker = (): ImportedToolset => {
  const [toolset] = mcpImporter.read(fixtureFiles("mcp")).toolsets;
  if (!toolset) throw new Error("no toolset imported");
  return toolset;
};
const provenanceOf = (name: string) => tracker().provenance[`issue-tracker:${name}`] ?? expect.unreachable(`no provenance for ${name}`);

describe("MCP tools/list importer", () => {
  it("detects a tools/list response", () => {
    expect(mcpImporter.detect(fixtureFiles("mcp"))).toBe(true);
    expect(mcpImporter.detect([{ path: "x.json", content: '{"result":{"resources":[]}}' }])).toBe(false);
  });

  it("yields one toolset named after the file, no agent", () => {
    const result = mcpImporter.read(fixtureFiles("mcp"));
    expect(result.platform).toBe("mcp");
    expect(result.agents).toEqual([]);
    expect(result.toolsets.map((t) => t.system)).toEqual(["issue-tracker"]);
  });

  it("reads on readOnlyHint, writes otherwise (admin for collaborators), and asks unless destructiveHint is false", () => {
    expect(tracker().actions).toEqual([
      { name: "list_issues", access: "read", approval: "none" },
      { name: "search_issues", access: "write", approval: "required" },
      { name: "create_issue", access: "write", approval: "none" },
      { name: "close_issue", access: "write", approval: "required" },
      { name: "add_collaborator", access: "admin", approval: "none" },
      { name: "run_saved_query", access: "read", approval: "none" },
    ]);
    // The actions are valid in a spec as they stand.
    const spec = {
      model: { provider: "p", name: "m" },
      instructions: "x",
      autonomy: "bounded",
      tools: [{ system: tracker().system, actions: tracker().actions }],
      traceRetentionDays: 30,
    };
    expect(validateSpec(spec).ok).toBe(true);
  });

  it("marks what the server stated and what was inferred for lack of a hint", () => {
    expect(provenanceOf("list_issues").access).toEqual({
      file: FILE,
      path: "result.tools[0].annotations.readOnlyHint",
      how: "stated",
      because: "MCP readOnlyHint (untrusted)",
    });
    expect(provenanceOf("search_issues")).toEqual({
      access: {
        file: FILE,
        path: "result.tools[1].annotations.readOnlyHint",
        how: "inferred",
        because: "no readOnlyHint: MCP tools are not read only by default",
      },
      approval: {
        file: FILE,
        path: "result.tools[1].annotations.destructiveHint",
        how: "inferred",
        because: "no destructiveHint: MCP tools are destructive by default",
      },
    });
    expect(provenanceOf("create_issue").approval).toMatchObject({ how: "stated", because: "MCP destructiveHint false (untrusted)" });
    expect(provenanceOf("close_issue").approval).toMatchObject({ how: "stated", because: "MCP destructiveHint true" });
    expect(provenanceOf("add_collaborator").access).toMatchObject({
      path: "result.tools[4].name",
      how: "inferred",
      because: expect.stringContaining("manages identities"),
    });
  });

  it("warns for every hint that lowers authority, for a paged list, and for unmapped hints", () => {
    expect(tracker().warnings).toEqual([
      `${FILE}: a tools/list response does not name its server; system "issue-tracker" is taken from the file name`,
      `${FILE}: nextCursor is set: this is one page of the server's tools; the other pages are not imported`,
      `${FILE}: result.tools[0] "list_issues" is read only on the server's word (readOnlyHint); hints are untrusted`,
      `${FILE}: result.tools[2] "create_issue" runs without approval on the server's word (destructiveHint false); hints are untrusted`,
      `${FILE}: result.tools[4] "add_collaborator" runs without approval on the server's word (destructiveHint false); hints are untrusted`,
      `${FILE}: result.tools[5] "run_saved_query" is read only on the server's word (readOnlyHint); hints are untrusted`,
      `${FILE}: result.tools[5] "run_saved_query" claims readOnlyHint but its name suggests write (verb "run" in the name: in doubt, write)`,
      `${FILE}: annotations openWorldHint, idempotentHint are not mapped`,
    ]);
  });

  it("reads a bare result object too", () => {
    const result = mcpImporter.read([
      { path: "servers/Files.json", content: JSON.stringify({ tools: [{ name: "delete_file", inputSchema: { type: "object" } }] }) },
    ]);
    expect(result.toolsets[0]).toMatchObject({
      system: "Files",
      actions: [{ name: "delete_file", access: "write", approval: "required" }],
    });
  });

  it("refuses foreign, malformed and error responses with an ImportError naming the file", () => {
    expect(() => mcpImporter.read([{ path: "a.json", content: "{ nope" }])).toThrow(/a.json: not readable JSON/);
    expect(() => mcpImporter.read([{ path: "b.json", content: '{"jsonrpc":"2.0","id":1,"result":{"resources":[]}}' }])).toThrow(
      /b.json: not an MCP tools\/list response/,
    );
    expect(() =>
      mcpImporter.read([{ path: "c.json", content: '{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}' }]),
    ).toThrow(/c.json: an MCP error response \(Method not found\)/);
    expect(() => mcpImporter.read([])).toThrow(ImportError);
  });
});
