// Accounts on the device: sign in (password or passkey), register with the robot
// check, and register this install as a device whose credential signs every sync
// request. Drafting never needs any of it; syncing waits for it.

import { ApiError, api, answered, dataOf, type Fetch } from './api/http';
import type { CaptchaOut, RegisterRequest, SessionInfo, VerifiedIdentityInfo } from './api/types';
import { getMeta, setMeta, type DeviceRecord, type MotcuaDB } from './db';
import { DEVICE_KEY, SYNC_KEY } from './sync';
import { takeStartedAttempt } from './oidc';
import { forgetRescued } from './typedRescue';
import { uuid7 } from './uuid7';

export const SESSION_KEY = 'session';

/** Roles that work the desk (the server's guard on /api/desk admits the same). */
export const DESK_ROLES: readonly string[] = ['desk', 'agency_admin', 'admin'];

/**
 * The bar "new notice about your dossiers" is for people following their own
 * dossiers; an official's device sees the desk's queue instead, so not for them.
 */
export function showsDossierNoticeBar(role: string | null | undefined): boolean {
  return !role || !DESK_ROLES.includes(role);
}

export function newCaptcha(fetch?: Fetch): Promise<CaptchaOut> {
  return dataOf(api.POST('/api/captcha', { fetch }));
}

export function registerAccount(body: RegisterRequest, fetch?: Fetch) {
  // The same answer whether or not the address had an account: no account id.
  return dataOf(api.POST('/api/auth/register', { body, fetch }));
}

export function passwordSignIn(email: string, password: string, fetch?: Fetch): Promise<SessionInfo> {
  return dataOf(api.POST('/api/auth/login', { body: { email, password }, fetch }));
}

export async function passkeySignIn(fetch?: Fetch): Promise<SessionInfo> {
  const { startAuthentication } = await import('@simplewebauthn/browser');
  const { challenge_id, options } = await dataOf(api.POST('/api/auth/passkey/options', { fetch }));
  const credential = await startAuthentication({ optionsJSON: options as never });
  return dataOf(api.POST('/api/auth/passkey/verify', { body: { challenge_id, credential: { ...credential } }, fetch }));
}

/** Adds a passkey to the signed-in account (for the next sign-in without a password). */
export async function addPasskey(session: SessionInfo, name: string, fetch?: Fetch): Promise<void> {
  const { startRegistration } = await import('@simplewebauthn/browser');
  const headers = { 'X-CSRF-Token': session.csrf_token };
  const { challenge_id, options } = await dataOf(api.POST('/api/me/passkeys/options', { headers, fetch }));
  const credential = await startRegistration({ optionsJSON: options as never });
  await answered(api.POST('/api/me/passkeys', { headers, body: { challenge_id, credential: { ...credential }, name }, fetch }));
}

export function currentSession(fetch?: Fetch): Promise<SessionInfo> {
  return dataOf(api.GET('/api/auth/session', { fetch }));
}

/** The browser and system this install runs in, by their own names; null when not recognised. */
export function deviceKind(ua: string = typeof navigator !== 'undefined' ? navigator.userAgent : ''): { browser: string | null; platform: string | null } {
  const platform = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' : /Mac/.test(ua) ? 'Mac' : /Linux/.test(ua) ? 'Linux' : null;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Chrome\//.test(ua) ? 'Chrome' : /Firefox\//.test(ua) ? 'Firefox' : /Safari\//.test(ua) ? 'Safari' : null;
  return { browser, platform };
}

/** The name the server keeps for this device (Vietnamese, as officials read it). */
export function deviceName(): string {
  const { browser, platform } = deviceKind();
  return `${browser ?? 'trình duyệt'} trên ${platform ?? 'Thiết bị'}`;
}

/**
 * Registers this install for the signed-in account and keeps its credential. A device
 * already registered for the same account is kept (its outbox and seq go on); another
 * account's device is replaced only when its outbox is empty (the caller checks).
 */
