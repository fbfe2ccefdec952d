// Files the server refuses for what they are (a program named .pdf, a damaged scan…)
// and the queued changes that need them. A refused file is never sent again, so a
// change that needs it would wait for ever and hold everything queued behind it. Each
// such change that has not left the device is taken back instead: it travels as a
// no-op (`voided`) and comes back rejected with the reason, naming the file and its
// field. A submission taken back makes the dossier a draft again on the phone, and the
// person is told which file was refused and why, so they can remove or replace it.
// A file lost after a restore (neither the server nor the phone holds its bytes,
// heldFiles.ts) takes the same path, worded so: the person must add it again.

import type { Reason } from './api/types';
import { noticeName } from './dossierNames';
import { nextStamp, type Answers, type BlobRecord, type FileRefusal, type MotcuaDB, type OutboxItem } from './db';
import { hashesIn } from './fileHashes';

/** The refusal code of a file lost after a restore (heldFiles.ts). */
export const LOST = 'file_lost';


/** The files a queued change needs on the server first: the server takes a file into a
 * dossier only from an account that has sent its bytes. */
export function attachmentHashes(item: OutboxItem, answers: Record<string, unknown>): string[] {
  if (item.kind === 'attach') return [item.payload.sha256 as string];
  if (item.kind === 'resolve_conflict') return item.holds ?? [];
  if (item.kind !== 'submit' && item.kind !== 'answer_supplement') return [];
  return Object.values(answers).flatMap(hashesIn);
}

/** The field that holds a file, as the reason names it. */
function fieldHolding(item: OutboxItem, answers: Answers, sha256: string): string {
  if (item.kind === 'attach') return item.payload.path as string;
  return Object.entries(answers).find(([, value]) => hashesIn(value).includes(sha256))?.[0] ?? '';
}

/** The server's message names the file as “name”: …; ours names it once, our way. */
export const withoutName = (message: string) => message.replace(/^\u201c[^\u201d]*\u201d:\s*/, '');

/** Why a change was taken back: the attach carries the server's reason; what only
 * depended on the file says so, and what to do. */
export function refusalReason(item: OutboxItem, file: Pick<BlobRecord, 'name'> & { refused: FileRefusal }, path: string): Reason {
  const named = `\u201c${file.name}\u201d`;
  const lost = file.refused.code === LOST;
  const why = lost ? `máy chủ không còn tệp ${named}` : `tệp ${named} bị từ chối`;
  const message =
    item.kind === 'submit'
      ? `Hồ sơ chưa được nộp vì ${why}. Hãy bỏ tệp đó, ${lost ? 'thêm lại tệp' : 'chọn tệp khác'} rồi nộp lại.`
      : item.kind === 'answer_supplement'
        ? `Phần bổ sung chưa được gửi vì ${why}. Hãy ${lost ? 'thêm lại tệp' : 'chọn tệp khác'} rồi gửi lại.`
        : `Tệp ${named} bị từ chối: ${withoutName(file.refused.message)}`;
  return { code: file.refused.code, path, message };
}

/**
 * Takes back every queued change, not yet sent, that needs a refused file, and raises
 * one notice per dossier and file. Returns the number of notices.
 */
