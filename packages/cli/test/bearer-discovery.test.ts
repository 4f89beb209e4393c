import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bearerTokenFilePath, discoverBearerToken } from "../src/index.js";
import { tempHome } from "./support/test-context.js";

let home: { path: string; cleanup: () => Promise<void> };
const uid = 800_000 + Math.floor(Math.random() * 90_000);
const tmpFile = `/tmp/bt_u${uid}`;

beforeEach(async () => {
  home = await tempHome();
});
afterEach(async () => {
  await home.cleanup();
  await rm(tmpFile, { force: true });
});

describe("WLCG bearer-token discovery", () => {
  it("takes $BEARER_TOKEN first, whitespace stripped", async () => {
    const file = join(home.path, "f");
    await writeFile(file, "from-file");
    const found = await discoverBearerToken({
      env: { BEARER_TOKEN: "  from-env\n", BEARER_TOKEN_FILE: file },
      uid,
    });
    expect(found).toEqual({ token: "from-env", source: "BEARER_TOKEN" });
  });

  it("then the file $BEARER_TOKEN_FILE", async () => {
    const file = join(home.path, "f");
    await writeFile(file, "\tfrom-file \n");
    const found = await discoverBearerToken({
      env: { BEARER_TOKEN_FILE: file, XDG_RUNTIME_DIR: home.path },
      uid,
    });
    expect(found).toEqual({ token: "from-file", source: file });
  });

  it("then $XDG_RUNTIME_DIR/bt_u<euid>, then /tmp/bt_u<euid>", async () => {
    const runtime = join(home.path, "run");
    await mkdir(runtime);
    await writeFile(join(runtime, `bt_u${uid}`), "from-runtime\n");
    await writeFile(tmpFile, "from-tmp\n");
    const env = { XDG_RUNTIME_DIR: runtime, BEARER_TOKEN_FILE: join(home.path, "missing") };
    expect(await discoverBearerToken({ env, uid })).toEqual({
      token: "from-runtime",
      source: join(runtime, `bt_u${uid}`),
    });
    await rm(join(runtime, `bt_u${uid}`));
    expect(await discoverBearerToken({ env, uid })).toEqual({ token: "from-tmp", source: tmpFile });
  });

  it("moves on past empty values and empty files", async () => {
    const empty = join(home.path, "empty");
    await writeFile(empty, " \n");
    await writeFile(tmpFile, "last-resort");
    const found = await discoverBearerToken({ env: { BEARER_TOKEN: "", BEARER_TOKEN_FILE: empty }, uid });
    expect(found).toEqual({ token: "last-resort", source: tmpFile });
  });

  it("returns undefined when nothing has a token", async () => {
    expect(await discoverBearerToken({ env: { XDG_RUNTIME_DIR: home.path }, uid })).toBeUndefined();
  });

  it("names the file a client writes to with the same precedence", () => {
    expect(bearerTokenFilePath({ env: { BEARER_TOKEN_FILE: "/a", XDG_RUNTIME_DIR: "/r" }, uid: 5 })).toBe(
      "/a",
    );
    expect(bearerTokenFilePath({ env: { XDG_RUNTIME_DIR: "/r" }, uid: 5 })).toBe("/r/bt_u5");
    expect(bearerTokenFilePath({ env: {}, uid: 5 })).toBe("/tmp/bt_u5");
  });
});
