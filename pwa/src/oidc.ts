// Signing in with a national e-ID (VNeID) over OpenID Connect, the app's side: the
// providers offered, the start of a sign-in or a link (the server answers with the
// provider's page to go to), the app's return from the server's callback
// (`#<path>?oidc=signed_in|linked` or `#/tai-khoan?oidc_error=<code>`), the accounts
// linked, and every failure in words (docs: /work/notes/oidc_contract.md, issue #20).

import { api, answered, ApiError, dataOf, NetworkError, type Fetch } from './api/http';
import type { LinkedIdentityInfo, OidcProviderInfo, SessionInfo } from './api/types';
import { lang, t } from './i18n';
import type { Route } from './router';

export type OidcPurpose = 'sign_in' | 'link';

/** The provider the person went to, for naming it when they come back (the return names none). */
const LABEL_KEY = 'motcua.oidc.provider_label';

export function providers(fetch?: Fetch): Promise<OidcProviderInfo[]> {
  return dataOf(api.GET('/api/auth/providers', { params: { query: { lang: lang.value } }, fetch }));
}

/**
 * Where to send the browser to sign in (or link) with `provider`; the server binds the
 * attempt to this browser with a cookie. `returnTo` is the app's route to come back to.
 */
export async function startOidc(
  provider: OidcProviderInfo,
  purpose: OidcPurpose,
  returnTo: string,
  session?: SessionInfo | null,
  fetch?: Fetch,
): Promise<string> {
  const headers: Record<string, string> = purpose === 'link' && session ? { 'X-CSRF-Token': session.csrf_token } : {};
  const { authorization_url } = await dataOf(
    api.POST('/api/auth/oidc/{provider}/start', {
      params: { path: { provider: provider.name } },
      headers,
      body: { purpose, return_to: safeReturnTo(returnTo), lang: lang.value },
      fetch,
    }),
  );
  try {
    globalThis.sessionStorage?.setItem(LABEL_KEY, provider.label);
  } catch {
    // not kept: the words say "VNeID"
  }
  try {
    globalThis.localStorage?.setItem(ATTEMPT_KEY, String(Date.now()));
  } catch {
    // not kept: the return is then taken for one this browser did not start
  }
  return authorization_url;
}

/**
 * When this browser last sent someone to a provider. The return (`?oidc=signed_in`)
 * signs in whoever the browser's session cookie names, so it is taken only when a
 * sign-in was started here lately: a link carrying it, opened on a shared phone, would
 * otherwise give the next person the session a sign-out made offline left behind.
 * Kept in localStorage: the server binds an attempt to the browser (its cookie), not
 * to one tab, and the provider may come back in another.
 */
const ATTEMPT_KEY = 'motcua.oidc.started_at';
/** As long as the server keeps an attempt open (server/identity/oidc/attempts.py). */
const ATTEMPT_MS = 10 * 60_000;

/** Whether a sign-in or link was started here within an attempt's lifetime; forgotten once asked. */
export function takeStartedAttempt(now = Date.now()): boolean {
  try {
    const started = Number(globalThis.localStorage?.getItem(ATTEMPT_KEY) ?? NaN);
    globalThis.localStorage?.removeItem(ATTEMPT_KEY);
    return started <= now && now - started <= ATTEMPT_MS;
  } catch {
    return false;
  }
}

/** The server takes a path of plain characters only; anything else comes back home. */
export function safeReturnTo(path: string): string {
  return /^\/[A-Za-z0-9/_.-]*$/.test(path) && path.length <= 200 ? path : '/';
}

export function linkedIdentities(fetch?: Fetch): Promise<LinkedIdentityInfo[]> {
  return dataOf(api.GET('/api/me/identities', { fetch }));
}

export async function unlinkIdentity(session: SessionInfo, id: string, fetch?: Fetch): Promise<void> {
  await answered(api.DELETE('/api/me/identities/{identity_id}', { params: { path: { identity_id: id } }, headers: { 'X-CSRF-Token': session.csrf_token }, fetch }));
}

