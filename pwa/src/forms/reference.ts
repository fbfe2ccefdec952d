// Shared reference lists, imported from the repository (not copied), so the app and the
// Python validator read the same files.

import ethnicities from '../../../sync/forms/reference/ethnicities.json';
import idProvinceCodes from '../../../sync/forms/reference/id_province_codes.json';
import nationalities from '../../../sync/forms/reference/nationalities.json';

/** Ethnicity codes "01"–"54". */
export const ETHNICITY_CODES: ReadonlySet<string> = new Set(
  (ethnicities as readonly { code: string; name: string }[]).map((e) => e.code),
);

/** ISO 3166-1 alpha-2 codes, upper case. */
export const NATIONALITY_CODES: ReadonlySet<string> = new Set(nationalities as readonly string[]);

/** The three-digit province codes that open a personal ID number. */
export const ID_PROVINCE_CODES: ReadonlySet<string> = new Set(idProvinceCodes as readonly string[]);

export const ETHNICITIES: readonly { code: string; name: string }[] = ethnicities;
