import { html } from "./html.js";
import { layout } from "./layout.js";

export interface LoginPageModel {
  csrfToken: string;
  redirectTo?: string | undefined;
  username?: string | undefined;
  error?: string | undefined;
  notice?: string | undefined;
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
</form>`,
  );
}
