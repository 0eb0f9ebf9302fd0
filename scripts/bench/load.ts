import autocannon from "autocannon";
import { percentile } from "./stats";

export type LoadResult = {
  /** Latencies of answered requests, ms. */
  samples: number[];
  p50?: number;
  p95?: number;
  p99?: number;
  requestsPerSecond: number;
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
  /** How it was measured, for the table: "autocannon 4 conn × 5 s", "3 sequential (too slow for load)". */
  method: string;
};

export type Target = { url: string; method?: "GET" | "POST"; headers?: Record<string, string>; body?: string };

function summarise(
  samples: number[],
  elapsedMs: number,
  rest: Omit<LoadResult, "samples" | "p50" | "p95" | "p99" | "requestsPerSecond">,
): LoadResult {
  return {
    samples,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
    requestsPerSecond: elapsedMs > 0 ? (samples.length / elapsedMs) * 1000 : 0,
    ...rest,
  };
}

/**
 * autocannon against one target, for a fixed duration (seconds) or a fixed number of requests. Latency is
 * recorded per response (autocannon's own histogram has no p95), non-2xx answers included.
 */
export async function load(
  target: Target,
  opts: { connections: number; duration?: number; amount?: number; timeoutSeconds: number },
): Promise<LoadResult> {
  const samples: number[] = [];
  const started = performance.now();
  const instance = autocannon({
    url: target.url,
    method: target.method ?? "GET",
    headers: target.headers,
    body: target.body,
    connections: opts.connections,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration ?? 5 }),
    timeout: opts.timeoutSeconds,
  });
  instance.on("response", (_client, _status, _bytes, responseTime) => samples.push(responseTime));
  const result = await instance;
  const statusCounts = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  const what = opts.amount ? `${opts.amount} requests` : `${opts.duration ?? 5} s`;
  return summarise(samples, performance.now() - started, {
    statusCounts,
    errors: result.errors,
    timeouts: result.timeouts,
    method: `autocannon ${opts.connections} conn × ${what}`,
  });
}

export type Probe = { status: number; ms: number; bytes: number; headers: Headers } | { timedOut: true; ms: number };

/** One request with a hard cap; the body is read in full (its size is the page's HTML size). */
export async function probe(target: Target, capSeconds: number): Promise<Probe> {
  const started = performance.now();
  try {
    const res = await fetch(target.url, {
      method: target.method ?? "GET",
      headers: target.headers,
      body: target.body,
      redirect: "manual",
      signal: AbortSignal.timeout(capSeconds * 1000),
    });
    const body = await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started, bytes: body.byteLength, headers: res.headers };
  } catch (error) {
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
      return { timedOut: true, ms: capSeconds * 1000 };
    throw error;
  }
}

/** A target too slow to load-test: a few requests one after another, each capped, at most `budgetSeconds` in all. */
export async function sequential(target: Target, first: number, capSeconds: number, budgetSeconds: number, count = 3): Promise<LoadResult> {
  const samples = [first];
  const started = performance.now();
  const statusCounts: Record<string, number> = {};
  let timeouts = 0;
  while (samples.length < count && performance.now() - started + first < budgetSeconds * 1000) {
    const result = await probe(target, capSeconds);
    if ("timedOut" in result) {
      timeouts++;
      break;
    }
    samples.push(result.ms);
    statusCounts[result.status] = (statusCounts[result.status] ?? 0) + 1;
  }
  return summarise(
    samples,
    samples.reduce((a, b) => a + b, 0),
    {
      statusCounts,
      errors: 0,
      timeouts,
      method: `${samples.length} sequential (too slow to load-test)`,
    },
  );
}
