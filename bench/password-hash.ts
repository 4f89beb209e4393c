// The cost of one argon2id password check (the floor of every password login), single core.
// Usage: npm run bench:password
import { performance } from "node:perf_hooks";
import {
  ARGON2_PARAMETERS,
  hashPassword,
  verifyPassword,
} from "../packages/server/src/domain/accounts/passwords.js";

const hash = await hashPassword("correct horse battery staple");
const rounds = 40;
const started = performance.now();
for (let i = 0; i < rounds; i++) await verifyPassword(hash, "correct horse battery staple");
const each = (performance.now() - started) / rounds;
console.log(
  `argon2id m=${ARGON2_PARAMETERS.memoryCost} KiB t=${ARGON2_PARAMETERS.timeCost} p=${ARGON2_PARAMETERS.parallelism}: ${each.toFixed(1)} ms per verification (${(1000 / each).toFixed(0)}/s on one core)`,
);
