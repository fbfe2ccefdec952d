import type { Plugin } from 'vite';

export const REGISTER_EARLY: string;
export function registerEarly(): Plugin;
