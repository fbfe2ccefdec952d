// Coming back from the e-ID provider: what the redirect says, the route without it, and
// words in both languages for every failure the server's callback can report.
import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from './api/http';
import { setLang } from './i18n';
import { OIDC_ERROR_CODES, oidcErrorText, oidcErrorWords, oidcStartErrorText, readOidcReturn, safeReturnTo } from './oidc';
import { parseHash } from './router';
import serverDoc from '../../docs/oidc.md?raw';

/** The callback's codes as the server documents them: the table after "Callback (`oidc_error=`". */
function documentedCodes(doc: string): string[] {
  const section = doc.split('Callback (`oidc_error=`')[1]?.split('\n\n')[1] ?? '';
  return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!);
}

describe('the return from the provider', () => {
  it('reads a sign-in and keeps the rest of the route', () => {
    expect(readOidcReturn(parseHash('#/ho-so/abc?oidc=signed_in'))).toEqual({ kind: 'signed_in', path: '/ho-so/abc' });
    expect(readOidcReturn(parseHash('#/tra-cuu?code=1&oidc=linked'))).toEqual({ kind: 'linked', path: '/tra-cuu?code=1' });
  });

  it('reads a failure code', () => {
    expect(readOidcReturn(parseHash('#/tai-khoan?oidc_error=access_denied'))).toEqual({ kind: 'error', code: 'access_denied', path: '/tai-khoan' });
  });

  it('is nothing on an ordinary route', () => {
    expect(readOidcReturn(parseHash('#/tai-khoan'))).toBeNull();
    expect(readOidcReturn(parseHash('#/?oidc=something'))).toBeNull();
  });

  it('sends only a plain path back to the server', () => {
    expect(safeReturnTo('/ho-so/0193a-b')).toBe('/ho-so/0193a-b');
    expect(safeReturnTo('/x?y=1')).toBe('/');
    expect(safeReturnTo('https://evil.example/')).toBe('/');
  });
});

describe('the words for a failure', () => {
  it('every code of the contract has its own words in Vietnamese and in English', () => {
    const fallback = oidcErrorWords('no_such_code');
    for (const code of OIDC_ERROR_CODES) {
      const words = oidcErrorWords(code);
      expect(words.vi, code).not.toBe(fallback.vi.replace('no_such_code', code));
      expect(words.vi.length, code).toBeGreaterThan(20);
      expect(words.en.length, code).toBeGreaterThan(20);
      expect(words.vi, code).not.toBe(words.en);
      expect(words.vi, code).not.toContain(code);
      expect(words.en, code).not.toContain(code);
    }
    expect(new Set(OIDC_ERROR_CODES.map((c) => oidcErrorWords(c).vi)).size).toBe(OIDC_ERROR_CODES.length);
  });

  it('covers every failure code the server documents (docs/oidc.md), and no other', () => {
    const documented = documentedCodes(serverDoc);
    expect(documented.length).toBeGreaterThan(5);
    expect([...OIDC_ERROR_CODES].sort()).toEqual([...documented].sort());
  });

  it('a cancelled sign-in says so, in the chosen language, naming the provider', () => {
    setLang('vi');
    expect(oidcErrorText('access_denied')).toContain('Bạn đã hủy đăng nhập bằng VNeID');
    setLang('en');
    expect(oidcErrorText('access_denied', 'VNeID')).toContain('You cancelled signing in with VNeID');
    setLang('vi');
  });

  it('a code the app does not know still says something, with the code', () => {
    expect(oidcErrorText('new_code')).toContain('new_code');
  });

  it('a provider that does not answer, and no network, are said in words', () => {
    const down = new ApiError(503, { type: '/problems/provider_unavailable', title: 'Provider unavailable', status: 503 });
    expect(oidcStartErrorText(down)).toBe('VNeID hiện không phản hồi. Hãy thử lại sau ít phút.');
    expect(oidcStartErrorText(new NetworkError(new TypeError('Failed to fetch')))).toContain('Không có mạng');
    const last = new ApiError(409, { type: '/problems/last_sign_in_method', title: 'x', status: 409 });
    expect(oidcStartErrorText(last)).toContain('cách đăng nhập duy nhất');
    expect(oidcStartErrorText(new ApiError(429, { type: '/problems/rate_limited', title: 'Too many', status: 429 }))).toContain('quá nhiều lần');
    expect(oidcStartErrorText(new ApiError(403, { type: '/problems/csrf_failed', title: 'CSRF', status: 403 }))).toContain('Phiên đăng nhập đã hết');
  });
});
