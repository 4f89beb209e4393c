/** A write that would break a uniqueness rule (a username taken, a name reused). */
export class ConflictError extends Error {
  constructor(readonly field: string) {
    super(`${field} is already taken`);
    this.name = "ConflictError";
  }
}
