import { describe, expect, it } from 'vitest';

import vectors from '../../tests/vectors/processing.json';
import { processingDays } from './processing';

describe('processing time vectors (tests/vectors/processing.json)', () => {
  for (const v of vectors.vectors) {
    it(v.name, () => {
      expect(processingDays(v.processing, v.extended)).toBe(v.days);
    });
  }
});
