// `npm start`: the standalone server of the last build (PORT, HOSTNAME; NEXT_DIST_DIR for tests).
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const server = path.join(root, process.env.NEXT_DIST_DIR ?? ".next", "standalone", "server.js");
process.env.PORT ??= "3000";
await import(server);
