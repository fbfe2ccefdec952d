// Sign in (password or passkey), register with the robot check, and register this
// install as a device. Drafting never needs any of it; syncing waits for it.

import { useState } from 'preact/hooks';
import { ApiError, NetworkError } from '../api/http';
import type { SessionInfo } from '../api/types';
import { changeHands, changed, communes, heldOnlyHere, counts, device, online, session, syncMeta } from '../app';
import { addPasskey, deviceKind, forgetEverything, passkeySignIn, passwordSignIn, registerAccount, signOutServer } from '../auth';
import { afterSignIn } from '../signedIn';
import { formatTime, t } from '../i18n';
import { communeName } from '../placeNames';
import { roleName } from '../roleNames';
import { Captcha } from './Captcha';
import { LinkedAccounts, OidcSignInButtons, VerifiedFacts } from './Oidc';

function problemText(e: unknown): string {
  if (e instanceof NetworkError) return t('Không có mạng. Hãy thử lại khi có kết nối.', 'No connection. Try again when online.');
  if (e instanceof ApiError && e.code === 'official_needs_strong_sign_in') {
    return t(
      'Cán bộ cần đăng nhập bằng VNeID hoặc passkey, không dùng mật khẩu.',
      'Officials sign in with VNeID or a passkey, not with a password.',
    );
  }
  if (e instanceof ApiError) {
    const detail = e.problem.errors?.map((x) => x.message).filter(Boolean).join('; ');
    return [e.problem.title, detail || e.problem.detail].filter(Boolean).join(': ');
  }
  if (e instanceof Error && e.name === 'NotAllowedError') return t('Đã hủy xác thực bằng passkey.', 'The passkey prompt was cancelled.');
  return e instanceof Error ? e.message : String(e);
}

/** "Máy này (Chrome trên Android), thêm vào tài khoản lúc 16:54 03/12/2026": the
 *  device as the person knows it; its id is for the server only. */
function thisDeviceText(registeredAt: string | undefined): string {
  const { browser, platform } = deviceKind();
  const kind = browser && platform ? t(` (${browser} trên ${platform})`, ` (${browser} on ${platform})`) : '';
  const when = registeredAt ? formatTime(registeredAt) : '';
  return when
    ? t(`Máy này${kind}, thêm vào tài khoản lúc ${when}`, `This device${kind}, added to the account ${when}`)
    : t(`Máy này${kind}`, `This device${kind}`);
}

function SignIn() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function run(fn: () => Promise<SessionInfo>) {
    setBusy(true);
    setError(null);
    try {
      await afterSignIn(await fn());
    } catch (e) {
      setError(problemText(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => passwordSignIn(email.trim(), password));
      }}
    >
      <h2>{t('Đăng nhập', 'Sign in')}</h2>
      <label>
        Email
        <input id="signin-email" type="email" autocomplete="username webauthn" value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        {t('Mật khẩu', 'Password')}
        <input id="signin-password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="row">
        <button type="submit" class="primary" disabled={busy || !online.value}>
          {t('Đăng nhập', 'Sign in')}
        </button>
        <button type="button" class="secondary" disabled={busy || !online.value} onClick={() => void run(() => passkeySignIn())}>
          {t('Đăng nhập bằng passkey', 'Sign in with a passkey')}
        </button>
      </div>
      <OidcSignInButtons />
      {!online.value && <p class="hint">{t('Cần có mạng để đăng nhập. Bạn vẫn làm hồ sơ được khi không có mạng.', 'Signing in needs a connection. You can still prepare dossiers offline.')}</p>}
    </form>
  );
}

function Register() {
  const [form, setForm] = useState({ email: '', full_name: '', phone: '', personal_id: '', password: '' });
  const [captchaId, setCaptchaId] = useState<string | null>(null);
  const [answer, setAnswer] = useState('');
  const [nonce, setNonce] = useState(0);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const bind = (key: keyof typeof form) => ({
    value: form[key],
    onInput: (e: Event) => setForm({ ...form, [key]: (e.target as HTMLInputElement).value }),
  });
  if (done) {
    return <p class="card">{t('Đã gửi thư kích hoạt. Mở email và bấm vào liên kết để kích hoạt tài khoản.', 'Activation email sent. Open it and follow the link.')}</p>;
  }
  return (
    <form
      class="card"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        if (!captchaId) return;
        try {
          await registerAccount({ ...form, captcha_id: captchaId, captcha_answer: answer, lang: document.documentElement.lang === 'en' ? 'en' : 'vi' });
          setDone(true);
        } catch (err) {
          setError(problemText(err));
          setNonce(nonce + 1);
        }
      }}
    >
      <h2>{t('Đăng ký tài khoản', 'Create an account')}</h2>
      <label>
        {t('Họ và tên', 'Full name')}
        <input autocomplete="name" {...bind('full_name')} />
      </label>
      <label>
        Email
        <input type="email" autocomplete="email" {...bind('email')} />
      </label>
      <label>
        {t('Số điện thoại', 'Phone')}
        <input type="tel" autocomplete="tel" {...bind('phone')} />
      </label>
      <label>
        {t('Số định danh cá nhân', 'Personal ID number')}
        <input inputMode="numeric" maxLength={12} {...bind('personal_id')} />
      </label>
      <label>
        {t('Mật khẩu (ít nhất 10 ký tự)', 'Password (10 characters or more)')}
        <input type="password" autocomplete="new-password" {...bind('password')} />
      </label>
      <Captcha onChallenge={setCaptchaId} answer={answer} onAnswer={setAnswer} nonce={nonce} />
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="primary" disabled={!online.value || !captchaId}>
        {t('Đăng ký', 'Register')}
      </button>
    </form>
  );
}

