// Load generator for the refresh benchmark, run as its own process: every request spends a
// different refresh token (rotation makes each single use), read from the file in argv[2].
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

const [, , tokenFile, url, auth, seconds, connections] = process.argv;
const tokens = readFileSync(tokenFile, "utf8").split("\n").filter(Boolean);
let next = 0;
const result = await autocannon({
  url,
  duration: Number(seconds),
  connections: Number(connections),
  requests: [
    {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded" },
      setupRequest: (request) => {
        const token = tokens[next++ % tokens.length];
        return { ...request, body: `grant_type=refresh_token&refresh_token=${token}` };
      },
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
