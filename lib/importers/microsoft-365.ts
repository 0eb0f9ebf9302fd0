import { readOpenApi, type OpenApi } from "./openapi-operations";
import { accessOfHttp, inferAccess, normaliseName, platformDefaultModel } from "./rules";
import { assembleAgent, type FoundAction } from "./assemble";
import { baseName, folderOf } from "./paths";
import { ImportError, type ImportedAgent, type Importer, type Provenance, type SourceFile } from "./types";

/**
 * Microsoft 365 Copilot declarative agents (IMPORTERS.md, "Microsoft 365 declarative agent"): `declarativeAgent.json`,
 * the API plugins its `actions` name (`ai-plugin.json`) and the OpenAPI documents their runtimes point at. The model
 * is Microsoft's choice (floating); knowledge capabilities read; a plugin function's access is its HTTP method and
 * its approval the function's `capabilities.confirmation`. Registered in Countersign under `copilot-studio`.
 */

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === "string" ? v : "");
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Knowledge and built-in capabilities: the system each reads (the code interpreter runs code, so admin). */
const CAPABILITIES: Record<string, { system: string; access: FoundAction["access"]; because: string }> = {
  WebSearch: { system: "web", access: "read", because: "web search retrieves public pages" },
  OneDriveAndSharePoint: { system: "sharepoint", access: "read", because: "grounds answers in OneDrive and SharePoint content" },
  GraphConnectors: { system: "graph-connectors", access: "read", because: "grounds answers in Copilot connector content" },
  Email: { system: "outlook", access: "read", because: "grounds answers in the user's mailbox" },
  TeamsMessages: { system: "teams", access: "read", because: "grounds answers in Teams chats and channels" },
  Meetings: { system: "teams", access: "read", because: "grounds answers in meeting content" },
  People: { system: "microsoft-graph", access: "read", because: "looks up people in the organisation" },
  Dataverse: { system: "dataverse", access: "read", because: "grounds answers in Dataverse tables" },
  GraphicArt: { system: "microsoft-365", access: "read", because: "generates images returned in the chat" },
  CodeInterpreter: { system: "microsoft-365", access: "admin", because: "a code interpreter runs arbitrary code" },
};
/** Capability settings that narrow what is read: kept as warnings, since the spec grants whole actions. */
const SCOPES = [
  "sites",
  "items_by_url",
  "items_by_sharepoint_ids",
  "connections",
  "folders",
  "group_mailboxes",
  "teams_messages",
  "knowledge_sources",
];

function parseJson(file: SourceFile, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(file.content);
  } catch (error) {
    throw new ImportError(
      `${file.path}: not readable JSON (${error instanceof Error ? error.message : "parse error"}), expected ${what}`,
      file.path,
    );
  }
  if (!isRecord(value)) throw new ImportError(`${file.path}: not ${what} (no JSON object)`, file.path);
  return value;
}

/** `appPackage/declarativeAgent.json` + `./apiSpecificationFile/x.yml` → `appPackage/apiSpecificationFile/x.yml`. */
function resolvePath(from: string, relative: string): string {
  const joined = folderOf(from) + relative.replace(/\\/g, "/");
  const parts = joined.split("/");
  const out: string[] = [];
  for (const part of parts) {
    if (part === "..") out.pop();
    else if (part !== "." && part !== "") out.push(part);
  }
  // An absolute path stays absolute, so it still names the file it was given as.
  return (joined.startsWith("/") ? "/" : "") + out.join("/");
}

function isDeclarativeAgent(file: SourceFile): boolean {
  if (!file.path.endsWith(".json")) return false;
  try {
    const value: unknown = JSON.parse(file.content);
    return (
      isRecord(value) &&
      (/declarative-agent/.test(text(value.$schema)) || (typeof value.instructions === "string" && "name" in value && "version" in value))
    );
  } catch {
    return false;
  }
}

type Build = { found: FoundAction[]; warnings: string[] };

