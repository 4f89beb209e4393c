import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { Store } from "../../store/database.js";

export function operationsRoutes(app: FastifyInstance, deps: { store: Store; metrics: Registry }): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const ready = await deps.store.ping();
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? "ok" : "unavailable", database: ready ? "ok" : "unreachable" });
  });
  app.get("/metrics", async (_request, reply) =>
    reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()),
  );
}
