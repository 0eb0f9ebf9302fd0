import type { AttributeValue, Attributes, ResourceSpans, RuntimeSpan } from "@/lib/domain/runtime";
import { ExportTraceServiceRequest } from "./trace-proto";

/**
 * OTLP/HTTP trace exports, JSON or protobuf, read into Countersign's `ResourceSpans`. Both encodings meet in
 * one normaliser (protobuf is decoded to the same camelCase objects OTLP/JSON uses), so they cannot disagree.
 * A body that is not an export at all is an `OtlpBodyError` (400); one bad span is named and set aside.
 */

export class OtlpBodyError extends Error {}

export type RejectedSpan = { traceId: string | null; spanId: string | null; name: string | null; reason: string };
export type DecodedExport = { resources: ResourceSpans[]; rejected: RejectedSpan[]; spanCount: number };

export function decodeProtobufExport(body: Uint8Array): DecodedExport {
  let message;
  try {
    message = ExportTraceServiceRequest.decode(body);
  } catch (error) {
    throw new OtlpBodyError(`The body is not an OTLP ExportTraceServiceRequest in protobuf: ${(error as Error).message}`);
  }
  return normaliseExport(ExportTraceServiceRequest.toObject(message, { longs: String, arrays: true }), "protobuf");
}

export function decodeJsonExport(body: Uint8Array): DecodedExport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    throw new OtlpBodyError("The body is not JSON: send an OTLP/JSON ExportTraceServiceRequest");
  }
  return normaliseExport(parsed, "json");
}

type Encoding = "json" | "protobuf";
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function normaliseExport(request: unknown, encoding: Encoding): DecodedExport {
  // proto3's JSON mapping reads null as a field's default: `"resourceSpans": null` is an empty export.
  if (!isObj(request) || (request.resourceSpans != null && !Array.isArray(request.resourceSpans)))
    throw new OtlpBodyError("The body is not an ExportTraceServiceRequest: it needs resourceSpans, a list");
  const resources: ResourceSpans[] = [];
  const rejected: RejectedSpan[] = [];
  let spanCount = 0;
  for (const rs of list(request.resourceSpans)) {
    if (!isObj(rs)) continue;
    const resource = attributesOf(isObj(rs.resource) ? rs.resource.attributes : undefined);
    const spans: RuntimeSpan[] = [];
    for (const ss of list(rs.scopeSpans)) {
      for (const raw of isObj(ss) ? list(ss.spans) : []) {
        spanCount++;
        const span = spanOf(raw, encoding);
        if ("reason" in span) rejected.push(span);
        else spans.push(span);
      }
    }
    resources.push({ resource, spans });
  }
  return { resources, rejected, spanCount };
}

const HEX_TRACE = /^[0-9a-f]{32}$/;
const HEX_SPAN = /^[0-9a-f]{16}$/;

function idOf(value: unknown, encoding: Encoding): string | null {
  if (value instanceof Uint8Array) return value.length === 0 ? null : Buffer.from(value).toString("hex");
  if (typeof value !== "string" || value === "") return null;
  // OTLP/JSON writes ids as hex; a protobuf-to-JSON mapping may write base64.
  const hex = value.toLowerCase();
  if (/^[0-9a-f]+$/.test(hex) && (hex.length === 32 || hex.length === 16)) return hex;
  return encoding === "json" ? Buffer.from(value, "base64").toString("hex") : null;
}

/** Nanoseconds since the epoch (a decimal string or a number) in milliseconds. */
function millisOf(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return Math.floor(value / 1e6);
  if (typeof value === "string" && /^\d{1,20}$/.test(value)) return Number(BigInt(value) / 1_000_000n);
  return null;
}

const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

function spanOf(raw: unknown, encoding: Encoding): RuntimeSpan | RejectedSpan {
  const span = isObj(raw) ? raw : {};
  const traceId = idOf(span.traceId, encoding);
  const spanId = idOf(span.spanId, encoding);
  const name = typeof span.name === "string" ? span.name : null;
  const reject = (reason: string): RejectedSpan => ({ traceId, spanId, name, reason });
  if (!traceId || !HEX_TRACE.test(traceId) || /^0+$/.test(traceId)) return reject("traceId is not 16 bytes");
  if (!spanId || !HEX_SPAN.test(spanId) || /^0+$/.test(spanId)) return reject("spanId is not 8 bytes");
  const startMs = millisOf(span.startTimeUnixNano);
  if (!startMs) return reject("startTimeUnixNano is missing or not a time");
  const endMs = millisOf(span.endTimeUnixNano) || startMs;
  if (endMs < startMs) return reject("endTimeUnixNano is before startTimeUnixNano");
  const status = isObj(span.status) ? span.status : {};
  const code =
    typeof status.code === "string"
      ? Object.hasOwn(STATUS_CODES, status.code)
        ? STATUS_CODES[status.code]!
        : 0
      : Number(status.code ?? 0);
  return {
    traceId,
    spanId,
    parentSpanId: idOf(span.parentSpanId, encoding),
    name: name ?? "",
    startMs,
    endMs,
    attributes: attributesOf(span.attributes),
    events: list(span.events)
      .filter(isObj)
      .map((e) => ({
        name: typeof e.name === "string" ? e.name : "",
        atMs: millisOf(e.timeUnixNano) ?? startMs,
        attributes: attributesOf(e.attributes),
      })),
    status: { code: [0, 1, 2].includes(code) ? code : 0, message: typeof status.message === "string" ? status.message : "" },
  };
}

function attributesOf(raw: unknown): Attributes {
  const attributes: Attributes = {};
  for (const kv of list(raw)) {
    if (!isObj(kv) || typeof kv.key !== "string" || kv.key === "__proto__") continue;
    attributes[kv.key] = valueOf(kv.value, 0);
  }
  return attributes;
}

/** OTLP's AnyValue as a plain value; nesting beyond eight levels is cut, as nothing Countersign reads is that deep. */
function valueOf(raw: unknown, depth: number): AttributeValue {
  if (!isObj(raw) || depth > 8) return null;
  if (typeof raw.stringValue === "string") return raw.stringValue;
  if (typeof raw.boolValue === "boolean") return raw.boolValue;
  if (raw.intValue !== undefined && raw.intValue !== null) {
    const n = Number(raw.intValue);
    return Number.isFinite(n) ? n : null;
  }
  if (raw.doubleValue !== undefined && raw.doubleValue !== null) {
    const n = Number(raw.doubleValue);
    return Number.isFinite(n) ? n : null;
  }
  if (isObj(raw.arrayValue)) return list(raw.arrayValue.values).map((v) => valueOf(v, depth + 1));
  if (isObj(raw.kvlistValue)) {
    const out: Record<string, AttributeValue> = {};
    for (const kv of list(raw.kvlistValue.values))
      if (isObj(kv) && typeof kv.key === "string" && kv.key !== "__proto__") out[kv.key] = valueOf(kv.value, depth + 1);
    return out;
  }
  if (raw.bytesValue instanceof Uint8Array) return Buffer.from(raw.bytesValue).toString("base64");
  if (typeof raw.bytesValue === "string") return raw.bytesValue;
  return null;
}
