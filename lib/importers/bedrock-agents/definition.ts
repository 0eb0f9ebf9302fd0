/**
 * A Bedrock agent as both CloudFormation and Terraform describe it, once each format's own syntax is read:
 * the mapping to the canonical spec (../bedrock-agents.ts) is then written once for both.
 */

/** Where an element is written: the file, its line when the format keeps one, and its path in the file. */
export type Where = { file: string; line?: number; path: string };

export type Located<T> = { value: T; at: Where };

/** One function of a `FunctionSchema` / `function_schema` action group. */
export type FunctionDef = {
  name: string;
  description: string;
  /** `RequireConfirmation` / `require_confirmation` as written, when it is. */
  requireConfirmation?: Located<string>;
  at: Where;
};

export type ActionGroupDef = {
  name: string;
  description: string;
  at: Where;
  /** `AMAZON.UserInput`, `AMAZON.CodeInterpreter`, `ANTHROPIC.Computer`…: a built-in group with no schema. */
  parentSignature?: Located<string>;
  /** The OpenAPI document's text, when it is written inline (`ApiSchema.Payload`, `api_schema.payload`). */
  apiPayload?: Located<string>;
  functions?: FunctionDef[];
  /** The group's operations are not in the files (an S3 schema, an unresolved payload): they may write. */
  operationsUnknown?: boolean;
};

export type KnowledgeBaseDef = { id: string; description: string; at: Where };

export type AgentDef = {
  /** The agent's name (`AgentName` / `agent_name`), else the resource's logical name. */
  name: string;
  at: Where;
  model?: Located<string>;
  description?: Located<string>;
  instruction?: Located<string>;
  actionGroups: ActionGroupDef[];
  knowledgeBases: KnowledgeBaseDef[];
  /** Elements met and not mapped, or values not resolved, each naming its file and element. */
  warnings: string[];
};

/** `file: path` (or `file:line path`), as warnings name an element. */
export function named(at: Where): string {
  return `${at.file}${at.line ? `:${at.line}` : ""}: ${at.path}`;
}
