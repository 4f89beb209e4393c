import { html } from "./html.js";
import { layout } from "./layout.js";

/** Asks for the username or email address of the account whose password was forgotten. */
export function resetRequestPage(model: {
  csrfToken: string;
  identifier?: string;
  error?: string | undefined;
}): string {
  return layout(
    "Reset your password",
    html`<h1>Reset your password</h1>
<p>Enter your username or email address. If it belongs to an account, we send a link to set a new password.</p>
${model.error ? html`<p class="error" role="alert">${model.error}</p>` : ""}
<form method="post" action="/login/reset" novalidate>
  <input type="hidden" name="csrf_token" value="${model.csrfToken}">
  <label for="identifier">Username or email</label>
  <input type="text" id="identifier" name="identifier" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="320" value="${model.identifier ?? ""}" autofocus>
  <button type="submit">Send the link</button>
</form>
<p><a href="/login">Back to sign in</a></p>`,
  );
}

/** The new-password form the emailed link opens. */
export function resetConfirmPage(model: {
  csrfToken: string;
  token: string;
  error?: string | undefined;
}): string {
  return layout(
    "Choose a new password",
    html`<h1>Choose a new password</h1>
${model.error ? html`<p class="error" role="alert" id="password-error">${model.error}</p>` : ""}
<form method="post" action="/login/reset/confirm" novalidate>
  <input type="hidden" name="csrf_token" value="${model.csrfToken}">
  <input type="hidden" name="token" value="${model.token}">
  <label for="password">New password (at least 12 characters)</label>
  <input type="password" id="password" name="password" autocomplete="new-password" required minlength="12" maxlength="1024" ${model.error ? html`aria-describedby="password-error"` : ""} autofocus>
  <button type="submit">Set the new password</button>
</form>
<p>Setting a new password signs you out everywhere.</p>`,
  );
}
