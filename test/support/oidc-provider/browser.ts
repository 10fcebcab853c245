// Just enough of a browser for sign-in flows across two sites: cookies kept
// per origin (name → value; paths ignored, expiry honoured only as removal),
// redirects followed by hand so each hop can be inspected or tampered with.
// The service sits behind PUBLIC_URL (as behind a TLS-terminating proxy):
// requests to that origin go to the service's real address.

import assert from 'node:assert/strict';

export interface ProviderUser {
  readonly sub: string;
  readonly email?: string;
  readonly verified?: boolean;
  readonly name?: string;
}

export interface TestBrowser {
  get(url: string): Promise<Response>;
  cookie(origin: string, name: string): string | undefined;
  setCookie(origin: string, name: string, value: string): void;
  /**
   * Starts at `startPath` on the service and walks through the provider's
   * login as `user`, up to (not including) the callback: returns its URL.
   */
  signInAtProvider(
    startPath: string,
    user: ProviderUser,
    tamper?: (authorizationUrl: URL) => void,
  ): Promise<URL>;
}

export function testBrowser(publicUrl: string, serviceUrl: string): TestBrowser {
  const publicOrigin = new URL(publicUrl).origin;
  const jars = new Map<string, Map<string, string>>();
  const jar = (origin: string) => {
    let found = jars.get(origin);
    if (found === undefined) jars.set(origin, (found = new Map()));
    return found;
  };

  async function get(url: string): Promise<Response> {
    const target = new URL(url);
    const cookies = [...jar(target.origin)].map(([name, value]) => `${name}=${value}`);
    const address =
      target.origin === publicOrigin ? `${serviceUrl}${target.pathname}${target.search}` : url;
    const res = await fetch(address, {
      redirect: 'manual',
      headers: cookies.length === 0 ? {} : { cookie: cookies.join('; ') },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (gone) jar(target.origin).delete(name);
      else jar(target.origin).set(name, value);
    }
    return res;
  }

  return {
    get,
    cookie: (origin, name) => jar(new URL(origin).origin).get(name),
    setCookie: (origin, name, value) => jar(new URL(origin).origin).set(name, value),

    async signInAtProvider(startPath, user, tamper) {
      let res = await get(`${publicOrigin}${startPath}`);
      assert.equal(res.status, 302, await res.clone().text());
      let next = new URL(res.headers.get('location')!);
      tamper?.(next);
      for (let hop = 0; hop < 10; hop++) {
        if (next.origin === publicOrigin) return next;
        if (next.pathname.startsWith('/interaction/')) {
          next.searchParams.set('sub', user.sub);
          if (user.email !== undefined) next.searchParams.set('email', user.email);
          next.searchParams.set('verified', String(user.verified ?? false));
          if (user.name !== undefined) next.searchParams.set('name', user.name);
        }
        res = await get(next.href);
        assert.ok(
          [302, 303].includes(res.status),
          `${res.status} at ${next.href}: ${await res.text()}`,
        );
        next = new URL(res.headers.get('location')!, next);
      }
      throw new Error('too many redirects at the provider');
    },
  };
}
