import { html } from "./html.js";
import { layout } from "./layout.js";

/** The second step of a login: a code from the authenticator app, or a recovery code. */
export function totpPage(model: { csrfToken: string; error?: string | undefined }): string {
  return layout(
    "Two-factor authentication",
    html`<h1>Two-factor authentication</h1>
<p>Enter the 6-digit code from your authenticator app.</p>
${model.error ? html`<p class="error" role="alert" id="totp-error">${model.error}</p>` : ""}
<form method="post" action="/login/totp" novalidate>
  <input type="hidden" name="csrf_token" value="${model.csrfToken}">
  <label for="code">Code</label>
  <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required maxlength="64" ${model.error ? html`aria-describedby="totp-error"` : ""} autofocus>
  <button type="submit">Verify</button>
</form>
<p class="muted">Lost your device? Enter one of your recovery codes instead, or ask an administrator to reset your second factor.</p>
<p><a href="/login">Start again</a></p>`,
  );
}

/** Enrolment forced by `login.requireTotp`: scan or type the secret, then prove it with a code. */
export function totpEnrolPage(model: {
  csrfToken: string;
  secret: string;
  uri: string;
  qrCode: string;
  error?: string | undefined;
}): string {
  const grouped = model.secret.match(/.{1,4}/g)?.join(" ") ?? model.secret;
  return layout(
    "Set up two-factor authentication",
    html`<h1>Set up two-factor authentication</h1>
<p>This server requires a second factor. Scan the code with an authenticator app (or type the key into it), then enter the 6-digit code it shows.</p>
<p><img src="${model.qrCode}" alt="QR code of the authenticator key" width="232" height="232"></p>
<p>Key: <code>${grouped}</code></p>
<p class="muted">Setup link: <code>${model.uri}</code></p>
${model.error ? html`<p class="error" role="alert" id="totp-error">${model.error}</p>` : ""}
<form method="post" action="/login/totp/enrol" novalidate>
  <input type="hidden" name="csrf_token" value="${model.csrfToken}">
  <label for="code">Code</label>
  <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="16" ${model.error ? html`aria-describedby="totp-error"` : ""} autofocus>
  <button type="submit">Turn on</button>
</form>`,
  );
}

/** The recovery codes, shown once, right after enrolment. */
export function recoveryCodesPage(model: { codes: readonly string[]; continueTo: string }): string {
  return layout(
    "Recovery codes",
    html`<h1>Two-factor authentication is on</h1>
<p>Keep these recovery codes somewhere safe. Each works once, instead of a code, if you lose your device. They are not shown again.</p>
<ul class="recovery-codes">
${model.codes.map((code) => html`<li><code>${code}</code></li>`)}
</ul>
<p><a class="button" href="${model.continueTo}">Continue</a></p>`,
  );
}