export async function registerDevice(db: MotcuaDB, session: SessionInfo, fetch?: Fetch): Promise<DeviceRecord> {
  const existing = await getMeta<DeviceRecord>(db, DEVICE_KEY);
  const sync = (await getMeta<{ needs_sign_in?: boolean }>(db, SYNC_KEY)) ?? {};
  if (existing && existing.account_id === session.account_id && !sync.needs_sign_in) {
    // The same device goes on; what the e-ID verified is the latest sign-in's.
    const kept: DeviceRecord = { ...existing, verified: session.verified ?? null };
    const tx = db.transaction('meta', 'readwrite');
    await tx.store.put(kept, DEVICE_KEY);
    await tx.store.put(session, SESSION_KEY);
    await tx.done;
    return kept;
  }
  const id = uuid7();
  const answer = await dataOf(
    api.POST('/api/devices', {
      fetch,
      headers: { 'X-CSRF-Token': session.csrf_token },
      body: { id, name: deviceName() },
    }),
  );
  const device: DeviceRecord = {
    device_id: answer.device_id,
    credential: answer.credential,
    account_id: session.account_id,
    email: session.email,
    full_name: session.full_name,
    role: session.role,
    commune_code: session.commune_code,
    registered_at: new Date().toISOString(),
    verified: session.verified ?? null,
  };
  // A new device starts a new seq series and a full pull; the outbox keeps its items,
  // renumbered from 1 in their order, so nothing queued is lost.
  const tx = db.transaction(['meta', 'outbox'], 'readwrite');
  const all = await tx.objectStore('outbox').getAll();
  const changed = !existing || existing.device_id !== device.device_id;
  if (changed) {
    await tx.objectStore('outbox').clear();
    let seq = 1;
    for (const item of all.filter((i) => i.status === 'pending')) await tx.objectStore('outbox').put({ ...item, seq: seq++, sent: false });
    // Refused items stay on show, out of the way of the new numbering.
    for (const item of all.filter((i) => i.status === 'rejected')) await tx.objectStore('outbox').put({ ...item, seq: -Math.abs(item.seq) });
    await tx.objectStore('meta').put(seq, 'next_seq');
    await tx.objectStore('meta').delete('pull_cursor');
  }
  await tx.objectStore('meta').put(device, DEVICE_KEY);
  await tx.objectStore('meta').put({ ...sync, needs_sign_in: false, last_error: null }, SYNC_KEY);
  await tx.objectStore('meta').put(session, SESSION_KEY);
  await tx.done;
  return device;
}

/** What the e-ID verified about the person signed in on this device, stored, so offline too. */
export function verifiedOf(session: SessionInfo | null | undefined, device: DeviceRecord | null | undefined): VerifiedIdentityInfo | null {
  if (session && device && session.account_id !== device.account_id) return null;
  return session?.verified ?? device?.verified ?? null;
}

/**
 * A sign-out the server has not heard of yet (made offline): the session's CSRF token,
 * kept outside IndexedDB, which the sign-out clears. Until the server ends that session
 * the browser's cookie would let the next person holding the phone into it.
 */
const SIGN_OUT_OWED_KEY = 'motcua.sign_out_owed';

export async function signOutServer(session: SessionInfo | undefined, fetch?: Fetch): Promise<void> {
  if (!session) return;
  if (await endServerSession(session.csrf_token, fetch)) return;
  try {
    globalThis.localStorage?.setItem(SIGN_OUT_OWED_KEY, session.csrf_token);
  } catch {
    // Storage refused: the session still ends at its idle limit.
  }
}

/** Ends the session now, if the network is back since a sign-out made offline; whether
 *  no sign-out is owed any more. */
export async function settleOwedSignOut(fetch?: Fetch): Promise<boolean> {
  let token: string | null = null;
  try {
    token = globalThis.localStorage?.getItem(SIGN_OUT_OWED_KEY) ?? null;
  } catch {
    return true;
  }
  if (!token) return true;
  if (!(await endServerSession(token, fetch))) return false;
  globalThis.localStorage?.removeItem(SIGN_OUT_OWED_KEY);
  return true;
}

/** Whether the server has answered: it ended the session, or there was none to end (or
 *  the cookie is another sign-in's since, which an old token must not end). */
async function endServerSession(csrfToken: string, fetch?: Fetch): Promise<boolean> {
  try {
    await answered(api.POST('/api/auth/logout', { headers: { 'X-CSRF-Token': csrfToken }, fetch }));
    return true;
  } catch (error) {
    return error instanceof ApiError && !error.transient;
  }
}

/** Removes the personal data this install holds. The caller has checked nothing waits to sync. */
export async function forgetEverything(db: MotcuaDB): Promise<void> {
  const stores = ['meta', 'outbox', 'dossiers', 'blobs', 'codes', 'notices'] as const;
  const tx = db.transaction([...stores], 'readwrite');
  const lang = await tx.objectStore('meta').get('lang');
  for (const s of stores) await tx.objectStore(s).clear();
  if (lang) await tx.objectStore('meta').put(lang, 'lang');
  await tx.done;
  forgetRescued();
  takeStartedAttempt(); // an e-ID sign-in begun before is no sign-in of the next person
}
