// Attachments of one form field: take a photo or choose a file; photos are shrunk on
// the phone and kept in IndexedDB until the server has them. A file the server refused
// is shown as such, with its reason, until the person removes it.

import { useEffect, useState } from 'preact/hooks';
import { changed, getDb, refusedFiles } from '../app';
import type { BlobRecord } from '../db';
import { attachNewFile, detachFile } from '../dossiers';
import { ACCEPTED, FileRefused, prepareFile, storeBlob } from '../files';
import { t } from '../i18n';
import { fileNotSavedText, isStorageFull } from '../storageFull';
import { forgetRefusedFile, LOST, withoutName } from '../refused';

interface Props {
  id: string;
  dossierId: string;
  path: string;
  value: string[];
  max?: number;
  readOnly?: boolean;
  /** Instead of attach/detach mutations (answering a request for documents). */
  onLocalChange?(hashes: string[]): void;
  invalid?: boolean;
  /** Ids of the hint and error texts of the field, read out with its file input. */
  describedBy?: string;
}

function Thumb({ sha256 }: { sha256: string }) {
  const [record, setRecord] = useState<BlobRecord | null>(null);
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let objectUrl: string | null = null;
    void getDb()
      .get('blobs', sha256)
      .then((r) => {
        if (!r) return;
        setRecord(r);
        if (r.blob && r.type.startsWith('image/')) {
          objectUrl = URL.createObjectURL(r.blob);
          setUrl(objectUrl);
        }
      });
    return () => {
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [sha256]);
  const refused = refusedFiles.value.some((f) => f.sha256 === sha256);
  return (
    <figure class={refused ? 'thumb refused' : 'thumb'}>
      {url ? <img src={url} alt="" /> : <div class="pdf">{record?.type === 'application/pdf' ? 'PDF' : '…'}</div>}
      <figcaption>
        {!record?.blob
          ? // Freed to make room (the server keeps it), or lost after a restore.
            t('Không lưu trên máy này', 'Not kept on this device') + (record?.lost ? ` · ${t('cần thêm lại', 'add it again')}` : '')
          : `${Math.round(record.size / 1024)} KB` + (refused ? ` · ${t('bị từ chối', 'refused')}` : record.uploaded ? ' ✓' : ` · ${t('chờ gửi', 'waiting')}`)}
      </figcaption>
    </figure>
  );
}

export function Attachments({ id, dossierId, path, value, max = 10, readOnly, onLocalChange, invalid, describedBy }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function add(files: FileList | null) {
    if (!files?.length) return;
    setBusy(true);
    setError(null);
    const hashes = [...value];
    let file: File | undefined;
    try {
      for (file of Array.from(files)) {
        if (hashes.length >= max) break;
        const record = await prepareFile(file);
        if (hashes.includes(record.sha256)) continue;
        // Attached with its file in one write; an answer to a request keeps the file alone.
        if (onLocalChange) await storeBlob(getDb(), record);
        else await attachNewFile(getDb(), dossierId, path, record);
        hashes.push(record.sha256);
      }
    } catch (e) {
      setError(
        isStorageFull(e)
          ? fileNotSavedText(file?.name ?? '')
          : e instanceof FileRefused
          ? e.message === 'pdf_too_large'
            ? t('Tệp PDF quá lớn (tối đa 10 MB).', 'The PDF is too large (10 MB at most).')
            : t('Chỉ nhận ảnh hoặc PDF.', 'Photos or PDF only.')
          : t('Không đọc được tệp này.', 'This file could not be read.'),
      );
    } finally {
      // The files stored before a failure stay attached.
      if (onLocalChange && hashes.length > value.length) onLocalChange(hashes);
      if (hashes.length > value.length) changed();
      setBusy(false);
    }
  }

  async function remove(sha256: string) {
    if (onLocalChange) onLocalChange(value.filter((h) => h !== sha256));
    else await detachFile(getDb(), dossierId, path, sha256);
    await forgetRefusedFile(getDb(), sha256);
    changed();
  }

  return (
    <div class="attachments">
      <div class="thumbs">
        {value.map((h) => (
          <div key={h} class="thumb-wrap">
            <Thumb sha256={h} />
            {!readOnly && (
              <button type="button" class="link danger" onClick={() => void remove(h)}>
                {t('Bỏ', 'Remove')}
              </button>
            )}
          </div>
        ))}
      </div>
      {!readOnly && value.length < max && (
        <div class="row">
          <label class="button secondary">
            {t('Chụp ảnh', 'Take a photo')}
            {/* Out of sight but not `hidden`: reached with Tab, opened with Enter or Space. */}
            <input id={`${id}-camera`} class="visually-hidden" type="file" accept="image/*" capture="environment" onChange={(e) => void add((e.target as HTMLInputElement).files)} />
          </label>
          <label class="button secondary">
            {t('Chọn tệp', 'Choose a file')}
            <input
              id={id}
              class="visually-hidden"
              type="file"
              accept={ACCEPTED}
              multiple
              aria-invalid={invalid}
              aria-describedby={describedBy || undefined}
              onChange={(e) => void add((e.target as HTMLInputElement).files)}
            />
          </label>
          {busy && <span class="muted">{t('Đang nén ảnh…', 'Compressing…')}</span>}
        </div>
      )}
      {refusedFiles.value
        .filter((f) => value.includes(f.sha256))
        .map((f) => (
          <p key={f.sha256} class="error" role="alert" data-testid="refused-file">
            {f.refused.code === LOST ? (
              <>
                {t(`Tệp “${f.name}” cần được thêm lại`, `“${f.name}” must be added again`)}: {t(withoutName(f.refused.message), 'neither the server nor this device holds it any more.')}
              </>
            ) : (
              <>
                {t(`Tệp “${f.name}” bị máy chủ từ chối`, `The server refused “${f.name}”`)}: {withoutName(f.refused.message)}{' '}
                {readOnly ? '' : t('Hãy bấm “Bỏ” rồi chọn tệp khác.', 'Remove it and choose another.')}
              </>
            )}
          </p>
        ))}
      {error && <p class="error">{error}</p>}
    </div>
  );
}