/** The name of the provider the person last went to ("VNeID" when not known). */
export function lastProviderLabel(): string {
  try {
    return globalThis.sessionStorage?.getItem(LABEL_KEY) || 'VNeID';
  } catch {
    return 'VNeID';
  }
}

export type OidcReturn = { kind: 'signed_in' | 'linked'; path: string } | { kind: 'error'; code: string; path: string };

/** What the server's redirect says, and the route without it (so a reload does not redo it). */
export function readOidcReturn(r: Route): OidcReturn | null {
  const outcome = r.query.get('oidc');
  const code = r.query.get('oidc_error');
  if (outcome !== 'signed_in' && outcome !== 'linked' && code === null) return null;
  const rest = new URLSearchParams(r.query);
  rest.delete('oidc');
  rest.delete('oidc_error');
  const query = rest.toString();
  const path = query ? `${r.path}?${query}` : r.path;
  if (code !== null) return { kind: 'error', code, path };
  return { kind: outcome as 'signed_in' | 'linked', path };
}

/** The failure codes of the server's callback (the contract), each with its words. */
export const OIDC_ERROR_CODES = [
  'state_invalid',
  'browser_mismatch',
  'access_denied',
  'provider_unavailable',
  'token_invalid',
  'claim_missing',
  'claim_invalid',
  'identity_bound_elsewhere',
  'id_number_bound_elsewhere',
  'account_has_other_identity',
  'email_belongs_to_official',
  'account_disabled',
] as const;

type Words = [vi: string, en: string];

function errorWords(code: string, p: string): Words {
  switch (code) {
    case 'state_invalid':
      return [
        `Lượt đăng nhập bằng ${p} này đã hết hạn hoặc đã được dùng. Hãy bấm đăng nhập lại.`,
        `This ${p} sign-in has expired or was already used. Please sign in again.`,
      ];
    case 'browser_mismatch':
      return [
        `Lượt đăng nhập bằng ${p} được bắt đầu trên một trình duyệt khác. Hãy bắt đầu lại ngay trên trình duyệt này.`,
        `This ${p} sign-in was started in another browser. Start again in this browser.`,
      ];
    case 'access_denied':
      return [`Bạn đã hủy đăng nhập bằng ${p}. Chưa có gì thay đổi; bạn có thể thử lại bất cứ lúc nào.`, `You cancelled signing in with ${p}. Nothing has changed; you can try again at any time.`];
    case 'provider_unavailable':
      return [`${p} hiện không phản hồi. Hãy thử lại sau ít phút.`, `${p} is not answering. Please try again in a few minutes.`];
    case 'token_invalid':
      return [
        `Không kiểm tra được thông tin ${p} gửi về nên chưa đăng nhập. Hãy thử lại; nếu vẫn lỗi, hãy báo cho bộ phận hỗ trợ.`,
        `The answer from ${p} could not be verified, so you are not signed in. Try again; if it keeps failing, contact support.`,
      ];
    case 'claim_missing':
      return [
        `${p} không cho biết số định danh cá nhân đã xác thực của bạn, nên chưa đăng nhập được. Tài khoản ${p} cần được định danh mức 2.`,
        `${p} did not give your verified personal ID number, so you cannot sign in with it. The ${p} account must be verified at level 2.`,
      ];
    case 'claim_invalid':
      return [
        `Số định danh cá nhân ${p} gửi về không hợp lệ, nên chưa đăng nhập được. Hãy báo cho bộ phận hỗ trợ.`,
        `The personal ID number ${p} sent is not valid, so you are not signed in. Please contact support.`,
      ];
    case 'identity_bound_elsewhere':
      return [
        `Tài khoản ${p} này đã được liên kết với một tài khoản khác ở đây. Hãy đăng nhập bằng ${p} để vào tài khoản đó.`,
        `This ${p} account is already linked to another account here. Sign in with ${p} to use that account.`,
      ];
    case 'id_number_bound_elsewhere':
      return [
        `Số định danh cá nhân này đã thuộc về một tài khoản khác ở đây. Hãy đăng nhập vào tài khoản đó (mật khẩu hoặc passkey) rồi liên kết ${p}.`,
        `This personal ID number already belongs to another account here. Sign in to that account (password or passkey) and link ${p} there.`,
      ];
    case 'account_has_other_identity':
      return [
        `Tài khoản của bạn đã liên kết với một tài khoản ${p} khác. Hãy bỏ liên kết đó trước nếu muốn liên kết tài khoản này.`,
        `Your account is already linked to another ${p} account. Unlink it first to link this one.`,
      ];
    case 'email_belongs_to_official':
      return [
        `Email của tài khoản ${p} này là email của một cán bộ. Cán bộ hãy đăng nhập như thường lệ rồi liên kết ${p} trong trang Tài khoản.`,
        `The email of this ${p} account belongs to an official. Officials sign in as usual, then link ${p} on the Account page.`,
      ];
    case 'account_disabled':
      return [
        `Tài khoản gắn với ${p} này hiện không đăng nhập được (chưa kích hoạt hoặc đã bị khóa). Hãy liên hệ cơ quan tiếp nhận để được hỗ trợ.`,
        `The account bound to this ${p} identity cannot sign in now (not activated, or disabled). Please contact the receiving office for help.`,
      ];
    default:
      return [`Đăng nhập bằng ${p} không thành công (${code}). Hãy thử lại.`, `Signing in with ${p} did not succeed (${code}). Please try again.`];
  }
}

