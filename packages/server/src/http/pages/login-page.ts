import { html } from "./html.js";
import { layout } from "./layout.js";

export interface LoginPageModel {
  csrfToken: string;
  redirectTo?: string | undefined;
  username?: string | undefined;
  error?: string | undefined;
  notice?: string | undefined;
  /** Upstream providers offered as buttons (federated login). */
  providers?: readonly { id: string; name: string }[] | undefined;
}

export function loginPage(model: LoginPageModel): string {
  return layout(
    "Sign in",
    html`<h1>Sign in</h1>
${model.notice ? html`<p class="notice" role="status">${model.notice}</p>` : ""}
${model.error ? html`<p class="error" role="alert" id="login-error">${model.error}</p>` : ""}
<form method="post" action="/login" novalidate>
  <input type="hidden" name="csrf_token" value="${model.csrfToken}">
  ${model.redirectTo ? html`<input type="hidden" name="rd" value="${model.redirectTo}">` : ""}
  <label for="username">Username</label>
  <input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="256" value="${model.username ?? ""}" ${model.error ? html`aria-describedby="login-error"` : ""} autofocus>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1024">
  <button type="submit">Sign in</button>
</form>
<p><a href="/login/reset">Forgot your password?</a> · <a href="/signup">Create an account</a></p>
${providerButtons(model)}`,
  );
}

/** One link per upstream provider (federated login), keeping the redirect target. */
function providerButtons(model: LoginPageModel) {
  const providers = model.providers ?? [];
  if (providers.length === 0) return "";
  const rd = model.redirectTo ? `?rd=${encodeURIComponent(model.redirectTo)}` : "";
  return html`<ul class="providers" aria-label="Sign in with another account">
${providers.map((p) => html`<li><a class="button" href="/login/federated/${encodeURIComponent(p.id)}${rd}">Sign in with ${p.name}</a></li>`)}
</ul>`;
}
