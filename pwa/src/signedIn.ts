// What the app does once the server has a session for the person, however they signed
// in (password, passkey, e-ID): this install becomes (or stays) their device, whose
// credential signs every sync request from then on; the sync starts.

import type { SessionInfo } from './api/types';
import { changeHands, changed, counts, device, syncNow } from './app';
import { forgetEverything, registerDevice } from './auth';
import { t } from './i18n';

export async function afterSignIn(info: SessionInfo): Promise<void> {
  const current = device.value;
  if (current && current.account_id !== info.account_id && counts.value.pending > 0) {
    const who = current.email || current.full_name;
    throw new Error(
      t(
        `Máy này còn ${counts.value.pending} thay đổi của tài khoản ${who} chưa gửi. Hãy đăng nhập lại tài khoản đó để gửi trước.`,
        `This device still holds ${counts.value.pending} unsent change(s) of ${who}. Sign in with that account first.`,
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
