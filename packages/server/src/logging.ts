/**
 * The logger settings of a production start (main.ts), in one place so the secrets-in-logs test
 * (test/secrets-at-rest-and-in-logs.test.ts) checks exactly what production writes.
 */
export function productionLoggerOptions(level: string) {
  return {
    level,
    redact: {
      paths: ["req.headers.authorization", "req.headers.cookie", 'res.headers["set-cookie"]'],
      censor: "[redacted]",
    },
    serializers: {
      // Paths only: query strings can carry codes and tokens.
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        path: req.url.split("?")[0],
        ip: req.ip,
      }),
    },
  };
}
