/**
 * The REST API (`/api/v1`) over real HTTP, for tests: the status and the parsed JSON body (null
 * when empty). Bearer `defaultToken` (the tests' bootstrap token) unless another Authorization
 * value is given. `baseUrl` is read at each call: servers start in beforeAll.
 */
export function restApi(baseUrl: () => string, defaultToken: string) {
  return async function api(
    method: string,
    path: string,
    body?: unknown,
    authorization = `Bearer ${defaultToken}`,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${baseUrl()}/api/v1${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };
}
