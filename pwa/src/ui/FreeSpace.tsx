// On the Sync page: the files already sent that this device still keeps, and a way to
// remove them to make room (a full phone refuses new photos and typed answers).

import { useEffect, useState } from 'preact/hooks';
import { changed, getDb, outbox, waitingFiles } from '../app';
import { removeSentFiles, sentFiles, type Removable } from '../freeSpace';
import { t } from '../i18n';

const megabytes = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1).replace('.', ',');

export function FreeSpace() {
  const [kept, setKept] = useState<Removable | null>(null);
  const [removed, setRemoved] = useState<Removable | null>(null);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);

  // Uploads and answers from the server change what can go.
  useEffect(() => {
    void sentFiles(getDb()).then(setKept);
  }, [outbox.value, waitingFiles.value]);

  async function remove() {
    setBusy(true);
    setFailed(false);
    try {
      setRemoved(await removeSentFiles(getDb()));
      setKept(await sentFiles(getDb()));
      changed();
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  }

  if (!kept?.count && !removed && !failed) return null;
  return (
    <div class="card" data-testid="free-space">
      {removed && (
        <p role="status">
          {t(`Đã xóa khỏi máy ${removed.count} tệp đã gửi (${megabytes(removed.bytes)} MB).`, `Removed ${removed.count} sent file(s) from this device (${megabytes(removed.bytes)} MB).`)}
        </p>
      )}
      {!!kept?.count && (
        <>
          <p>
            {t(
              `${kept.count} tệp đã gửi lên máy chủ vẫn được giữ trên máy (${megabytes(kept.bytes)} MB). Máy chủ vẫn giữ chúng; xóa khỏi máy để có chỗ cho ảnh và hồ sơ mới.`,
              `${kept.count} file(s) already on the server are still kept on this device (${megabytes(kept.bytes)} MB). The server keeps them; remove them here to make room for new photos and dossiers.`,
            )}
          </p>
          <button type="button" class="secondary" disabled={busy} onClick={() => void remove()}>
            {t('Xóa khỏi máy các tệp đã gửi', 'Remove sent files from this device')}
          </button>
        </>
      )}
      {failed && <p class="error">{t('Chưa xóa được; hãy thử lại.', 'Could not remove them; try again.')}</p>}
    </div>
  );
}
