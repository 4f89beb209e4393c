/** A write that would break a uniqueness rule (a username taken, a name reused). */
export class ConflictError extends Error {
  constructor(readonly field: string) {
    super(`${field} is already taken`);
    this.name = "ConflictError";
  }
}

/** The thing asked for does not exist (or may not be seen by the caller). */
export class NotFoundError extends Error {
  constructor(readonly what: string) {
    super(`${what} not found`);
    this.name = "NotFoundError";
  }
}

/** The caller may not do this. */
export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ForbiddenError";
  }
}

/** Input that breaks a domain rule (a malformed group name, a request for a group one is in). */
export class InvalidInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "InvalidInputError";
  }
}
