// The app's background webhook sender in a process of its own, as the server runs it (instrumentation.ts):
// for tests that stop it mid-delivery and start another, as a restarted server would. Prints "ready" once started.
import { startWebhookSender } from "../server/webhook-sender";

startWebhookSender();
// The sender's timer does not hold a process open (a server's does that); this one runs until it is killed.
setInterval(() => {}, 60_000);
console.log("ready");
