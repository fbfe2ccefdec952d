// "Đăng nhập bằng VNeID": the buttons that start it (one per provider the server
// offers, online only), the return from the provider (signed in, linked, or a failure
// in words), and on the signed-in account page the linked accounts and the facts the
// provider verified.

import { signal } from '@preact/signals';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { LinkedIdentityInfo, OidcProviderInfo } from '../api/types';
import { device, getDb, online, ready, refresh, session } from '../app';
import { currentSession, registerDevice, settleOwedSignOut, verifiedOf } from '../auth';
import { formatDate, formatTime, lang, t } from '../i18n';
import { lastProviderLabel, linkedIdentities, oidcErrorText, oidcStartErrorText, providers, readOidcReturn, startOidc, takeStartedAttempt, unlinkIdentity, type OidcPurpose } from '../oidc';
import { navigate, route } from '../router';
import { afterSignIn } from '../signedIn';
import { focusInView } from './focusing';

/** The providers offered, in the language they were asked in; null until asked. */
const offered = signal<{ lang: string; list: OidcProviderInfo[] } | null>(null);

function useProviders(): OidcProviderInfo[] {
  const want = lang.value;
  useEffect(() => {
    if (!online.value || offered.value?.lang === want) return;
    let live = true;
    providers()
      .then((list) => {
        if (live) offered.value = { lang: want, list };
      })
      .catch(() => {
        // Not offered now (offline, or the server has none): no buttons, nothing else.
      });
    return () => {
      live = false;
    };
  }, [online.value, want]);
  return online.value ? (offered.value?.list ?? []) : [];
}

async function go(provider: OidcProviderInfo, purpose: OidcPurpose, returnTo: string): Promise<void> {
  const url = await startOidc(provider, purpose, returnTo, session.value);
  location.assign(url);
}

/** One button per provider, on the sign-in card. Failures to start are said under them. */
export function OidcSignInButtons() {
  const list = useProviders();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const errorRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (error) focusInView(errorRef.current);
  }, [error]);
  if (!list.length) return null;
  return (
    <div class="oidc-sign-in">
      <p class="muted small">{t('Hoặc dùng tài khoản định danh điện tử:', 'Or use your electronic identity:')}</p>
      <div class="row">
        {list.map((p) => (
          <button
            key={p.name}
            type="button"
            class="primary"
            disabled={busy}
            data-testid={`oidc-${p.name}`}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                await go(p, 'sign_in', route.value.path);
              } catch (e) {
                setError(oidcStartErrorText(e, p.label));
                setBusy(false);
              }
            }}
          >
            {t(`Đăng nhập bằng ${p.label}`, `Sign in with ${p.label}`)}
          </button>
        ))}
      </div>
      {error && (
        <p class="error" role="alert" tabIndex={-1} ref={errorRef} data-testid="oidc-start-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** How the return went, kept in words' terms (not words) so a language switch rewords it. */
type Notice = { path: string; provider: string } & ({ kind: 'busy' } | { kind: 'ok'; linked: boolean } | { kind: 'error'; code: string } | { kind: 'failed'; text: string });
const notice = signal<Notice | null>(null);

function noticeText(n: Notice): string {
  switch (n.kind) {
    case 'busy':
      return t('Đang hoàn tất đăng nhập…', 'Finishing signing in…');
    case 'ok':
      return n.linked ? t(`Đã liên kết ${n.provider}`, `${n.provider} linked`) : t(`Đã đăng nhập bằng ${n.provider}`, `Signed in with ${n.provider}`);
    case 'error':
      return oidcErrorText(n.code, n.provider);
    case 'failed':
      return n.text;
  }
}

/**
 * The server's redirect back from the provider: takes its words off the address (a
 * reload must not redo it), finishes the sign-in as a password one does, and says how
 * it went. Shown at the top of the page it came back to, until the person moves on.
 */
export function OidcReturn() {
  const r = route.value;
  const errorRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (!ready.value) return;
    const back = readOidcReturn(r);
    if (!back) return;
    const provider = lastProviderLabel();
    const path = back.path.split('?', 1)[0]!;
    navigate(back.path, true);
    const started = takeStartedAttempt();
    if (back.kind === 'error') {
      notice.value = { kind: 'error', code: back.code, path, provider };
      return;
    }
    if (!started) return; // no sign-in started here: a link, not a return
    notice.value = { kind: 'busy', path, provider };
    void (async () => {
      try {
        // A sign-out made offline ends its session first: the cookie may still name it.
        if (!(await settleOwedSignOut())) throw new Error(t('Chưa kết nối được máy chủ để hoàn tất đăng xuất trước đó.', 'The server could not be reached to finish the earlier sign-out.'));
        await afterSignIn(await currentSession());
        notice.value = { kind: 'ok', linked: back.kind === 'linked', path, provider };
      } catch (e) {
        notice.value = { kind: 'failed', text: oidcStartErrorText(e, provider), path, provider };
      }
    })();
  }, [r, ready.value]);
  // Signed in another way since (a password after a cancel): the failure is old news.
  const account = device.value?.account_id;
  const seenAccount = useRef(account);
  useEffect(() => {
    if (account !== seenAccount.current && notice.value && notice.value.kind !== 'ok' && notice.value.kind !== 'busy') notice.value = null;
    seenAccount.current = account;
  }, [account]);
  const n = notice.value;
  const shown = n && n.path === r.path ? n : null;
  const failed = shown?.kind === 'error' || shown?.kind === 'failed';
  const text = shown ? noticeText(shown) : '';
  useEffect(() => {
    if (failed) focusInView(errorRef.current);
  }, [failed, shown]);
  return (
    <>
      <div class="visually-hidden" role="status" aria-live="polite" data-testid="oidc-status">
        {shown && !failed ? text : ''}
      </div>
      {shown?.kind === 'ok' && (
        <p class="card ok-note" data-testid="oidc-notice">
          {text}
        </p>
      )}
      {failed && (
        <p class="card error-box" role="alert" tabIndex={-1} ref={errorRef} data-testid="oidc-error">
          {text}
        </p>
      )}
    </>
  );
}