function readCapabilities(file: string, agent: Json, build: Build): void {
  list(agent.capabilities).forEach((capability, i) => {
    if (!isRecord(capability)) return;
    const name = text(capability.name);
    const path = `capabilities[${i}]`;
    const known = CAPABILITIES[name];
    const mapped = known ?? {
      system: "microsoft-365",
      access: "write" as const,
      because: `capability "${name}" is not known: in doubt, write`,
    };
    if (!known) build.warnings.push(`${file}: ${path} "${name}" is not a known capability; granted as a write`);
    build.found.push({
      system: mapped.system,
      name: normaliseName(name) || `capability_${i}`,
      access: mapped.access,
      approval: "none",
      accessFrom: { file, path: `${path}.name`, how: "inferred", because: mapped.because },
      approvalFrom: { file, path, how: "inferred", because: "capabilities run without asking" },
    });
    const scoped = Object.keys(capability).filter((k) => SCOPES.includes(k));
    if (scoped.length)
      build.warnings.push(`${file}: ${path} ${name} is narrowed by ${scoped.join(", ")}; the spec grants the whole capability`);
    const other = Object.keys(capability).filter((k) => k !== "name" && !SCOPES.includes(k));
    if (other.length) build.warnings.push(`${file}: ${path} ${name} settings not mapped: ${other.join(", ")}`);
  });
}

function readPlugin(
  pluginPath: string,
  files: Map<string, SourceFile>,
  build: Build,
): { from: string; text: string; provenance: Provenance }[] {
  const file = files.get(pluginPath);
  if (!file) {
    build.warnings.push(`${pluginPath}: the plugin named by the agent's actions is not among the files; its functions are not imported`);
    return [];
  }
  const plugin = parseJson(file, "an API plugin manifest");
  if (!Array.isArray(plugin.functions)) throw new ImportError(`${file.path}: not an API plugin manifest (no functions)`, file.path);
  const namespace = normaliseName(text(plugin.namespace) || text(plugin.name_for_human) || baseName(file.path));
  const runtimes = list(plugin.runtimes).filter(isRecord);
  const apis = new Map<number, OpenApi>();
  runtimes.forEach((runtime, r) => {
    const spec = isRecord(runtime.spec) ? runtime.spec : {};
    if (text(runtime.type) !== "OpenApi") {
      build.warnings.push(
        `${file.path}: runtimes[${r}] of type "${text(runtime.type)}" is not mapped; its functions' access is inferred from their names`,
      );
      return;
    }
    const apiPath = resolvePath(file.path, text(spec.url));
    const api = files.get(apiPath);
    if (api) apis.set(r, readOpenApi(api, build.warnings));
    else build.warnings.push(`${file.path}: runtimes[${r}] names OpenAPI document ${apiPath}, which is not among the files`);
  });

  list(plugin.functions).forEach((fn, i) => {
    if (!isRecord(fn)) return;
    const name = text(fn.name);
    const at = `functions[${i}]`;
    const r = runtimes.findIndex((rt) => !Array.isArray(rt.run_for_functions) || rt.run_for_functions.includes(name));
    const api = apis.get(r);
    const operation = api?.operations.get(name);
    let access: FoundAction["access"];
    let accessFrom: Provenance;
    if (api && operation) {
      const verdict = accessOfHttp(operation.method, name);
      access = verdict.access;
      accessFrom = { file: api.file, path: `paths.${operation.path}.${operation.method}`, how: verdict.how, because: verdict.because };
    } else {
      const guess = inferAccess(name, text(fn.description));
      access = guess.access;
      accessFrom = { file: file.path, path: `${at}.name`, how: "inferred", because: guess.because };
      if (api) build.warnings.push(`${file.path}: ${at} "${name}" has no operation in ${api.file}; its access is inferred from the name`);
    }
    const capabilities = isRecord(fn.capabilities) ? fn.capabilities : {};
    const shown = Object.keys(capabilities).filter((k) => k !== "confirmation");
    if (shown.length) build.warnings.push(`${file.path}: ${at}.capabilities ${shown.join(", ")} not mapped`);
    const confirmation = capabilities.confirmation;
    const consequential = operation?.operation["x-openai-isConsequential"];
    let approval: FoundAction["approval"] = "none";
    let approvalFrom: Provenance = {
      file: file.path,
      path: `${at}.capabilities.confirmation`,
      how: "inferred",
      because: "no confirmation: runs without asking",
    };
    if (isRecord(confirmation) && text(confirmation.type) !== "None") {
      approval = "required";
      approvalFrom = {
        file: file.path,
        path: `${at}.capabilities.confirmation`,
        how: "stated",
        because: "the function asks the user to confirm",
      };
    } else if (consequential === true && api && operation) {
      approval = "required";
      approvalFrom = {
        file: api.file,
        path: `paths.${operation.path}.${operation.method}.x-openai-isConsequential`,
        how: "stated",
        because: "consequential: Copilot asks first",
      };
    }
    build.found.push({ system: api?.system ?? namespace, name: normaliseName(name), access, approval, accessFrom, approvalFrom });
  });
  const unmapped = Object.keys(plugin).filter(
    (k) =>
      ![
        "$schema",
        "schema_version",
        "name_for_human",
        "namespace",
        "description_for_human",
        "description_for_model",
        "functions",
        "runtimes",
      ].includes(k),
  );
  if (unmapped.length) build.warnings.push(`${file.path}: not mapped: ${unmapped.join(", ")}`);
  const forModel = text(plugin.description_for_model);
  return forModel
    ? [
        {
          from: `${file.path} description_for_model`,
          text: forModel,
          provenance: { file: file.path, path: "description_for_model", how: "stated" },
        },
      ]
    : [];
}

