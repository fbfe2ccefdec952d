// What the app does once the server has a session for the person, however they signed
// in (password, passkey, e-ID): this install becomes (or stays) their device, whose
// credential signs every sync request from then on; the sync starts.

import type { SessionInfo } from './api/types';
import type { DeviceRecord } from './db';
import { changeHands, changed, device, heldOnlyHere, heldOnlyHereIn, syncNow, type HeldOnlyHere } from './app';
import { forgetEverything, registerDevice } from './auth';
import { t } from './i18n';

export async function afterSignIn(info: SessionInfo): Promise<void> {
  const current = device.value;
  const switching = current !== null && current.account_id !== info.account_id;
  if (switching) refuseOver(current, heldOnlyHere());
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