export async function takeBackRefused(db: MotcuaDB, now: Date): Promise<number> {
  const tx = db.transaction(['outbox', 'dossiers', 'blobs', 'notices'], 'readwrite');
  const refused = new Map<string, BlobRecord & { refused: FileRefusal }>();
  for (const b of await tx.objectStore('blobs').getAll()) if (b.refused) refused.set(b.sha256, b as BlobRecord & { refused: FileRefusal });
  const toTell = new Map<string, { dossierId: string; sha256: string; resubmit: boolean }>();
  if (refused.size) {
    for (const item of await tx.objectStore('outbox').getAll()) {
      // A sent item may already be on the server: it is never changed, only answered.
      if (item.status !== 'pending' || item.sent || item.voided) continue;
      const d = await tx.objectStore('dossiers').get(item.dossier_id);
      const answers = d?.answers ?? {};
      const bad = [...new Set(attachmentHashes(item, answers))].filter((h) => refused.has(h));
      if (!bad.length) continue;
      await tx.objectStore('outbox').put({ ...item, voided: bad.map((h) => refusalReason(item, refused.get(h)!, fieldHolding(item, answers, h))) });
      if (d && (item.kind === 'submit' || item.kind === 'answer_supplement')) {
        // Editable again: the person fixes the files and submits (or answers) anew.
        if (item.kind === 'submit') d.submit_queued = false;
        else {
          delete d.supplement_answered_at;
          // Past the draft the form is not open to remove it: the answer leaves it out.
          for (const [path, value] of Object.entries(d.answers)) {
            const left = hashesIn(value).filter((h) => !bad.includes(h));
            if (left.length !== hashesIn(value).length) {
              if (left.length) d.answers[path] = left;
              else delete d.answers[path];
            }
          }
        }
        d.updated_at = nextStamp(d.updated_at, now);
        await tx.objectStore('dossiers').put(d);
      }
      for (const sha256 of bad) {
        const key = `${item.dossier_id} ${sha256}`;
        const told = toTell.get(key);
        toTell.set(key, { dossierId: item.dossier_id, sha256, resubmit: (told?.resubmit ?? false) || item.kind === 'submit' });
      }
    }
  }
  for (const { dossierId, sha256, resubmit } of toTell.values()) {
    const file = refused.get(sha256)!;
    const name = noticeName((await tx.objectStore('dossiers').get(dossierId)) ?? { id: dossierId });
    await tx.objectStore('notices').add({
      at: now.toISOString(),
      dossier_id: dossierId,
      ...(file.refused.code === LOST
        ? {
            vi: `Hồ sơ ${name}: máy chủ và máy này đều không còn tệp \u201c${file.name}\u201d. Hãy bỏ tệp này rồi thêm lại${resubmit ? ', sau đó nộp lại' : ''}.`,
            en: `Dossier ${name}: neither the server nor this device holds the file \u201c${file.name}\u201d any more. Remove it and add it again${resubmit ? ', then submit again' : ''}.`,
          }
        : {
            vi: `Hồ sơ ${name}: máy chủ không nhận tệp \u201c${file.name}\u201d. ${withoutName(file.refused.message)} Hãy bỏ tệp này, chọn tệp khác${resubmit ? ' rồi nộp lại' : ''}.`,
            en: `Dossier ${name}: the server refused the file \u201c${file.name}\u201d (${file.refused.code}). Remove it, choose another${resubmit ? ' and submit again' : ''}.`,
          }),
      read: false,
    });
  }
  await tx.done;
  return toTell.size;
}

/**
 * Refused files stay in the device's answers until the person removes them, though the
 * server's view of the dossier never had them: else a file would vanish unexplained.
 */
export function keepRefusedFiles(next: Answers, before: Answers | undefined, refused: ReadonlySet<string>): void {
  for (const [path, value] of Object.entries(before ?? {})) {
    const kept = hashesIn(value).filter((h) => refused.has(h));
    if (!kept.length) continue;
    const now = hashesIn(next[path]);
    const missing = kept.filter((h) => !now.includes(h));
    if (missing.length) next[path] = [...(Array.isArray(next[path]) ? (next[path] as string[]) : []), ...missing];
  }
}

/** The person removed a refused file: once no dossier holds it, it leaves the device. */
export async function forgetRefusedFile(db: MotcuaDB, sha256: string): Promise<void> {
  const tx = db.transaction(['blobs', 'dossiers'], 'readwrite');
  const file = await tx.objectStore('blobs').get(sha256);
  if (file?.refused) {
    const held = (await tx.objectStore('dossiers').getAll()).some((d) => Object.values(d.answers).some((v) => hashesIn(v).includes(sha256)));
    if (!held) await tx.objectStore('blobs').delete(sha256);
  }
  await tx.done;
}
