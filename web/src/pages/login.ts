import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiError, login, loginNotice } from '../api.ts';
import { errorText } from '../hooks.ts';
import { useStore } from '../store.ts';

/** Sign in with a directory (LDAP) account. After it, the app returns to `?next=` (handled by App). */
export function LoginPage() {
  const notice = useStore(loginNotice);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!username || !password) {
      setError('Enter your user name and password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401 ? 'The user name or password is not right.' : errorText(err),
      );
      setPassword('');
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="login" id="main">
    <form class="login-card" onSubmit=${submit} aria-labelledby="login-title">
      <h1 id="login-title"><span class="brand">Strata</span> Sign in</h1>
      <p class="muted">Use your directory account.</p>
      ${notice && html`<p class="notice" role="status" data-testid="login-notice">${notice}</p>`}
      <label class="field">
        <span>User name</span>
        <input name="username" autocomplete="username" value=${username} onInput=${(e: Event) =>
          setUsername((e.target as HTMLInputElement).value)} autofocus required />
      </label>
      <label class="field">
        <span>Password</span>
        <input name="password" type="password" autocomplete="current-password" value=${password} onInput=${(e: Event) =>
          setPassword((e.target as HTMLInputElement).value)} required />
      </label>
      ${error && html`<p class="error-text" role="alert">${error}</p>`}
      <button type="submit" class="btn primary wide" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </main>`;
}