/** `$[file('instruction.txt')]`: the instructions kept in a file beside the manifest. */
const FILE_REFERENCE = /^\s*\$\[file\('([^']+)'\)\]\s*$/;

function readAgent(manifest: SourceFile, files: Map<string, SourceFile>): ImportedAgent {
  const agent = parseJson(manifest, "a declarative agent manifest");
  if (typeof agent.name !== "string" || typeof agent.instructions !== "string")
    throw new ImportError(`${manifest.path}: not a declarative agent manifest (no name and instructions)`, manifest.path);
  const build: Build = { found: [], warnings: [] };
  const file = manifest.path;
  const parts: { from: string; text: string; provenance: Provenance }[] = [];
  const description = text(agent.description);
  if (description) parts.push({ from: `${file} description`, text: description, provenance: { file, path: "description", how: "stated" } });
  let instructions = text(agent.instructions);
  const reference = FILE_REFERENCE.exec(instructions);
  if (reference?.[1]) {
    const target = resolvePath(file, reference[1]);
    const held = files.get(target);
    if (held) {
      instructions = held.content;
      parts.push({
        from: target,
        text: instructions,
        provenance: { file: target, line: 1, how: "stated", because: `named by ${file} instructions` },
      });
    } else build.warnings.push(`${file}: instructions are kept in ${target}, which is not among the files`);
  } else if (instructions)
    parts.push({ from: `${file} instructions`, text: instructions, provenance: { file, path: "instructions", how: "stated" } });

  readCapabilities(file, agent, build);
  list(agent.actions).forEach((action, i) => {
    if (isRecord(action) && text(action.file)) parts.push(...readPlugin(resolvePath(file, text(action.file)), files, build));
    else build.warnings.push(`${file}: actions[${i}] names no plugin file`);
  });
  const mapped = ["$schema", "version", "id", "name", "description", "instructions", "capabilities", "actions"];
  const unmapped = Object.keys(agent).filter((k) => !mapped.includes(k));
  if (unmapped.length) build.warnings.push(`${file}: not mapped: ${unmapped.join(", ")}`);

  const fallback = platformDefaultModel("microsoft-365");
  return assembleAgent({
    name: text(agent.name) || baseName(folderOf(file).replace(/\/$/, "")) || "declarative-agent",
    description,
    platform: "copilot-studio",
    file,
    model: { value: fallback.model, provenance: { file, how: "inferred", because: "no model named: platform default" } },
    instructions: parts,
    actions: build.found,
    unattended: { value: false, because: "a declarative agent only answers a person chatting in Microsoft 365 Copilot" },
    warnings: [`${file}: ${fallback.warning}`, ...build.warnings],
  });
}

export const microsoft365Importer: Importer = {
  platform: "microsoft-365",
  detect(files) {
    return files.some(isDeclarativeAgent);
  },
  read(files) {
    const byPath = new Map(files.map((f) => [resolvePath("", f.path), f]));
    const manifests = files.filter((f) => isDeclarativeAgent(f) || /(^|\/)declarativeAgent\.json$/i.test(f.path));
    if (manifests.length === 0)
      throw new ImportError(
        `No declarative agent manifest (declarativeAgent.json) among: ${files.map((f) => f.path).join(", ")}`,
        files[0]?.path ?? null,
      );
    return { platform: "microsoft-365", agents: manifests.map((m) => readAgent(m, byPath)), toolsets: [], warnings: [] };
  },
};
