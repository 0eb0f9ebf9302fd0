"use client";

import { Upload } from "lucide-react";
import { useState, useTransition } from "react";
import { Card } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { Label } from "@/components/ui/field";
import type { ChangePreview } from "@/lib/validations/change-record";
import { ImportedAgentCard, Warnings, type PreviewFn } from "./imported-agent-card";
import { filesFromZip, isZipName, MAX_UNPACKED_BYTES, ZipError } from "@/lib/importers/zip";
import type { ImportOutcome } from "./import-types";

const MAX_FILE_BYTES = 1_000_000;
const PLATFORM_NAMES: Record<string, string> = {
  "salesforce-agentforce": "Salesforce Agentforce",
  "copilot-studio": "Microsoft Copilot Studio",
  "microsoft-365": "Microsoft 365 Copilot agent",
  "openai-agents": "OpenAI Agents SDK",
  langgraph: "LangGraph",
  mcp: "MCP server (tools only)",
  "bedrock-agents": "Amazon Bedrock Agents",
  servicenow: "ServiceNow",
};

type Props = {
  importFiles: (files: { path: string; content: string }[]) => Promise<ImportOutcome>;
  preview: (input: Parameters<PreviewFn>[0]) => Promise<ChangePreview | { error: string }>;
};

type Chosen = { path: string; size: number; skipped: string | null };

/** A file's path as the person chose it: inside the folder when a folder was chosen, else its name. */
const pathOf = (file: File) => file.webkitRelativePath || file.name;