/** The words for a failure the server's callback reported, in the app's language. */
export function oidcErrorText(code: string, provider = 'VNeID'): string {
  const [vi, en] = errorWords(code, provider);
  return t(vi, en);
}

/** Both languages' words for a code: every code has them (tested). */
export function oidcErrorWords(code: string, provider = 'VNeID'): { vi: string; en: string } {
  const [vi, en] = errorWords(code, provider);
  return { vi, en };
}

/** The words for a start (or link, or unlink) that failed before leaving the app. */
export function oidcStartErrorText(e: unknown, provider = 'VNeID'): string {
  if (e instanceof NetworkError) return t(`Không có mạng. Cần có mạng để đăng nhập bằng ${provider}.`, `No connection. Signing in with ${provider} needs one.`);
  if (e instanceof ApiError) {
    if (e.code === 'provider_unavailable' || e.status === 503 || e.status === 502 || e.status === 504) return oidcErrorText('provider_unavailable', provider);
    if (e.code === 'oidc_provider_unknown') return t(`${provider} không còn được dùng để đăng nhập ở đây. Hãy tải lại trang.`, `${provider} is no longer offered for signing in here. Reload the page.`);
    if (e.code === 'last_sign_in_method')
      return t(
        `Không thể bỏ liên kết: đây là cách đăng nhập duy nhất còn lại của tài khoản. Hãy thêm passkey (hoặc mật khẩu) trước khi bỏ liên kết ${provider}.`,
        `Cannot unlink: it is the account's only remaining way to sign in. Add a passkey (or a password) before unlinking ${provider}.`,
      );
    if (e.status === 401 || e.code === 'csrf_failed') return t('Phiên đăng nhập đã hết. Hãy đăng nhập lại.', 'Your session has ended. Please sign in again.');
    if (e.status === 429) return t('Đã thử đăng nhập quá nhiều lần. Hãy đợi vài phút rồi thử lại.', 'Too many sign-in attempts. Wait a few minutes and try again.');
    return e.problem.title || e.problem.detail || t(`Không thực hiện được (mã ${e.status}).`, `It did not work (code ${e.status}).`);
  }
  return e instanceof Error ? e.message : String(e);
}
