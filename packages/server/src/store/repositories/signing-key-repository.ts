import type { Kysely } from "kysely";
import type {
  KeyRetirement,
  SigningAlgorithm,
  SigningKeyRepository,
  StoredSigningKey,
} from "../../domain/keys/signing-key.js";
import type { Database } from "../schema.js";
import { isUniqueViolation } from "../unique-violation.js";

export function createSigningKeyRepository(db: Kysely<Database>): SigningKeyRepository {
  return {
    async listPublished(now) {
      const rows = await db
        .selectFrom("signing_keys")
        .selectAll()
        .where((eb) => eb.or([eb("published_until", "is", null), eb("published_until", ">", now)]))
        .orderBy("signs_from", "asc")
        .execute();
      return rows.map((r) => ({
        kid: r.kid,
        alg: r.alg as SigningAlgorithm,
        publicJwk: JSON.parse(r.public_jwk),
        privateJwe: r.private_jwe,
        createdAt: r.created_at,
        signsFrom: r.signs_from,
        signsUntil: r.signs_until,
        publishedUntil: r.published_until,
      }));
    },
    async rotate(next, retire) {
      try {
        return await insertRotation(next, retire);
      } catch (error) {
        // Another node inserted its key first: this rotation stands down.
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },
  };

  function insertRotation(next: StoredSigningKey, retire: readonly KeyRetirement[]) {
    return db.transaction().execute(async (trx) => {
      for (const previous of retire) {
        // The conditional update is the lock: if another node retired this key first, it
        // matches no row and this rotation stands down.
        const retired = await trx
          .updateTable("signing_keys")
          .set({ signs_until: previous.signsUntil, published_until: previous.publishedUntil })
          .where("kid", "=", previous.kid)
          // Open-ended, or retiring later than now (an immediate rotation overrides a scheduled one).
          .where((eb) => eb.or([eb("signs_until", "is", null), eb("signs_until", ">", previous.signsUntil)]))
          .executeTakeFirst();
        if (Number(retired.numUpdatedRows) === 0) return false;
      }
      await trx
        .insertInto("signing_keys")
        .values({
          kid: next.kid,
          alg: next.alg,
          public_jwk: JSON.stringify(next.publicJwk),
          private_jwe: next.privateJwe,
          created_at: next.createdAt,
          signs_from: next.signsFrom,
          signs_until: next.signsUntil,
          published_until: next.publishedUntil,
        })
        .execute();
      return true;
    });
  }
}