/** Reads definition files in the browser, has the server map them into specs, and shows what was read and how. */
export function ImportDefinitions({ importFiles, preview }: Props) {
  const [chosen, setChosen] = useState<Chosen[]>([]);
  const [outcome, setOutcome] = useState<ImportOutcome | null>(null);
  const [pending, start] = useTransition();
  // What an archive held that was not read: named, never silently dropped.
  const [skipped, setSkipped] = useState<string[]>([]);

  const onFiles = (list: FileList | null) => {
    const files = Array.from(list ?? []);
    if (files.length === 0) return;
    const rows: Chosen[] = files.map((file) => ({
      path: pathOf(file),
      size: file.size,
      skipped:
        file.size > (isZipName(file.name) ? MAX_UNPACKED_BYTES : MAX_FILE_BYTES)
          ? `Over ${isZipName(file.name) ? "20" : "1"} MB: not read.`
          : null,
    }));
    setChosen(rows);
    setOutcome(null);
    setSkipped([]);
    start(async () => {
      const readable = files.filter((_, i) => rows[i]!.skipped === null);
      if (readable.length === 0) return setOutcome({ ok: false, message: "None of the chosen files can be read." });
      const contents: { path: string; content: string }[] = [];
      const left: string[] = [];
      for (const file of readable) {
        if (!isZipName(file.name)) {
          contents.push({ path: pathOf(file), content: await file.text() });
          continue;
        }
        try {
          // An export's archive is unpacked here, in the browser: only its text files are sent.
          const unzipped = filesFromZip(pathOf(file), new Uint8Array(await file.arrayBuffer()));
          contents.push(...unzipped.files);
          left.push(...unzipped.warnings);
        } catch (error) {
          if (!(error instanceof ZipError)) throw error;
          return setOutcome({ ok: false, message: error.message });
        }
      }
      setSkipped(left);
      if (contents.length === 0) return setOutcome({ ok: false, message: "The archive holds no text file to read." });
      setOutcome(await importFiles(contents));
    });
  };

  const result = outcome?.ok ? outcome.result : null;
  return (
    <div className="space-y-6">
      <Card title="Definition files">
        <div className="grid gap-4 sm:grid-cols-2">
          <div>
            <Label htmlFor="import-files">Files</Label>
            <input
              id="import-files"
              type="file"
              multiple
              aria-describedby="import-files-hint"
              onChange={(e) => onFiles(e.target.files)}
              className="mt-1 block w-full text-sm file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-1.5 file:text-sm file:font-medium"
            />
          </div>
          <div>
            <Label htmlFor="import-folder">Or a whole folder</Label>
            <input
              id="import-folder"
              type="file"
              // A folder keeps each file's path, which some platforms' layouts rely on.
              {...{ webkitdirectory: "" }}
              onChange={(e) => onFiles(e.target.files)}
              className="mt-1 block w-full text-sm file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-1.5 file:text-sm file:font-medium"
            />
          </div>
        </div>
        <p id="import-files-hint" className="mt-2 text-xs text-slate-500">
          Choose an agent&apos;s exported files, its .zip export, or its source folder. Files are read as text in this browser, and an
          archive is unpacked here; files over 1 MB are skipped.
        </p>
        {chosen.length > 0 && (
          <ul aria-label="Chosen files" className="mt-3 max-h-48 space-y-0.5 overflow-auto text-xs text-slate-700">
            {chosen.map((f) => (
              <li key={f.path} className="flex gap-2">
                <span className="font-mono">{f.path}</span>
                <span className="text-slate-500">{(f.size / 1024).toFixed(1)} KB</span>
                {f.skipped && <span className="font-medium text-amber-800">{f.skipped}</span>}
              </li>
            ))}
          </ul>
        )}
        {skipped.length > 0 && (
          <div className="mt-3 text-xs">
            <p className="font-medium text-amber-800">Not read from the archive:</p>
            <ul aria-label="Not read from the archive" className="mt-1 max-h-32 space-y-0.5 overflow-auto text-slate-700">
              {skipped.map((line) => (
                <li key={line} className="font-mono break-all">
                  {line}
                </li>
              ))}
            </ul>
          </div>
        )}
        {pending && (
          <p role="status" className="mt-3 flex items-center gap-2 text-sm text-slate-600">
            <Upload aria-hidden className="size-4" /> Reading the files…
          </p>
        )}
        {outcome && !outcome.ok && (
          <div role="alert" className="mt-3 rounded-md border border-rose-200 bg-rose-50 p-3 text-sm text-rose-900">
            Could not import these files. {outcome.message}
          </div>
        )}
      </Card>
      {result && (
        <section aria-label="What was read" className="space-y-4">
          <p className="text-sm">
            Platform: <Badge tone="info">{PLATFORM_NAMES[result.platform] ?? result.platform}</Badge>{" "}
            <span className="text-slate-600">
              {result.agents.length} agent{result.agents.length === 1 ? "" : "s"}, {result.toolsets.length} toolset
              {result.toolsets.length === 1 ? "" : "s"}
            </span>
          </p>
          {result.warnings.length > 0 && <Warnings items={result.warnings} label="Warnings about the files" />}
          {result.agents.map((agent, i) => (
            <ImportedAgentCard key={`${agent.name}-${i}`} agent={agent} source={chosen[0]?.path ?? ""} preview={preview} />
          ))}
          {result.toolsets.map((toolset) => (
            <Card key={toolset.system} title={`Toolset: ${toolset.system}`}>
              <p className="text-sm text-slate-600">
                {toolset.actions.length > 0 ? "Actions you can add to a spec in the change editor:" : "No actions listed in these files."}
              </p>
              <ul className="mt-2 space-y-1 text-sm">
                {toolset.actions.map((action) => (
                  <li key={action.name}>
                    <span className="font-mono">{action.name}</span> — {action.access}, approval {action.approval}
                  </li>
                ))}
              </ul>
              {toolset.warnings.length > 0 && <Warnings items={toolset.warnings} label={`Warnings for ${toolset.system}`} />}
            </Card>
          ))}
          {result.agents.length === 0 && result.toolsets.length === 0 && (
            <p className="text-sm text-slate-600">No agent or toolset was found in these files.</p>
          )}
        </section>
      )}
    </div>
  );
}
