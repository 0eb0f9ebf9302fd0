import { context, SpanStatusCode, trace, type Attributes } from "@opentelemetry/api";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type IdGenerator, type ReadableSpan } from "@opentelemetry/sdk-trace";

/**
 * Runtime traffic made with the OpenTelemetry SDK itself, serialised by the OTLP exporters' own serialisers:
 * the exact bytes an exporter would send, in JSON and in protobuf, for the receiver's tests.
 */
export type ToolCall = { tool: string; approval?: "requested" | "granted" | "denied"; amount?: number; denied?: boolean };
export type Decision = {
  at: number;
  model: string;
  tools?: ToolCall[];
  corrected?: boolean;
  agentName?: string;
  /** Token usage of the chat span (default 100 in, 20 out). */
  tokens?: { input: number; output: number };
};

/** `ids`: the SDK's id generator; the seed passes a seeded one so the demo estate's traces are the same every time. */
export function recordSpans(resource: Attributes, decisions: Decision[], ids?: IdGenerator): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
    ...(ids ? { idGenerator: ids } : {}),
  });
  const tracer = provider.getTracer("countersign-tests");
  for (const d of decisions) {
    const invoke = tracer.startSpan("invoke_agent", {
      startTime: d.at,
      attributes: { "gen_ai.operation.name": "invoke_agent", ...(d.agentName ? { "gen_ai.agent.name": d.agentName } : {}) },
    });
    if (d.corrected) invoke.addEvent("countersign.correction", {}, d.at + 50);
    const inside = trace.setSpan(context.active(), invoke);
    const chat = tracer.startSpan(
      `chat ${d.model}`,
      {
        startTime: d.at + 1,
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.response.model": d.model,
          "gen_ai.usage.input_tokens": d.tokens?.input ?? 100,
          "gen_ai.usage.output_tokens": d.tokens?.output ?? 20,
        },
      },
      inside,
    );
    chat.end(d.at + 10);
    (d.tools ?? []).forEach((call, i) => {
      const span = tracer.startSpan(
        `execute_tool ${call.tool}`,
        {
          startTime: d.at + 11 + i,
          attributes: {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": call.tool,
            ...(call.approval ? { "countersign.approval": call.approval } : {}),
            ...(call.amount !== undefined ? { "countersign.amount": call.amount } : {}),
            ...(call.denied ? { "error.type": "permission_denied" } : {}),
          },
        },
        inside,
      );
      if (call.denied) span.setStatus({ code: SpanStatusCode.ERROR, message: "permission denied" });
      span.end(d.at + 12 + i);
    });
    invoke.end(d.at + 100);
  }
  return exporter.getFinishedSpans();
}

export const otlpJson = (spans: ReadableSpan[]) => JsonTraceSerializer.serializeRequest(spans)!;
export const otlpProtobuf = (spans: ReadableSpan[]) => ProtobufTraceSerializer.serializeRequest(spans)!;
