import { useEffect, useState } from 'preact/hooks';
import type { ProcedureDetail } from '../api/types';
import { getDb } from '../app';
import { procedureFor, storedProcedure } from '../reference';

/** The procedure (and its form) as stored on the device; fetched once when online. */
export function useProcedure(code: string | undefined, version?: number | null): { procedure: ProcedureDetail | null; missing: boolean } {
  const [procedure, setProcedure] = useState<ProcedureDetail | null>(null);
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    if (!code) return;
    let live = true;
    void (async () => {
      const db = getDb();
      let found: ProcedureDetail | undefined;
      if (navigator.onLine) {
        found = await procedureFor(db, code, version);
      } else {
        found = await storedProcedure(db, code, version);
        if (found && version && found.version !== version) found = undefined;
      }
      if (!live) return;
      setProcedure(found ?? null);
      setMissing(!found);
    })();
    return () => {
      live = false;
    };
  }, [code, version]);
  return { procedure, missing };
}
