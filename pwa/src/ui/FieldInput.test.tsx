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
