import { receiveOtlpTraces } from "@/lib/server/otlp-receiver";

// OTLP/HTTP: an OpenTelemetry exporter's traces endpoint is …/api/v1/otlp/v1/traces.
export const POST = receiveOtlpTraces;
