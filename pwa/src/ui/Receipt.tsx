// A receipt (biên nhận) with the dossier code and a QR that opens its public status:
// handed to the family on the spot, even offline.

import { useEffect, useState } from 'preact/hooks';
import { communes, dossiers, loopStatus, outbox } from '../app';
import { displayCode } from '../codes';
import { shortReference } from '../dossierNames';
import { dossierTitle } from '../formModel';
import { displayDateOrYear } from '../forms/dates';
import { formatTime, lang, t } from '../i18n';
import { stateLabel } from '../states';

export function lookupUrl(code: string | null | undefined, id: string): string {
  const base = `${location.origin}${location.pathname}`;
  return code ? `${base}#/tra-cuu?code=${code}` : `${base}#/tra-cuu?id=${id}`;
}

export function QrCode({ text }: { text: string }) {
  const [svg, setSvg] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void import('uqr').then(({ renderSVG }) => live && setSvg(renderSVG(text, { border: 2 })));
    return () => {
      live = false;
    };
  }, [text]);
  // Named by what it is for: read aloud, the address inside it is only a long id.
  return <div class="qr" data-testid="qr" role="img" aria-label={t('Mã QR để tra cứu hồ sơ này', 'QR code to look this dossier up')} dangerouslySetInnerHTML={svg ? { __html: svg } : undefined} />;
}

export function ReceiptPage({ id }: { id: string }) {
  const d = dossiers.value.find((x) => x.id === id);
  if (!d) return <p class="card">{t('Không có hồ sơ này trên máy.', 'Not on this device.')}</p>;
  const code = d.code ?? d.reserved_code ?? null;
  const waiting = outbox.value.some((i) => i.dossier_id === id && i.status === 'pending');
  const commune = communes.value?.byCode.get(String(d.answers['agency.commune'] ?? d.commune_code ?? ''));
  return (
    <div class="receipt">
      <h1>{t('Biên nhận hồ sơ', 'Dossier receipt')}</h1>
      <div class="card">
        <p class="muted">{commune ? `${t('Ủy ban nhân dân', "People's Committee of")} ${commune.label}, ${commune.provinceName}` : ''}</p>
        <h2>{dossierTitle(d.answers)}</h2>
        {d.answers['child.birth_date'] && (
          <p>
            {t('Ngày sinh', 'Born')}: {displayDateOrYear(String(d.answers['child.birth_date']))}
          </p>
        )}
        {code ? (
          <p class="code big" data-testid="receipt-code">
            {displayCode(code)}
          </p>
        ) : (
          <p class="muted">{t('Mã hồ sơ có khi đồng bộ; mã QR dưới đây vẫn tra cứu được hồ sơ.', 'The code comes with the sync; the QR below already finds the dossier.')}</p>
        )}
        <QrCode text={lookupUrl(code, d.id)} />
        {/* Without a code yet, a short reference to read out; with one, the code above says it all. */}
        {!code && (
          <p class="small muted" data-testid="receipt-reference">
            {t('Số tham chiếu', 'Reference')}: {shortReference(d.id)}
          </p>
        )}
        <p>
          {waiting ? t('Chưa gửi lên máy chủ (sẽ gửi khi có mạng).', 'Not on the server yet (goes out when online).') : stateLabel(d.state, lang.value)}
          {loopStatus.value.phase === 'syncing' && ` · ${t('đang đồng bộ', 'syncing')}`}
        </p>
        <p class="small muted">{formatTime(d.updated_at)}</p>
      </div>
      <div class="actions no-print">
        <button type="button" class="secondary" onClick={() => window.print()}>
          {t('In biên nhận', 'Print')}
        </button>
        {d.outreach && (
          <a class="button primary" href="#/luu-dong?next=1">
            {t('Nhập trẻ tiếp theo', 'Next birth')}
          </a>
        )}
      </div>
    </div>
  );
}
