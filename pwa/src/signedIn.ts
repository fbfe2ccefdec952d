// What the app does once the server has a session for the person, however they signed
// in (password, passkey, e-ID): this install becomes (or stays) their device, whose
// credential signs every sync request from then on; the sync starts.

import type { SessionInfo } from './api/types';
import { changeHands, changed, device, heldOnlyHere, syncNow } from './app';
import { forgetEverything, registerDevice } from './auth';
import { t } from './i18n';

export async function afterSignIn(info: SessionInfo): Promise<void> {
  const current = device.value;
  const held = heldOnlyHere();
  if (current && current.account_id !== info.account_id && held.unsent + held.refused > 0) {
    // Another account signing in forgets this install's data: what only this phone
    // holds of the last person's work (unsent, or refused for them to mend) would go.
    const who = current.email || current.full_name;
    const n = held.unsent + held.refused;
    throw new Error(
      t(
        `Máy này còn ${n} thay đổi của tài khoản ${who} chưa có trên máy chủ. Hãy đăng nhập lại tài khoản đó để gửi hoặc xem trước.`,
        `This device still holds ${n} change(s) of ${who} that are not on the server. Sign in with that account first to send or review them.`,
      ),
    );
  }
  // Under the sync lock: a pass of the device being replaced would push its items
  // while they are renumbered, or store the last person's dossiers after they go.
  await changeHands(async (db) => {
    if (current && current.account_id !== info.account_id) await forgetEverything(db);
    await registerDevice(db, info);
  });
  changed();
  await syncNow('signed-in');
}
