// Taking back what the person queued: a submission still on this device, and a draft
// wherever it has been (sync/README.md, delete_draft). A submission that has left the
// device is never taken back here: a submitted dossier is withdrawn.

import { useState } from 'preact/hooks';
import { changed, getDb, outbox } from '../app';
import type { LocalDossier } from '../db';
import { cancelSubmit, deleteDraft } from '../dossiers';
import { t } from '../i18n';
import { navigate } from '../router';
import { State } from '../states';

const LEFT = () =>
  t(
    'Hồ sơ đã được gửi lên máy chủ nên không thể hủy nộp. Khi hồ sơ đã đến, bạn có thể yêu cầu rút hồ sơ.',
    'The dossier has already been sent to the server, so the submission cannot be taken back. Once it arrives you can ask to withdraw it.',
  );

/** "Hủy nộp": offered while the submission waits on this device, refused once it has left. */
export function CancelSubmit({ dossier }: { dossier: LocalDossier }) {
  const [refused, setRefused] = useState(false);
  if (dossier.state !== State.DRAFT || !dossier.submit_queued) return null;
  const left = outbox.value.some((i) => i.dossier_id === dossier.id && i.kind === 'submit' && i.status === 'pending' && !i.voided && i.sent);
  if (left || refused) return <p class="muted" data-testid="cancel-submit-refused">{LEFT()}</p>;
  return (
    <p>
      <button
        type="button"
        class="secondary"
        onClick={async () => {
          const result = await cancelSubmit(getDb(), dossier.id);
          if (result === 'already_sent') setRefused(true);
          changed();
        }}
      >
        {t('Hủy nộp – sửa tiếp bản nháp', 'Take the submission back – keep editing')}
      </button>
    </p>
  );
}

/** "Xóa bản nháp": on this device, on the server and on the person's other devices. */
export function DeleteDraft({ dossier }: { dossier: LocalDossier }) {
  const [refused, setRefused] = useState(false);
  if (dossier.state !== State.DRAFT) return null;
  return (
    <p>
      <button
        type="button"
        class="link danger"
        onClick={async () => {
          if (!confirm(t('Xóa bản nháp này trên mọi thiết bị?', 'Delete this draft on every device?'))) return;
          const result = await deleteDraft(getDb(), dossier.id);
          if (result === 'deleted') {
            changed();
            navigate('/', true);
          } else {
            setRefused(true);
          }
        }}
      >
        {t('Xóa bản nháp', 'Delete draft')}
      </button>
      {refused && (
        <span class="error" role="alert">
          {' '}
          {LEFT()}
        </span>
      )}
    </p>
  );
}
