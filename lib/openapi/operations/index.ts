import type { ApiOperation } from "../registry";
import { administrationOperations, documentationOperations } from "./administration";
import { agentOperations } from "./agents";
import { auditOperations } from "./audit";
import { changeOperations } from "./changes";
import { releaseOperations } from "./releases";
import { runtimeOperations } from "./runtime";

/**
 * Every operation of /api/v1, in the order the document lists them. A new route is added to the list of
 * its area (or a new area's list here); lib/openapi/openapi.test.ts fails, naming it, until it is.
 */
export const API_OPERATIONS: readonly ApiOperation[] = [
  ...agentOperations,
  ...changeOperations,
  ...releaseOperations,
  ...runtimeOperations,
  ...auditOperations,
  ...administrationOperations,
  ...documentationOperations,
];
