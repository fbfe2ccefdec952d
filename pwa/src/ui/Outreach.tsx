// Outreach mode (đăng ký khai sinh lưu động): reserve codes while online, register
// many births offline, hand out receipts, sync everything in one tap.

import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/http';
import { changed, communes, counts, device, dossiers, getDb, loopStatus, online, startDraft, syncNow } from '../app';
import { displayCode } from '../codes';
import type { ReservedCode } from '../db';
import { dossierTitle } from '../formModel';
import { lang, t } from '../i18n';
import { communeName } from '../placeNames';
import { reserveCodes, unusedCodes } from '../outreach';
import { navigate } from '../router';
import { State, stateLabel } from '../states';

export const OUTREACH_PROCEDURE = 'khai-sinh-luu-dong';

export function OutreachPage({ next }: { next: boolean }) {
  const dev = device.value;
  const [codes, setCodes] = useState<ReservedCode[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [startPending, setStartPending] = useState<number | null>(null);
  const births = dossiers.value.filter((d) => d.outreach);

  async function reload() {
    setCodes(await unusedCodes(getDb()));
  }
  useEffect(() => {
    void reload();
  }, [dossiers.value.length]);

  async function newBirth() {
    const commune = dev?.commune_code;
    const province = commune ? communes.value?.byCode.get(commune)?.province : undefined;
    const fields = commune ? { 'agency.commune': commune, ...(province ? { 'agency.province': province } : {}) } : {};
    navigate(`/ho-so/${await startDraft(OUTREACH_PROCEDURE, { outreach: true, fields })}`);
  }
  useEffect(() => {
    if (next) void newBirth();
  }, [next]);

  if (!dev || dev.role !== 'outreach') {
    return <p class="card">{t('Chế độ lưu động dành cho cán bộ tư pháp lưu động đã đăng nhập.', 'Outreach mode is for signed-in outreach officials.')}</p>;
  }
  const pending = counts.value.pending;
  const total = startPending ?? pending;
  const syncing = loopStatus.value.phase === 'syncing';
  const place = communeName(dev.commune_code, communes.value);
  return (
    <div>
      <h1>{t('Đăng ký khai sinh lưu động', 'Mobile birth registration')}</h1>
      {place && (
        <p class="muted" data-testid="outreach-commune">
          {t('Hồ sơ của', 'Dossiers of')} {place}
        </p>
      )}
      <div class="card">
        <p>
          {t('Mã đã giữ trước, chưa dùng', 'Reserved codes left')}: <strong data-testid="codes-left">{codes.length}</strong>
          {codes[0] && <span class="muted small"> · {t('tiếp theo', 'next')} {displayCode(codes[0].code)}</span>}
        </p>
        <button
          type="button"
          class="secondary"
          disabled={!online.value}
          onClick={async () => {
            setError(null);
            try {
              await reserveCodes(getDb(), 20);
              await reload();
            } catch (e) {
              setError(e instanceof ApiError ? (e.problem.title ?? e.message) : String(e));
            }
          }}
        >
          {t('Giữ trước 20 mã (cần mạng)', 'Reserve 20 codes (online)')}
        </button>
        {!online.value && codes.length === 0 && <p class="warning">{t('Không còn mã giữ trước: hồ sơ sẽ nhận mã khi đồng bộ.', 'No reserved codes: dossiers get their code at sync.')}</p>}
        {error && <p class="error">{error}</p>}
      </div>
      <button type="button" class="primary big" onClick={() => void newBirth()}>
        {t('Thêm trẻ mới', 'Register a birth')}
      </button>
      <div class="card">
        <h2>{t(`Đã nhập (${births.length})`, `Registered (${births.length})`)}</h2>
        <ul class="list">
          {births.map((d) => (
            <li key={d.id}>
              <a href={d.state === State.DRAFT && !d.submit_queued ? `#/ho-so/${d.id}` : `#/bien-nhan/${d.id}`} class="dossier-item">
                <strong>{dossierTitle(d.answers) || t('(chưa có tên)', '(no name yet)')}</strong>
                <span class="small">{d.code ? displayCode(d.code) : d.reserved_code ? displayCode(d.reserved_code) : ''}</span>
                <span class="pill">{d.submit_queued ? t('Chờ gửi', 'Waiting') : stateLabel(d.state, lang.value)}</span>
              </a>
            </li>
          ))}
        </ul>
      </div>
      <div class="card">
        <button
          type="button"
          class="primary big"
          disabled={!online.value || syncing}
          onClick={async () => {
            setStartPending(pending);
            await syncNow('outreach');
            changed();
          }}
        >
          {t('Đồng bộ tất cả', 'Sync everything')}
        </button>
        {total > 0 && (
          <div>
            <progress max={total} value={total - pending} />
            <span class="small">
              {total - pending}/{total}
            </span>
          </div>
        )}
      </div>
    </div>
  );
}

