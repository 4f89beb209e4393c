#!/usr/bin/env node
import { runCli } from "./cli.js";
import { processContext } from "./context.js";

const code = await runCli(process.argv.slice(2), processContext());
process.exitCode = code;
