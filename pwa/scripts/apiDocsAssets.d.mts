import type { Plugin } from 'vite';

export const API_DOCS_DIR: string;
export function apiDocsAssets(): Plugin;
