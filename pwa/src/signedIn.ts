// What the app does once the server has a session for the person, however they signed
// in (password, passkey, e-ID): this install becomes (or stays) their device, whose
// credential signs every sync request from then on; the sync starts.

import type { SessionInfo } from './api/types';
import type { DeviceRecord } from './db';
import { changeHands, changed, device, getDb, heldOnlyHere, heldOnlyHereIn, syncNow, type HeldOnlyHere } from './app';
import { forgetEverything, registerDevice, signOutServer } from './auth';
import { t } from './i18n';

/** `ask` puts a yes/no question to the person at the phone. */
export async function afterSignIn(info: SessionInfo, ask: (question: string) => boolean = (q) => confirm(q)): Promise<void> {
  const current = device.value;
  const switching = current !== null && current.account_id !== info.account_id;
  if (switching) refuseOver(current, heldOnlyHere());
  if (current === null) await adoptOnlyIfTheirs(info, ask);
  // Under the sync lock: a pass of the device being replaced would push its items
  // while they are renumbered, or store the last person's dossiers after they go.
  await changeHands(async (db) => {
    if (switching) {
      // Asked again now no pass runs: one may have left a refusal while this waited.
      refuseOver(current, await heldOnlyHereIn(db));
      await forgetEverything(db);
    }
    await registerDevice(db, info);
  });
  changed();
  await syncNow('signed-in');
}

/**
 * Drafts typed here while nobody was signed in join the account signing in only if that
 * person says so: on a phone several people share they may be someone else's, who would
 * lose them to a stranger's account (and the stranger would read them on the server).
 * Declined, nobody is signed in and the drafts stay on the phone for whoever typed them.
 */
async function adoptOnlyIfTheirs(info: SessionInfo, ask: (question: string) => boolean): Promise<void> {
  const n = await getDb().count('dossiers');
  if (n === 0) return;
  const who = info.email || info.full_name;
  const theirs = ask(
    t(
      `Máy này có ${n} hồ sơ được soạn khi chưa đăng nhập. Thêm vào tài khoản ${who}?\n\nChọn "Hủy" nếu không phải của bạn: bạn sẽ chưa đăng nhập, và các hồ sơ vẫn ở trên máy cho người đã soạn.`,
      `This device has ${n} dossier(s) drafted while nobody was signed in. Add them to the account ${who}?\n\nChoose "Cancel" if they are not yours: you will not be signed in, and they stay on this device for whoever drafted them.`,
    ),
  );
  if (theirs) return;
  await signOutServer(info);
  throw new Error(
    t(
      `Chưa đăng nhập: ${n} hồ sơ soạn trên máy này khi chưa đăng nhập không được thêm vào tài khoản ${who}. Người đã soạn hãy đăng nhập để gửi, hoặc xóa chúng trước.`,
      `Not signed in: the ${n} dossier(s) drafted on this device while nobody was signed in were not added to the account ${who}. Whoever drafted them can sign in to send them, or delete them first.`,
    ),
  );
}

/** Another account signing in forgets this install's data: what only this phone holds
 *  of the last person's work (unsent, or refused for them to mend) would go with it. */
function refuseOver(current: DeviceRecord, held: HeldOnlyHere): void {
  const n = held.unsent + held.refused;
  if (n === 0) return;
  const who = current.email || current.full_name;
  throw new Error(
    t(
      `Máy này còn ${n} thay đổi của tài khoản ${who} chưa có trên máy chủ. Hãy đăng nhập lại tài khoản đó để gửi hoặc xem trước.`,
      `This device still holds ${n} change(s) of ${who} that are not on the server. Sign in with that account first to send or review them.`,
    ),
  );
}
