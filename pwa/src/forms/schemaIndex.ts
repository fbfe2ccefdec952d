// Field lookup by path (`<section id>.<field id>`), in schema order.

import type { Field, Schema, Section } from './types';

export interface IndexedField {
  path: string;
  field: Field;
  section: Section;
}

export type SchemaIndex = ReadonlyMap<string, IndexedField>;

export function fieldPath(section: Section, field: Field): string {
  return `${section.id}.${field.id}`;
}

export function indexSchema(schema: Schema): SchemaIndex {
  const index = new Map<string, IndexedField>();
  for (const section of schema.sections) {
    for (const field of section.fields) {
      const path = fieldPath(section, field);
      if (index.has(path)) throw new Error(`form schema: duplicate field path ${path}`);
      index.set(path, { path, field, section });
    }
  }
  return index;
}
