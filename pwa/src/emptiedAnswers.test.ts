// A field the person emptied is the answer "": kept on the device and queued for the
// server, so that a fill rule does not put the requester's value back (sync/forms/README.md).
import { describe, expect, it } from 'vitest';
import { freshDb } from './testing/db';
import { createDraft, editAnswers } from './dossiers';
import { filledWhenUnanswered, validateAnswers } from './formModel';
import type { Schema } from './forms/types';
import { markSent, pendingItems } from './outbox';

const label = { vi: 'Nhãn', en: 'Label' };
const schema: Schema = {
  sections: [
    {
      id: 'requester',
      title: label,
      fields: [
        { id: 'relationship', type: 'select', label, options: [{ value: 'me', label }, { value: 'khac', label }] },
        { id: 'residence', type: 'text', label },
      ],
    },
    { id: 'mother', title: label, fields: [{ id: 'residence', type: 'text', label, required: true }, { id: 'note', type: 'text', label }] },
  ],
  fill_rules: [{ when: { field: 'requester.relationship', equals: 'me' }, copy: [{ from: 'requester.residence', to: 'mother.residence' }] }],
};

describe('an emptied answer', () => {
  it('is "" on the device and in the queued create_draft, and null removes it', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1, { 'requester.residence': 'Huế' });
    await editAnswers(db, d.id, { 'mother.residence': '' });
    expect((await db.get('dossiers', d.id))!.answers).toEqual({ 'requester.residence': 'Huế', 'mother.residence': '' });
    expect((await pendingItems(db))[0]!.payload.fields).toEqual({ 'requester.residence': 'Huế', 'mother.residence': '' });
    await editAnswers(db, d.id, { 'mother.residence': null });
    expect((await db.get('dossiers', d.id))!.answers).toEqual({ 'requester.residence': 'Huế' });
    expect((await pendingItems(db))[0]!.payload.fields).toEqual({ 'requester.residence': 'Huế' });
  });

  it('travels as an edit_draft change "" once the draft has left', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1, { 'mother.residence': 'Huế' });
    await markSent(db, [1]);
    await editAnswers(db, d.id, { 'mother.residence': '' });
    await editAnswers(db, d.id, { 'mother.residence': '' }); // the same again changes nothing
    const items = await pendingItems(db);
    expect(items.map((i) => [i.kind, i.payload])).toEqual([
      ['create_draft', { procedure_code: 'khai-sinh', schema_version: 1, fields: { 'mother.residence': 'Huế' } }],
      ['edit_draft', { changes: { 'mother.residence': '' } }],
    ]);
  });

  it('is needed only where a fill rule would fill the field', () => {
    const answers = { 'requester.relationship': 'me', 'requester.residence': 'Huế', 'mother.residence': 'Vinh' };
    expect(filledWhenUnanswered(schema, answers, 'mother.residence', null)).toBe(true);
    expect(filledWhenUnanswered(schema, answers, 'mother.note', null)).toBe(false);
    expect(filledWhenUnanswered(schema, { ...answers, 'requester.relationship': 'khac' }, 'mother.residence', null)).toBe(false);
    // The form then shows it empty and required, as the server will say.
    const result = validateAnswers(schema, { ...answers, 'mother.residence': '' }, null);
    expect(result.values['mother.residence']).toBeUndefined();
    expect(result.issues.map((i) => [i.path, i.code])).toEqual([['mother.residence', 'required']]);
  });
});
