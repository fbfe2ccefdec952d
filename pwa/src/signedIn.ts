// What the app does once the server has a session for the person, however they signed
// in (password, passkey, e-ID): this install becomes (or stays) their device, whose
// credential signs every sync request from then on; the sync starts.

import type { SessionInfo } from './api/types';
import type { DeviceRecord } from './db';
import { changeHands, changed, device, getDb, heldOnlyHere, heldOnlyHereIn, syncNow, type HeldOnlyHere } from './app';
import { forgetEverything, registerDevice, signOutServer } from './auth';
import { getMeta } from './db';
import { DEVICE_KEY } from './sync';
import { t } from './i18n';

export async function afterSignIn(info: SessionInfo): Promise<void> {
  // A refusal ends the session just made: the cookie would otherwise keep it for whoever
  // holds the phone next (the account page would show its linked e-ID, for one).
  try {
    await signIn(info);
  } catch (error) {
    if (error instanceof Refused) await signOutServer(info);
    throw error;
  }
  changed();
  await syncNow('signed-in');
}

class Refused extends Error {}

async function signIn(info: SessionInfo): Promise<void> {
  const current = device.value;
  const switching = current !== null && current.account_id !== info.account_id;
  if (switching) refuseOver(current, heldOnlyHere());
  if (current === null) await adoptOnlyIfTheirs(info);
  // Under the sync lock: a pass of the device being replaced would push its items
  // while they are renumbered, or store the last person's dossiers after they go.
  await changeHands(async (db) => {
    // Another window may have signed someone in while this one asked its question, or
    // before this one heard of it (windows learn of sign-ins when shown again): what
    // was asked about is no longer what this install holds.
    const now = (await getMeta<DeviceRecord>(db, DEVICE_KEY)) ?? null;
    if ((now?.device_id ?? null) !== (current?.device_id ?? null)) {
      throw new Refused(
        t(
          'Máy này vừa được đăng nhập hoặc đăng xuất ở một cửa sổ khác. Hãy tải lại trang rồi đăng nhập lại.',
          'Someone signed in or out of this device in another window. Reload the page and sign in again.',
        ),
      );
    }
    if (switching) {
      // Asked again now no pass runs: one may have left a refusal while this waited.
      refuseOver(current, await heldOnlyHereIn(db));
      await forgetEverything(db);
    }
    await registerDevice(db, info);
  });
}

/**
 * What was made here while nobody was signed in (drafts, and files not sent, a deleted
 * draft's photo among them) joins the account signing in only if that person says so:
 * on a phone several people share it may be someone else's, who would lose it to a
 * stranger's account (and the stranger would read it on the server). Declined, nobody
 * is signed in and it all stays on the phone for whoever made it.
 */
async function adoptOnlyIfTheirs(info: SessionInfo): Promise<void> {
  const db = getDb();
  const drafts = await db.count('dossiers');
  const files = (await db.getAll('blobs')).filter((b) => !b.uploaded).length;
  if (drafts + files === 0) return;
  const who = info.email || info.full_name;
  const what = t(
    [drafts && `${drafts} hồ sơ`, files && `${files} tệp đính kèm`].filter(Boolean).join(' và '),
    [drafts && `${drafts} dossier(s)`, files && `${files} attached file(s)`].filter(Boolean).join(' and '),
  );
  const theirs = confirm(
    t(
      `Máy này có ${what} được soạn khi chưa đăng nhập. Thêm vào tài khoản ${who}?\n\nChọn "Hủy" nếu không phải của bạn: bạn sẽ chưa đăng nhập, và chúng vẫn ở trên máy cho người đã soạn.`,
      `This device has ${what} made while nobody was signed in. Add them to the account ${who}?\n\nChoose "Cancel" if they are not yours: you will not be signed in, and they stay on this device for whoever made them.`,
    ),
  );
  if (theirs) return;
  throw new Refused(
    t(
      `Chưa đăng nhập: ${what} soạn trên máy này khi chưa đăng nhập không được thêm vào tài khoản ${who}. Người đã soạn hãy đăng nhập để gửi.`,
      `Not signed in: the ${what} made on this device while nobody was signed in were not added to the account ${who}. Whoever made them can sign in to send them.`,
    ),
  );
}

/** Another account signing in forgets this install's data: what only this phone holds
 *  of the last person's work (unsent, or refused for them to mend) would go with it. */
function refuseOver(current: DeviceRecord, held: HeldOnlyHere): void {
  const n = held.unsent + held.refused;
  if (n === 0) return;
  const who = current.email || current.full_name;
  throw new Refused(
    t(
      `Máy này còn ${n} thay đổi của tài khoản ${who} chưa có trên máy chủ. Hãy đăng nhập lại tài khoản đó để gửi hoặc xem trước.`,
      `This device still holds ${n} change(s) of ${who} that are not on the server. Sign in with that account first to send or review them.`,
    ),
  );
}
