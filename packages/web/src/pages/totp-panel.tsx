import { useEffect, useRef, useState } from "react";
import { api } from "../api.js";
import type { TotpEnrolment, TotpStatus } from "../types-security.js";
import { Field, Form, LoadError, Outcome, Section, useAction, useLoad, when } from "../ui.js";

/** Recovery codes, shown once when made: each replaces a lost phone for one sign-in. */
function RecoveryCodes(props: { codes: string[]; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.codes.join("\n"));
      setCopied(true);
    } catch {
      // Without clipboard access the codes stay on screen to be written down.
    }
  };
  return (
    <div className="secret" role="status">
      <p>
        <strong>Your recovery codes</strong> — save them now: they are shown only once. Each one signs you in
        once if you lose your authenticator.
      </p>
      <ul className="codes mono" aria-label="Recovery codes" data-testid="recovery-codes">
        {props.codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <div className="actions">
        <button type="button" onClick={() => void copy()}>
          {copied ? "Copied" : "Copy the codes"}
        </button>
        <button type="button" className="secondary" onClick={props.onDone}>
          I have saved them
        </button>
      </div>
    </div>
  );
}

/**
 * The TOTP second factor: enrol (QR code and key, confirmed with a code), recovery codes shown
 * once, new recovery codes, and turning it off; the last two are proved with a current code.
 */
export function TotpPanel() {
  const status = useLoad(() => api.get<TotpStatus>("/me/totp"));
  const action = useAction();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | undefined>(undefined);
  const [codes, setCodes] = useState<string[] | undefined>(undefined);
  const [code, setCode] = useState("");
  const [proof, setProof] = useState("");
  const enrolBox = useRef<HTMLDivElement>(null);
  // The button that started the enrolment is gone: keep the keyboard with the code to type.
  useEffect(() => {
    if (enrolment) enrolBox.current?.querySelector("input")?.focus();
  }, [enrolment]);

  const start = () =>
    action.run(async () => {
      setEnrolment(await api.post<TotpEnrolment>("/me/totp"));
      setCode("");
    });
  const confirm = () =>
    action.run(async () => {
      const answer = await api.post<{ recovery_codes: string[] }>("/me/totp/confirm", { code: code.trim() });
      setEnrolment(undefined);
      setCodes(answer.recovery_codes);
      setCode("");
      await status.reload();
    }, "Two-step sign-in is on.");
  const regenerate = () =>
    action.run(async () => {
      const answer = await api.post<{ recovery_codes: string[] }>("/me/totp/recovery-codes", {
        code: proof.trim(),
      });
      setCodes(answer.recovery_codes);
      setProof("");
      await status.reload();
    }, "New recovery codes made; the old ones no longer work.");
  const disable = () =>
    action.run(async () => {
      await api.delete("/me/totp", { code: proof.trim() });
      setProof("");
      setCodes(undefined);
      await status.reload();
    }, "Two-step sign-in is off.");

  const s = status.data;
  return (
    <Section title="Two-step sign-in">
      <LoadError error={status.error} />
      <Outcome outcome={action.outcome} />
      {codes ? <RecoveryCodes codes={codes} onDone={() => setCodes(undefined)} /> : null}
      {s && !s.enabled ? (
        <p data-testid="totp-status">
          Off. An authenticator app (a six-digit code that changes every 30 seconds) protects your account if
          your password leaks.
          {s.required ? " This server requires it for your account." : ""}
        </p>
      ) : null}
      {s?.enabled ? (
        <p data-testid="totp-status">
          On since {when(s.enabled_at)}; {s.recovery_codes_left} recovery codes left.
        </p>
      ) : null}
      {s && !s.enabled && !enrolment ? (
        <div className="actions">
          <button type="button" disabled={action.busy} onClick={() => void start()}>
            Set up an authenticator app
          </button>
        </div>
      ) : null}
      {enrolment ? (
        <div className="enrol" ref={enrolBox}>
          <img
            className="qr"
            src={enrolment.qr_code}
            width={200}
            height={200}
            alt="QR code to scan with your authenticator app"
          />
          <div>
            <p>Scan the code with your authenticator app, or type this key into it:</p>
            <p className="mono key" data-testid="totp-secret">
              {enrolment.secret}
            </p>
            <Form label="Confirm the authenticator" onSubmit={() => void confirm()}>
              <Field
                label="Code from the app"
                value={code}
                onChange={setCode}
                required
                hint="The six digits it shows now."
              />
              <div className="actions">
                <button type="submit" disabled={action.busy || code.trim() === ""}>
                  Turn on
                </button>
                <button type="button" className="secondary" onClick={() => setEnrolment(undefined)}>
                  Cancel
                </button>
              </div>
            </Form>
          </div>
        </div>
      ) : null}
      {s?.enabled ? (
        <Form label="Manage two-step sign-in" onSubmit={() => void regenerate()}>
          <Field
            label="Current code"
            value={proof}
            onChange={setProof}
            required
            hint="From your authenticator app, or one of your recovery codes."
          />
          <div className="actions">
            <button type="submit" disabled={action.busy || proof.trim() === ""}>
              New recovery codes
            </button>
            <button
              type="button"
              className="danger"
              disabled={action.busy || proof.trim() === ""}
              onClick={() => void disable()}
            >
              Turn off
            </button>
          </div>
        </Form>
      ) : null}
    </Section>
  );
}
