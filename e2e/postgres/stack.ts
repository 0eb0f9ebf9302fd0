/**
 * Countersign as a load-balanced installation runs it, for the PostgreSQL journeys: a throwaway PostgreSQL
 * server, the demo estate seeded into it, two `npm start` instances sharing DATABASE_URL and AUTH_SECRET, and
 * a small round-robin proxy in front, which Playwright waits for and drives. Stopping this process (Playwright
 * does, at the end) stops the instances and removes the database server.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { startTestPostgres } from "../../lib/testing/postgres";
import { POSTGRES_INSTANCE_PORTS, POSTGRES_PROXY_PORT } from "../ports";

async function main() {
  const server = await startTestPostgres("countersign_e2e");
  const env = {
    ...process.env,
    DATABASE_URL: server.url,
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    NEXT_TELEMETRY_DISABLED: "1",
  };
  const instances: ChildProcess[] = [];

  let stopping = false;
  async function stop(code: number) {
    // A second signal while stopping (Playwright sends SIGTERM, then the terminal a SIGINT) stops nothing twice.
    if (stopping) return;
    stopping = true;
    for (const instance of instances) instance.kill("SIGTERM");
    await server.stop();
    process.exit(code);
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop(0));

  async function healthy(port: number, deadline: number): Promise<void> {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`The instance on port ${port} did not become healthy`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  // One after the other: the first seeds the empty database (and builds the app if needed), the second finds both done.
  for (const port of POSTGRES_INSTANCE_PORTS) {
    const instance = spawn(process.execPath, ["scripts/start.mjs"], {
      env: { ...env, PORT: String(port) },
      stdio: ["ignore", "ignore", "inherit"],
    });
    instance.on("exit", (code) => {
      console.error(`The instance on port ${port} exited (${code})`);
      void stop(1);
    });
    instances.push(instance);
    await healthy(port, Date.now() + 600_000);
  }

  // Each request goes to the next instance in turn; the Host header is kept, so both see the proxy's origin.
  let next = 0;
  http
    .createServer((request, response) => {
      const port = POSTGRES_INSTANCE_PORTS[next++ % POSTGRES_INSTANCE_PORTS.length]!;
      const upstream = http.request(
        { host: "127.0.0.1", port, method: request.method, path: request.url, headers: request.headers },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on("error", (error) => {
        if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain" });
        response.end(`Proxy: instance on port ${port} failed: ${error.message}`);
      });
      request.pipe(upstream);
    })
    .listen(POSTGRES_PROXY_PORT, "127.0.0.1", () => console.error(`PostgreSQL stack ready behind http://localhost:${POSTGRES_PROXY_PORT}`));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
