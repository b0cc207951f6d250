/** Sign in with a role token: the admin token or a person token (tfp_…). */
import { useState } from 'preact/hooks';
import { ApiError, signIn } from '../lib/api.ts';
import { html } from '../lib/html.ts';
import { go } from '../lib/ui.ts';

export const title = 'Sign in';

export default function SignIn() {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(token.trim());
      const next = new URLSearchParams(location.search).get('next');
      go(next?.startsWith('/') && !next.startsWith('//') ? next : '/');
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That token is unknown, expired or revoked.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return html`<h1 tabindex="-1">Sign in</h1>
    <div class="panel" style="max-width:32rem">
      <p>Sign in with your token: a person token (<code>tfp_…</code>) from your fleet lead, or the collector's admin token.
      The console keeps a session cookie for 12 hours at most, and never longer than the token is valid.</p>
      <form onSubmit=${submit} data-form="signin">
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required style="width:100%"
          value=${token} onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} aria-describedby=${error ? 'signin-error' : undefined} />
        <p><button type="submit" disabled=${busy}>Sign in</button></p>
        ${error ? html`<div id="signin-error" class="error" role="alert">${error}</div>` : null}
      </form>
    </div>
    <p>Without signing in: the <a href="/status">status page</a>.</p>`;
}
