// The desk officials' screens, loaded on demand (a lazy chunk that is not
// precached): a citizen's phone never downloads them. Online-first: they read and
// write /api/desk directly; nothing is drafted offline.

import type { DeviceRecord } from '../../db';
import { DossierScreen } from './DossierScreen';
import { QueueScreen } from './Queue';
import { RecoveryScreen } from './Recovery';
import { ReportsScreen } from './Reports';
import './desk.css';

export function DeskScreens({ dev, parts }: { dev: DeviceRecord; parts: string[] }) {
  const [first, second] = parts;
  if (first === 'ho-so' && second) return <DossierScreen dev={dev} id={second} />;
  if (first === 'bao-cao') return <ReportsScreen dev={dev} />;
  if (first === 'sau-khoi-phuc') return <RecoveryScreen dev={dev} />;
  return <QueueScreen dev={dev} />;
}
