// The flag beside a requester's answer says its status in words; colour (the class)
// only repeats it, and the mark before the words is hidden from screen readers.
import type { VNode } from 'preact';
import { describe, expect, it } from 'vitest';

import { VerifiedFlag } from './VerifiedFlag';

type Props = Record<string, unknown> & { children: unknown[] };

const textOf = (node: unknown): string => {
  if (node == null || typeof node === 'boolean') return '';
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join('');
  return textOf((node as VNode<Props>).props.children);
};

describe('VerifiedFlag', () => {
  it('writes a changed answer as words with the verified value', () => {
    const vnode = VerifiedFlag({ flag: { status: 'changed', text: 'Khác thông tin đã xác thực qua VNeID: 001190012345' } }) as VNode<Props>;
    expect(vnode.props).toMatchObject({ 'data-status': 'changed', class: 'verified-flag changed' });
    expect(textOf(vnode)).toBe('⚠ Khác thông tin đã xác thực qua VNeID: 001190012345');
    const mark = vnode.props.children[0] as VNode<Record<string, unknown>>;
    expect(mark.props['aria-hidden']).toBe('true');
  });

  it('writes a verified answer as words', () => {
    const vnode = VerifiedFlag({ flag: { status: 'verified', text: 'Đã xác thực qua VNeID' } }) as VNode<Props>;
    expect(vnode.props['data-status']).toBe('verified');
    expect(textOf(vnode)).toBe('✓ Đã xác thực qua VNeID');
  });

  it('renders nothing without a flag', () => {
    expect(VerifiedFlag({ flag: null })).toBeNull();
  });
});
