// A field of a type this build does not know (a newer server's schema) is drafted as
// free text, so the person can still fill it; the server validates it at submit.
import { describe, expect, it, vi } from 'vitest';
import type { VNode } from 'preact';

import type { Field, JsonValue } from '../forms/types';
import { FieldInput } from './FieldInput';

const label = { vi: 'Nhãn', en: 'Label' };
const newer = { id: 'plate', type: 'vehicle_plate', label } as unknown as Field;

function input(value: JsonValue | undefined, onChange = vi.fn()) {
  const vnode = FieldInput({ field: newer, path: 's.plate', dossierId: 'd', value, onChange }) as VNode<Record<string, unknown>>;
  return { vnode, onChange };
}

describe('a field of an unknown type', () => {
  it('renders as a text input holding what was typed, and passes typing on', () => {
    const { vnode, onChange } = input('29A-123.45');
    expect(vnode.type).toBe('input');
    expect(vnode.props).toMatchObject({ id: 'f-s.plate', type: 'text', value: '29A-123.45' });
    expect(vnode.props.readOnly).toBeFalsy();
    (vnode.props.onInput as (e: unknown) => void)({ target: { value: '30B' } });
    expect(onChange).toHaveBeenCalledWith('30B');
  });

  it('shows a value that is not text (written by a newer device) without letting typing replace it', () => {
    const { vnode } = input([21.03, 105.85]);
    expect(vnode.type).toBe('input');
    expect(vnode.props).toMatchObject({ type: 'text', readOnly: true, value: '[21.03,105.85]' });
  });
});

describe('a time field', () => {
  const time = { id: 'time', type: 'time', label } as Field;

  function timeInput(value: JsonValue | undefined, onChange = vi.fn()) {
    const vnode = FieldInput({ field: time, path: 'death.time', dossierId: 'd', value, onChange }) as VNode<Record<string, unknown>>;
    return { vnode, onChange };
  }

  it("renders the browser's time input holding HH:MM, by the minute", () => {
    const { vnode } = timeInput('07:05');
    expect(vnode.type).toBe('input');
    expect(vnode.props).toMatchObject({ id: 'f-death.time', type: 'time', step: 60, value: '07:05' });
  });

  it('passes a picked time on at once, and a cleared one as no answer', () => {
    const { vnode, onChange } = timeInput(undefined);
    expect(vnode.props.value).toBe('');
    (vnode.props.onInput as (e: unknown) => void)({ target: { value: '23:59' } });
    expect(onChange).toHaveBeenLastCalledWith('23:59', true);
    (vnode.props.onInput as (e: unknown) => void)({ target: { value: '' } });
    expect(onChange).toHaveBeenLastCalledWith(null, true);
  });
});

describe('what a screen reader is told about a field', () => {
  const props = { dossierId: 'd', value: undefined, onChange: vi.fn(), labelId: 'f-s.x-label', describedBy: 'f-s.x-hint f-s.x-error-0', invalid: true };

  it('links a text input to its hint and error and marks it invalid', () => {
    const field = { id: 'x', type: 'person_name', label } as Field;
    const vnode = FieldInput({ ...props, field, path: 's.x' }) as VNode<Record<string, unknown>>;
    expect(vnode.props).toMatchObject({ id: 'f-s.x', 'aria-invalid': true, 'aria-describedby': 'f-s.x-hint f-s.x-error-0' });
  });

  it('names a group of radios by the field label (a <label for> cannot), with its error', () => {
    const field = { id: 'x', type: 'sex', label } as Field;
    const vnode = FieldInput({ ...props, field, path: 's.x' }) as VNode<Record<string, unknown>>;
    expect(vnode.props).toMatchObject({
      id: 'f-s.x',
      role: 'radiogroup',
      'aria-labelledby': 'f-s.x-label',
      'aria-describedby': 'f-s.x-hint f-s.x-error-0',
      'aria-invalid': true,
    });
  });

  it('passes the label and descriptions on to the commune combobox and the file input', () => {
    for (const type of ['commune', 'attachment']) {
      const field = { id: 'x', type, label } as Field;
      const vnode = FieldInput({ ...props, field, path: 's.x' }) as VNode<Record<string, unknown>>;
      expect(vnode.props).toMatchObject({ id: 'f-s.x', invalid: true, describedBy: 'f-s.x-hint f-s.x-error-0' });
    }
  });

  it('describes nothing when there is nothing to say', () => {
    const field = { id: 'x', type: 'phone', label } as Field;
    const vnode = FieldInput({ ...props, describedBy: '', invalid: false, field, path: 's.x' }) as VNode<Record<string, unknown>>;
    expect(vnode.props['aria-describedby']).toBeUndefined();
  });
});

describe('what a field takes as typed', () => {
  const render = (field: Field) =>
    FieldInput({ field, path: 's.x', dossierId: 'd', value: '', onChange: vi.fn() }) as VNode<Record<string, unknown>>;

  it('stops at the length the form allows: a paste past it never reaches a change no request could carry', () => {
    expect(render({ id: 'x', type: 'person_name', label } as Field).props.maxLength).toBe(100);
    expect(render({ id: 'x', type: 'text', multiline: true, max_length: 4000, label } as Field).props.maxLength).toBe(4000);
    expect(render({ id: 'x', type: 'text', multiline: true, label } as Field).props.maxLength).toBe(255);
    expect(render({ id: 'x', type: 'email', label } as Field).props.maxLength).toBe(254);
    expect(render({ id: 'x', type: 'phone', label } as Field).props.maxLength).toBe(32);
  });
});
