// The level of the form language this build speaks (sync/forms/language.json): the
// server writes each form down to it, so an app on a phone never meets a check or field
// type it was built without.

import language from '../../../sync/forms/language.json';

export const FORM_LANGUAGE: number = language.levels[language.levels.length - 1]!.level;
