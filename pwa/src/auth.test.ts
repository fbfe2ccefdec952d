import { describe, expect, it } from 'vitest';
import { registerDevice, SESSION_KEY, showsDossierNoticeBar, verifiedOf } from './auth';
import { getMeta, type DeviceRecord } from './db';
import { createDraft, editAnswers } from './dossiers';
import { markSent, pendingItems } from './outbox';
import { freshDb } from './testing/db';
import { DEVICE_KEY } from './sync';

const SESSION = {
  account_id: 'acc-1', email: 'lan@example.vn', full_name: 'Nguyễn Thị Lan', role: 'citizen',
  commune_code: '', csrf_token: 'csrf', demo_mode: false,
};

function deviceServer() {
  const calls: { headers: Headers; body: { id: string; name: string } }[] = [];
  const fetch = async (request: Request) => {
    const body = await request.json();
    calls.push({ headers: request.headers, body });
    return new Response(JSON.stringify({ device_id: body.id, credential: `${body.id}.secret${calls.length}` }), { status: 201 });
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
}

describe('device registration', () => {
  it('keeps what the e-ID verified with the device and the session, and the latest sign-in’s', async () => {
    const db = await freshDb();
    const server = deviceServer();
    const verified = {
      provider: 'vneid', provider_label: 'VNeID', id_number: '001085012345', full_name: 'Nguyễn Văn An',
      birth_date: '1985-03-14', sex: 'male', residence: 'Hà Nội', verified_at: '2026-12-06T00:00:00Z',
    };
    await registerDevice(db, { ...SESSION, verified }, server.fetch);
    expect((await getMeta<DeviceRecord>(db, DEVICE_KEY))!.verified).toEqual(verified);
    expect((await getMeta<{ verified: unknown }>(db, SESSION_KEY))!.verified).toEqual(verified);
    // Signed in again (the same device): the newer facts replace the older.
    const newer = { ...verified, residence: 'Huế' };
    await registerDevice(db, { ...SESSION, verified: newer }, server.fetch);
    expect(server.calls).toHaveLength(1);
    const device = await getMeta<DeviceRecord>(db, DEVICE_KEY);
    expect(device!.verified).toEqual(newer);
    expect(verifiedOf(null, device)).toEqual(newer);
    expect(verifiedOf({ ...SESSION, account_id: 'other' }, device)).toBeNull();
  });

  it('drafts made before any sign-in keep their place; the credential is stored', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'A' });
    const server = deviceServer();
    const device = await registerDevice(db, SESSION, server.fetch);
    expect(server.calls[0]!.headers.get('X-CSRF-Token')).toBe('csrf');
    expect(device.credential).toMatch(/\.secret1$/);
    expect(await getMeta<DeviceRecord>(db, DEVICE_KEY)).toMatchObject({ account_id: 'acc-1', credential: device.credential });
    expect((await pendingItems(db)).map((i) => [i.seq, i.dossier_id])).toEqual([[1, d.id]]);
    // Signing in again with the same account keeps the device.
    await registerDevice(db, SESSION, server.fetch);
    expect(server.calls).toHaveLength(1);
  });

  it('a new device after a refused credential renumbers what was never confirmed from 1', async () => {
    const db = await freshDb();
    const server = deviceServer();
    await registerDevice(db, SESSION, server.fetch);
    const d = await createDraft(db, 'khai-sinh', 1);
    await markSent(db, [1]);
    await editAnswers(db, d.id, { 'child.full_name': 'B' });
    await db.put('outbox', { ...(await db.get('outbox', 2))!, status: 'rejected', reasons: [] });
    await editAnswers(db, d.id, { 'child.hometown': 'Huế' });
    await db.put('meta', { needs_sign_in: true }, 'sync');
    await db.put('meta', 'v1.cursor', 'pull_cursor');
    const second = await registerDevice(db, SESSION, server.fetch);
    expect(server.calls).toHaveLength(2);
    expect(second.device_id).not.toBe(server.calls[0]!.body.id);
    const items = await db.getAll('outbox');
    expect(items.map((i) => [i.seq, i.kind, i.status, !!i.sent])).toEqual([
      [-2, 'edit_draft', 'rejected', false],
      [1, 'create_draft', 'pending', false],
      [2, 'edit_draft', 'pending', false],
    ]);
    expect(await db.get('meta', 'next_seq')).toBe(3);
    expect(await db.get('meta', 'pull_cursor')).toBeUndefined();
  });
});

describe('the bar of new notices about dossiers', () => {
  it('shows for people following their own dossiers, not for the desk', () => {
    for (const role of [undefined, null, 'citizen', 'outreach']) expect(showsDossierNoticeBar(role)).toBe(true);
    for (const role of ['desk', 'agency_admin', 'admin']) expect(showsDossierNoticeBar(role)).toBe(false);
  });
});
