import { ConfigError } from "./command";
import { ENVIRONMENTS, RISK_LEVELS, type Environment, type RiskLevel } from "@/lib/domain/terms";

/** A request the server refused or could not answer: `message` is the API's own, said plainly. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** What the server found wrong with each field sent (a 422), to print one line each. */
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
  }
}

export type ServerConfig = { url: string; token: string };

/** `--url`/`--token` win over COUNTERSIGN_URL/COUNTERSIGN_TOKEN; both are required. */
export function serverConfig(flags: { url?: string; token?: string }, env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const url = (flags.url ?? env.COUNTERSIGN_URL ?? "").trim();
  const token = (flags.token ?? env.COUNTERSIGN_TOKEN ?? "").trim();
  if (!url) throw new ConfigError("no server: set COUNTERSIGN_URL (or pass --url), e.g. https://countersign.example.com");
  if (!/^https?:\/\//i.test(url)) throw new ConfigError(`the server URL "${url}" must start with http:// or https://`);
  if (!token)
    throw new ConfigError("no API token: set COUNTERSIGN_TOKEN (or pass --token); an admin issues one under Settings → API tokens");
  return { url: url.replace(/\/+$/, ""), token };
}

/** What a status means to someone at a terminal, with the API's own message when it sent one. */
function refusal(status: number, message: string | undefined, what: string): string {
  if (status === 401)
    return `the server refused the API token (401 unauthorized): check COUNTERSIGN_TOKEN${message ? ` (${message})` : ""}`;
  if (status === 403) return `the API token is not allowed to ${what} (403 forbidden)${message ? `: ${message}` : ""}`;
  return message ?? `the server answered ${status} while asked to ${what}`;
}

export type ApiClient = {
  getJson<T>(path: string, what: string): Promise<T>;
  getText(path: string, what: string): Promise<string>;
  /** Sends `body` as JSON; resolves to the answer's status and JSON. */
  postJson<T>(path: string, body: unknown, what: string): Promise<{ status: number; json: T }>;
};

/** A client for `/api/v1`, authenticated with the bearer token; `fetchImpl` lets tests answer without a server. */
export function apiClient(config: ServerConfig, fetchImpl: typeof fetch = fetch): ApiClient {
  async function send(path: string, what: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${config.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetchImpl(`${config.url}/api/v1${path}`, {
        headers,
        ...(body !== undefined && { method: "POST", body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new ApiError(0, `cannot reach ${config.url}: ${cause}`);
    }
    if (response.ok) return response;
    let answer: { message?: string; fieldErrors?: Record<string, string[]> } = {};
    try {
      answer = (await response.json()) as typeof answer;
    } catch {
      // Not the API's JSON (a proxy's page, say): the status says enough.
    }
    throw new ApiError(response.status, refusal(response.status, answer.message, what), answer.fieldErrors ?? {});
  }
  return {
    getJson: async <T>(path: string, what: string) => (await (await send(path, what)).json()) as T,
    getText: async (path: string, what: string) => (await send(path, what)).text(),
    postJson: async <T>(path: string, body: unknown, what: string) => {
      const response = await send(path, what, body);
      return { status: response.status, json: (await response.json()) as T };
    },
  };
}

/** The parts of `GET /api/v1/agents/{slug}` the commands read. */
export type AgentJson = {
  slug: string;
  name: string;
  workflow: { slug: string; name: string; riskClass: RiskLevel };
  environments: Record<Environment, { version: number; specHash: string; kind: string; changeNumber: string | null } | null>;
};

export type RunningSpec = { agent: AgentJson; environment: Environment; version: number; changeNumber: string | null; yaml: string };

export function parseEnvironment(value: string | undefined): Environment {
  const env = value ?? "production";
  if (!(ENVIRONMENTS as readonly string[]).includes(env))
    throw new ConfigError(`unknown environment "${env}"; expected one of: ${ENVIRONMENTS.join(", ")}`);
  return env as Environment;
}

/** The spec an environment runs, as YAML, with the agent it belongs to; a clear ApiError when there is none. */
export async function fetchRunningSpec(client: ApiClient, slug: string, environment: Environment): Promise<RunningSpec> {
  let agent: AgentJson;
  try {
    agent = await client.getJson<AgentJson>(`/agents/${encodeURIComponent(slug)}`, `read the agent "${slug}"`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) throw new ApiError(404, `no agent "${slug}" on the server (${error.message})`);
    throw error;
  }
  if (!(RISK_LEVELS as readonly string[]).includes(agent.workflow?.riskClass)) {
    throw new ApiError(0, `the server's answer for "${slug}" has no workflow risk class; is it a Countersign server?`);
  }
  const running = agent.environments?.[environment];
  // A retire deployment records that the agent stopped running there.
  if (!running || running.kind === "retire") throw new ApiError(404, `"${slug}" runs nothing in ${environment}`);
  const yaml = await client.getText(
    `/agents/${encodeURIComponent(slug)}/versions/${running.version}?format=yaml`,
    `read "${slug}" v${running.version}`,
  );
  return { agent, environment, version: running.version, changeNumber: running.changeNumber, yaml };
}

/** The options every server-backed command takes, for node:util parseArgs. */
export const SERVER_OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  agent: { type: "string" },
  env: { type: "string" },
  format: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export const SERVER_HELP = `  --agent <slug>         The agent, by its slug (required)
  --env <environment>    development, staging or production (default)
  --format <format>      text (default), json, or markdown (for a GitHub step summary)
  --url <url>            The Countersign server; default COUNTERSIGN_URL
  --token <token>        An API token with the read scope; default COUNTERSIGN_TOKEN
  -h, --help             Show this help`;
