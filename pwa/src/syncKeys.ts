// The meta keys the sync pass keeps its state under (db.ts `meta`), in one place so the
// modules of a pass (sync, recovery, generations) read the same ones without importing
// each other in a circle.

export const DEVICE_KEY = 'device';
export const SYNC_KEY = 'sync';
export const CURSOR_KEY = 'pull_cursor';
/** The server generation this device last synced in (sync/README.md §9.1); absent before it learnt one. */
export const GENERATION_KEY = 'server_generation';
/** The highest `last_seq` any push answer gave this device, with the device's id. */
export const CONFIRMED_SEQ_KEY = 'confirmed_seq';
/** Drafts the person deleted, remembered so a restored server does not bring them back. */
export const DELETED_DRAFTS_KEY = 'deleted_drafts';
