// The procedure's service level, said with what it means for the person.

import { catalog } from '../app';
import { t } from '../i18n';
import { levelMeaning } from '../serviceLevel';

export function ServiceLevelNote({ level, code }: { level?: number; code?: string }) {
  const found = level ?? catalog.value?.procedures.find((p) => p.code === code)?.level;
  if (found === undefined) return null;
  return (
    <p data-testid="service-level">
      <strong>{t(`Mức độ ${found}`, `Service level ${found}`)}:</strong> {levelMeaning(found)}
    </p>
  );
}
