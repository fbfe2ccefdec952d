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
    rescueTyped(d.id, { 'child.hometown': 'Làng đã gõ' }, store);
    rescueTyped(d.id, { 'child.full_name': 'Bé Na' }, store);
    expect(await restoreRescued(db, store)).toBe(1);
    expect((await db.get('dossiers', d.id))!.answers).toMatchObject({ 'child.hometown': 'Làng đã gõ', 'child.full_name': 'Bé Na' });
    expect(store.size()).toBe(0);
    // Nothing twice.
    const outbox = await db.getAll('outbox');
    expect(await restoreRescued(db, store)).toBe(0);
    expect(await db.getAll('outbox')).toEqual(outbox);
  });

  it('an answer the save did store is no new edit', async () => {
    const db = await freshDb();
    const store = memoryStorage();
    const d = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Bé' });
    const outbox = await db.getAll('outbox');
    rescueTyped(d.id, { 'child.full_name': 'Bé' }, store);
    await restoreRescued(db, store);
    expect(await db.getAll('outbox')).toEqual(outbox);
  });

  it('a draft submitted or gone since takes nothing; a stored one is forgotten; a sign-out forgets all', async () => {
    const db = await freshDb();
    const store = memoryStorage();
    const sent = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Bé' });
    await submitDossier(db, sent.id);
    rescueTyped(sent.id, { 'child.full_name': 'Sau khi nộp' }, store);
    rescueTyped('0190a000-0000-7000-8000-00000000dead', { 'child.full_name': 'Không còn' }, store);
    expect(await restoreRescued(db, store)).toBe(0);
    expect((await db.get('dossiers', sent.id))!.answers['child.full_name']).toBe('Bé');

    const kept = await createDraft(db, 'khai-sinh', 1);
    rescueTyped(kept.id, { 'child.full_name': 'Đã lưu' }, store);
    rescued(kept.id, store);
    expect(store.size()).toBe(0);
    rescueTyped(kept.id, { 'child.full_name': 'Của người trước' }, store);
    forgetRescued(store);
    expect(store.size()).toBe(0);
  });
});
