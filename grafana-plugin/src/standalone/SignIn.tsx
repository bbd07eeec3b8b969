import React, { type FormEvent, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Field, Input, useStyles2 } from '@grafana/ui';
import { type HostSession, signIn } from './session';

interface SignInProps {
  logoUrl: string;
  /** Why the form shows, when it is not the first visit (the session ended). */
  notice?: string;
  onSignedIn: (session: HostSession) => void;
}

/** The sign-in form: an API key, exchanged by the engine for an HttpOnly session cookie. */
export function SignIn({ logoUrl, notice, onSignedIn }: SignInProps) {
  const s = useStyles2(getStyles);
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!apiKey.trim()) {
      setError('Enter an API key.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(apiKey.trim()));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <div className={s.screen}>
      <form className={s.card} onSubmit={onSubmit} aria-labelledby="sign-in-title">
        <div className={s.heading}>
          {logoUrl && <img src={logoUrl} alt="" width={40} height={40} />}
          <h1 id="sign-in-title" className={s.title}>
            Sign in to Outlier
          </h1>
        </div>
        {notice && !error && (
          <Alert severity="info" title="Signed out">
            {notice}
          </Alert>
        )}
        <Field
          label="API key"
          description="A key of your tenant on this engine. It stays on the engine: the browser keeps only a session."
          invalid={Boolean(error)}
        >
          <Input
            id="sign-in-api-key"
            type="password"
            autoComplete="off"
            spellCheck={false}
            autoFocus
            value={apiKey}
            onChange={(e) => setApiKey(e.currentTarget.value)}
          />
        </Field>
        {error && (
          <Alert severity="error" title="Sign-in failed">
            {error}
          </Alert>
        )}
        <Button type="submit" icon={busy ? 'spinner' : undefined} disabled={busy} className={s.submit}>
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
        <p className={s.hint}>
          On its first start the engine prints the key of tenant <code>default</code> and keeps it in{' '}
          <code>default.key</code> in its data directory.
        </p>
      </form>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  screen: css({
    minHeight: '100vh',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    padding: theme.spacing(2),
    background: theme.colors.background.canvas,
  }),
  card: css({
    width: '100%',
    maxWidth: 440,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    padding: theme.spacing(4),
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    boxShadow: theme.shadows.z2,
  }),
  heading: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(2),
  }),
  title: css({
    margin: 0,
    fontSize: theme.typography.h3.fontSize,
  }),
  submit: css({
    alignSelf: 'flex-start',
  }),
  hint: css({
    margin: theme.spacing(2, 0, 0),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});
