/**
 * Express adapter (`@tessera/verify/express`). `tesseraExpress(verifier, options)` is a
 * standard `(req, res, next)` middleware: it sets `req.tessera` and calls `next()`, or ends
 * the response with the refusal of `authenticate-request.ts` (401/403 with
 * `WWW-Authenticate`, 400 for a token in the query string). Nothing is imported from express:
 * the request and response are typed by the little this needs, which Express's (and plain
 * `node:http`'s) objects provide, so express is not a dependency at all.
 */
import type { IncomingHttpHeaders } from "node:http";
import { type AdapterOptions, authenticateRequest } from "./authenticate-request.js";
import type { Verifier } from "./create-verifier.js";
import type { TesseraIdentity } from "./identity.js";

declare global {
  // Express's own augmentation point; harmless when express's types are not installed.
  namespace Express {
    interface Request {
      /** The verified caller, set by the `tesseraExpress` middleware. */
      tessera?: TesseraIdentity | null;
    }
  }
}

export type TesseraExpressRequest = {
  headers: IncomingHttpHeaders;
  url?: string | undefined;
  /** Express keeps the full request target here when routers rewrite `url`. */
  originalUrl?: string;
  tessera?: TesseraIdentity | null;
};

export type TesseraExpressResponse = {
  statusCode: number;
  setHeader: (name: string, value: string) => unknown;
  end: (body: string) => unknown;
};

export type TesseraExpressOptions<Req extends TesseraExpressRequest> = AdapterOptions<Req>;

export type TesseraExpressMiddleware<Req extends TesseraExpressRequest> = (
  req: Req,
  res: TesseraExpressResponse,
  next: (error?: unknown) => void,
) => void;

export function tesseraExpress<Req extends TesseraExpressRequest = TesseraExpressRequest>(
  verifier: Verifier,
  options: TesseraExpressOptions<Req> = {},
): TesseraExpressMiddleware<Req> {
  const { realm, ...requirements } = options;
  return (req, res, next) => {
    authenticateRequest(
      verifier,
      req,
      { authorization: req.headers.authorization, url: req.originalUrl ?? req.url },
      requirements,
      realm,
    ).then((outcome) => {
      if (outcome.ok) {
        req.tessera = outcome.identity;
        next();
        return;
      }
      const { status, headers, body } = outcome.refusal;
      res.statusCode = status;
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      res.end(JSON.stringify(body));
    }, next);
  };
}

export type { TesseraIdentity } from "./identity.js";