export function AccountPage() {
  const dev = device.value;
  const [message, setMessage] = useState<string | null>(null);
  const [signingOut, setSigningOut] = useState(false);
  // Officials belong to a commune; without the stored list its name is left out, not its code shown.
  const place = communeName(dev?.commune_code, communes.value);
  if (dev && !syncMeta.value.needs_sign_in) {
    const held = heldOnlyHere();
    return (
      <div>
        <h1>{t('Tài khoản', 'Account')}</h1>
        <div class="card">
          <p>
            <strong>{dev.full_name}</strong>
            {dev.email ? ` (${dev.email})` : ''}
          </p>
          <p class="muted" data-testid="account-role">
            {t('Vai trò', 'Role')}: {roleName(dev.role)}
            {place ? ` · ${place}` : ''}
          </p>
          <p class="muted small" data-testid="account-device">
            {thisDeviceText(dev.registered_at)}
          </p>
          {session.value && (
            <button
              type="button"
              class="secondary"
              onClick={async () => {
                try {
                  await addPasskey(session.value!, 'Passkey');
                  setMessage(t('Đã thêm passkey.', 'Passkey added.'));
                } catch (e) {
                  setMessage(problemText(e));
                }
              }}
            >
              {t('Thêm passkey', 'Add a passkey')}
            </button>
          )}
          {message && <p>{message}</p>}
        </div>
        <VerifiedFacts />
        <LinkedAccounts />
        <div class="card">
          <h2>{t('Đăng xuất khỏi máy này', 'Sign out of this device')}</h2>
          {held.unsent > 0 && (
            <p class="warning">
              {t(
                `Còn ${held.unsent} thay đổi chưa gửi. Hãy đồng bộ trước khi đăng xuất, nếu không chúng sẽ mất.`,
                `${held.unsent} change(s) are not sent yet. Sync before signing out, or they are lost.`,
              )}
            </p>
          )}
          {held.refused > 0 && (
            <p class="warning">
              {t(
                `${held.refused} thay đổi bị máy chủ từ chối chỉ còn trên máy này (xem trang Đồng bộ). Đăng xuất sẽ xóa chúng.`,
                `${held.refused} change(s) the server refused are only on this device (see the Sync page). Signing out deletes them.`,
              )}
            </p>
          )}
          {held.unsent + held.refused === 0 && (
            <p>{t('Mọi thay đổi đã được gửi. Đăng xuất sẽ xóa hồ sơ khỏi máy này (vẫn còn trên máy chủ).', 'Everything is sent. Signing out removes your dossiers from this device (they stay on the server).')}</p>
          )}
          <button
            type="button"
            class="danger"
            disabled={signingOut}
            onClick={async () => {
              const now = heldOnlyHere();
              if (now.unsent + now.refused > 0 && !confirm(t('Xóa cả những thay đổi chỉ còn trên máy này?', 'Delete the changes that are only on this device too?'))) return;
              setSigningOut(true);
              try {
                const ending = session.value ?? undefined;
                // This device's data goes first (once no sync pass runs), then the session.
                await changeHands(forgetEverything);
                await signOutServer(ending);
              } finally {
                setSigningOut(false);
                changed();
              }
            }}
          >
            {signingOut ? t('Đang đăng xuất…', 'Signing out…') : t('Đăng xuất', 'Sign out')}
          </button>
        </div>
      </div>
    );
  }
  return (
    <div>
      <h1>{t('Tài khoản', 'Account')}</h1>
      {syncMeta.value.needs_sign_in && <p class="card warn">{t('Thiết bị cần đăng nhập lại để tiếp tục đồng bộ. Dữ liệu trên máy vẫn còn.', 'Sign in again to keep syncing. Your data is still here.')}</p>}
      <p class="muted">{t('Không cần đăng nhập để làm hồ sơ. Cần đăng nhập để gửi hồ sơ đi.', 'You can prepare dossiers without signing in; sending needs an account.')}</p>
      <SignIn />
      <Register />
    </div>
  );
}
