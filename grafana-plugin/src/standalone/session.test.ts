/**
 * @jest-environment ./src/standalone/jsdom-with-fetch.js
 */
import { readSession, SIGN_IN_HEADER, signIn, watchSignOut } from './session';

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

describe('the standalone session', () => {
  it('is null when the engine says signed out', async () => {
    await expect(
      readSession(async () => json({ error: { code: 'not_signed_in', message: 'x' } }, 401))
    ).resolves.toBeNull();
    await expect(readSession(async () => json({ tenant: 'acme', expires_at: 'later' }))).resolves.toEqual({
      tenant: 'acme',
      expires_at: 'later',
    });
  });

  it("shows the engine's words for a refused key", async () => {
    const refuse = async () =>
      json({ error: { code: 'invalid_api_key', message: 'This API key was not accepted by the engine.' } }, 401);
    await expect(signIn('wrong', refuse)).rejects.toThrow('This API key was not accepted by the engine.');
  });

  it('says when the engine cannot be reached', async () => {
    const down = async () => {
      throw new TypeError('Failed to fetch');
    };
    await expect(signIn('key', down)).rejects.toThrow(
      'The Outlier engine cannot be reached (Failed to fetch). Check that it is running.'
    );
  });

  it('notices a response that ends the session, whoever asked', async () => {
    const responses = [json({}, 401, { [SIGN_IN_HEADER]: 'required' }), json({}, 401), json({}, 200)];
    const target = { fetch: async () => responses.shift() ?? json({}) } as Pick<Window, 'fetch'>;
    const onSignedOut = jest.fn();
    const stop = watchSignOut(target, onSignedOut);
    await target.fetch('/api/plugin-proxy/outlier-anomaly-app/engine/api/v1/jobs');
    await target.fetch('/other');
    await target.fetch('/other');
    expect(onSignedOut).toHaveBeenCalledTimes(1);
    stop();
  });
});
