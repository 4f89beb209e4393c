// Load generator for single-use credentials (refresh tokens, authorization codes), run as its own process: every
// request sends `<body prefix><next value>` with a different value read from the file in argv[2].
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

const [, , file, url, auth, seconds, connections, prefix] = process.argv;
const values = readFileSync(file, "utf8").split("\n").filter(Boolean);
let next = 0;
const result = await autocannon({
  url,
  duration: Number(seconds),
  connections: Number(connections),
  requests: [
    {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded" },
      setupRequest: (request) => ({ ...request, body: `${prefix}${values[next++ % values.length]}` }),
    },
  ],
});
process.stdout.write(
  JSON.stringify({
    requests: { total: result.requests.total, average: result.requests.average },
    latency: { p50: result.latency.p50, p99: result.latency.p99 },
    non2xx: result.non2xx,
  }),
);
