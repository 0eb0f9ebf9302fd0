import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A real HTTP endpoint on 127.0.0.1 for webhook tests: it records what arrives and answers as told. */
export type Received = { path: string; headers: IncomingHttpHeaders; body: string; json: unknown };

export type Receiver = {
  url: string;
  received: Received[];
  /** How to answer the next requests, in order; after them, 200. "hang" never answers. */
  answer: (...statuses: (number | "hang")[]) => void;
  /** How to answer the next request whose JSON body `matches`, whenever it arrives; others are answered as usual. */
  answerWhen: (matches: (json: unknown) => boolean, status: number | "hang") => void;
  close: () => Promise<void>;
};

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const queue: (number | "hang")[] = [];
  const conditional: { matches: (json: unknown) => boolean; status: number | "hang" }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        // recorded as text
      }
      received.push({ path: req.url ?? "/", headers: req.headers, body, json });
      const at = conditional.findIndex((c) => c.matches(json));
      const status = at >= 0 ? conditional.splice(at, 1)[0]!.status : (queue.shift() ?? 200);
      if (status === "hang") return;
      res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : `failing with ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/countersign`,
    received,
    answer: (...statuses) => queue.push(...statuses),
    answerWhen: (matches, status) => conditional.push({ matches, status }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