function sexText(sex: string): string {
  return sex === 'male' ? t('Nam', 'Male') : sex === 'female' ? t('Nữ', 'Female') : sex;
}

/** What the provider verified at the latest sign-in with it, as the app will pre-fill it. */
export function VerifiedFacts() {
  const v = verifiedOf(session.value, device.value);
  if (!v) return null;
  const rows: [string, string][] = [
    [t('Họ và tên', 'Full name'), v.full_name],
    [t('Số định danh cá nhân', 'Personal ID number'), v.id_number],
    [t('Ngày sinh', 'Date of birth'), formatDate(v.birth_date)],
    [t('Giới tính', 'Sex'), sexText(v.sex)],
    [t('Nơi thường trú', 'Permanent residence'), v.residence],
  ];
  return (
    <section class="card" aria-labelledby="verified-facts-title" data-testid="verified-facts">
      <h2 id="verified-facts-title">{t(`Thông tin đã được ${v.provider_label} xác thực`, `Verified by ${v.provider_label}`)}</h2>
      <p class="muted small">
        {t(
          `Xác thực lúc ${formatTime(v.verified_at)}. Các thông tin này được điền sẵn vào phần người yêu cầu của hồ sơ mới.`,
          `Verified ${formatTime(v.verified_at)}. These are filled in for you in the requester's part of a new dossier.`,
        )}
      </p>
      <dl>
        {rows
          .filter(([, value]) => value)
          .map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
      </dl>
    </section>
  );
}

/** "Tài khoản liên kết": e-ID accounts linked to this one, to unlink; a link for each provider not linked yet. */
export function LinkedAccounts() {
  const list = useProviders();
  const [linked, setLinked] = useState<LinkedIdentityInfo[] | null>(null);
  /** The list could not be read (a session ended on the server): said, never focused. */
  const [loadError, setLoadError] = useState<string | null>(null);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const messageRef = useRef<HTMLParagraphElement>(null);

  async function load(): Promise<void> {
    try {
      setLinked(await linkedIdentities());
      setLoadError(null);
    } catch (e) {
      setLoadError(oidcStartErrorText(e));
    }
  }
  useEffect(() => {
    if (online.value) void load();
  }, [online.value]);
  useEffect(() => {
    if (message?.error) focusInView(messageRef.current);
  }, [message]);

  const s = session.value;
  const unlinked = list.filter((p) => !linked?.some((l) => l.provider === p.name));
  return (
    <section class="card" aria-labelledby="linked-title" data-testid="linked-accounts">
      <h2 id="linked-title">{t('Tài khoản liên kết', 'Linked accounts')}</h2>
      {!online.value && <p class="muted">{t('Cần có mạng để xem và thay đổi tài khoản liên kết.', 'Seeing and changing linked accounts needs a connection.')}</p>}
      {online.value && loadError && <p class="warning">{loadError}</p>}
      {online.value && linked && linked.length === 0 && <p class="muted">{t('Chưa liên kết tài khoản định danh điện tử nào.', 'No electronic identity is linked yet.')}</p>}
      {online.value && linked && linked.length > 0 && (
        <ul class="linked-list">
          {linked.map((l) => (
            <li key={l.id} data-testid="linked-identity">
              <strong>{l.provider_label}</strong> · {t('Số định danh', 'ID number')} <span class="mono">{l.id_number_masked}</span>
              <br />
              <span class="muted small">
                {t(`Liên kết lúc ${formatTime(l.linked_at)} · xác thực lần cuối ${formatTime(l.verified_at)}`, `Linked ${formatTime(l.linked_at)} · last verified ${formatTime(l.verified_at)}`)}
              </span>
              <div class="row">
                <button
                  type="button"
                  class="danger"
                  disabled={busy || !s}
                  onClick={async () => {
                    if (!s) return;
                    setBusy(true);
                    setMessage(null);
                    try {
                      await unlinkIdentity(s, l.id);
                      // The session's verified facts go with the link: read it again.
                      await registerDevice(getDb(), await currentSession());
                      await refresh();
                      setMessage({ error: false, text: t(`Đã bỏ liên kết ${l.provider_label}.`, `${l.provider_label} unlinked.`) });
                      await load();
                    } catch (e) {
                      setMessage({ error: true, text: oidcStartErrorText(e, l.provider_label) });
                    } finally {
                      setBusy(false);
                    }
                  }}
                >
                  {t(`Bỏ liên kết ${l.provider_label}`, `Unlink ${l.provider_label}`)}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {online.value && linked && s && unlinked.length > 0 && (
        <div class="row">
          {unlinked.map((p) => (
            <button
              key={p.name}
              type="button"
              class="secondary"
              disabled={busy}
              onClick={async () => {
                setBusy(true);
                setMessage(null);
                try {
                  await go(p, 'link', '/tai-khoan');
                } catch (e) {
                  setMessage({ error: true, text: oidcStartErrorText(e, p.label) });
                  setBusy(false);
                }
              }}
            >
              {t(`Liên kết ${p.label}`, `Link ${p.label}`)}
            </button>
          ))}
        </div>
      )}
      {message && (
        <p class={message.error ? 'error' : ''} role={message.error ? 'alert' : 'status'} tabIndex={message.error ? -1 : undefined} ref={messageRef}>
          {message.text}
        </p>
      )}
    </section>
  );
}
