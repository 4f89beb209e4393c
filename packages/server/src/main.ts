#!/usr/bin/env node
import { ConfigError, loadConfig } from "./config/load.js";
import { productionLoggerOptions } from "./logging.js";
import { runMaintenance, startTessera } from "./server.js";

// The only module that reads the process environment.
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tessera: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (process.argv[2] === "maintenance") {
    const report = await runMaintenance(config);
    if (!report)
      process.stdout.write("maintenance: another node is running housekeeping now; nothing done\n");
    else {
      for (const [table, n] of Object.entries(report.deleted))
        process.stdout.write(`${table.padEnd(24)}${n}\n`);
      process.stdout.write(
        `maintenance: ${report.complete ? "done" : "time budget spent, run again"} in ${report.ms} ms\n`,
      );
    }
    return;
  }
  const started = Date.now();
  const tessera = await startTessera(config, {
    logger: productionLoggerOptions(config.logLevel),
  });
  await tessera.app.listen({ host: config.host, port: config.port });
  if (tessera.gatewayApp && config.gateway.port !== undefined)
    await tessera.gatewayApp.listen({ host: config.host, port: config.gateway.port });
  if (tessera.bootstrap.generatedPassword) {
    // Shown once, whatever the log level, and stored only as an argon2id hash.
    process.stderr.write(
      `\nFirst administrator: sign in at ${config.issuer}/login as "${tessera.bootstrap.username}" with the one-time password ${tessera.bootstrap.generatedPassword}\n\n`,
    );
  }
  tessera.app.log.info(
    {
      issuer: config.issuer,
      database: tessera.store.dialect,
      gatewayPort: config.gateway.port,
      startup_ms: Date.now() - started,
    },
    "Tessera is ready",
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    tessera.app.log.info({ signal }, "shutting down: finishing in-flight requests");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    tessera.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `tessera: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
