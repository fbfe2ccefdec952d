import { describe, expect, it } from 'vitest';
import { freshDb } from './testing/db';
import { createDraft, submitDossier } from './dossiers';
import { forgetRescued, rescued, rescueTyped, restoreRescued } from './typedRescue';

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
    size: () => map.size,
  };
}

describe('what was typed as the page went', () => {
  it('goes into its draft at the next start, as an edit, once', async () => {
    const db = await freshDb();
    const store = memoryStorage();
    const d = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Bé' });
    rescueTyped(d.id, null, { 'child.hometown': 'Làng đã gõ' }, store);
    rescueTyped(d.id, null, { 'child.full_name': 'Bé Na' }, store);
    expect(await restoreRescued(db, null, store)).toBe(1);
    expect((await db.get('dossiers', d.id))!.answers).toMatchObject({ 'child.hometown': 'Làng đã gõ', 'child.full_name': 'Bé Na' });
    expect(store.size()).toBe(0);
    // Nothing twice.
    const outbox = await db.getAll('outbox');
    expect(await restoreRescued(db, null, store)).toBe(0);
    expect(await db.getAll('outbox')).toEqual(outbox);
  });

  it('an answer the save did store is no new edit', async () => {
    const db = await freshDb();
    const store = memoryStorage();
    const d = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Bé' });
    const outbox = await db.getAll('outbox');
    rescueTyped(d.id, null, { 'child.full_name': 'Bé' }, store);
    await restoreRescued(db, null, store);
    expect(await db.getAll('outbox')).toEqual(outbox);
  });

  it('a draft submitted or gone since takes nothing; nor one typed under another account', async () => {
    const db = await freshDb();
    const store = memoryStorage();
    const sent = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Bé' });
    await submitDossier(db, sent.id);
    rescueTyped(sent.id, 'acc-a', { 'child.full_name': 'Sau khi nộp' }, store);
    rescueTyped('0190a000-0000-7000-8000-00000000dead', 'acc-a', { 'child.full_name': 'Không còn' }, store);
    const other = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Của B' });
    // A tab left open after A signed out, hidden once B had signed in.
    rescueTyped(other.id, 'acc-a', { 'child.full_name': 'A gõ' }, store);
    expect(await restoreRescued(db, 'acc-b', store)).toBe(0);
    expect((await db.get('dossiers', sent.id))!.answers['child.full_name']).toBe('Bé');
    expect((await db.get('dossiers', other.id))!.answers['child.full_name']).toBe('Của B');
  });

  it('a save forgets only what it stored: another tab\'s unsaved answers stay; a sign-out forgets all', async () => {
    const store = memoryStorage();
    rescueTyped('d1', null, { 'child.full_name': 'Đã lưu', 'child.hometown': 'Tab khác' }, store);
    rescued('d1', { 'child.full_name': 'Đã lưu' }, store);
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1);
    rescueTyped(d.id, null, { 'child.hometown': 'x' }, store);
    rescued(d.id, { 'child.hometown': 'x' }, store);
    expect(JSON.parse(store.getItem('motcua.typed_rescue')!)).toEqual({ d1: { account: null, changes: { 'child.hometown': 'Tab khác' } } });
    forgetRescued(store);
    expect(store.size()).toBe(0);
  });
});
