// Attachments on the device: photos are shrunk on the phone (longest side 1600 px,
// JPEG of at most about 300 KB) before anything is stored, then kept in IndexedDB
// under their SHA-256, the name the server knows them by too.

import type { BlobRecord, MotcuaDB } from './db';
import { recordToStore } from './heldFiles';

export const MAX_SIDE = 1600;
export const TARGET_BYTES = 300 * 1024;
export const ACCEPTED = 'image/*,application/pdf';
/** A PDF is stored as it is, up to this size. */
export const MAX_PDF_BYTES = 10 * 1024 * 1024;

export async function sha256Hex(data: Blob | ArrayBuffer): Promise<string> {
  const buffer = data instanceof ArrayBuffer ? data : await data.arrayBuffer();
  const digest = await crypto.subtle.digest('SHA-256', buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The scale that brings the longest side to `max` or less. */
export function fitScale(width: number, height: number, max = MAX_SIDE): number {
  const longest = Math.max(width, height);
  return longest > max ? max / longest : 1;
}

async function drawScaled(bitmap: ImageBitmap, scale: number): Promise<(quality: number) => Promise<Blob>> {
  const w = Math.max(1, Math.round(bitmap.width * scale));
  const h = Math.max(1, Math.round(bitmap.height * scale));
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    ctx.drawImage(bitmap, 0, 0, w, h);
    return (quality) => canvas.convertToBlob({ type: 'image/jpeg', quality });
  }
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  ctx.drawImage(bitmap, 0, 0, w, h);
  return (quality) =>
    new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('toBlob failed'))), 'image/jpeg', quality));
}

/** A photo as a JPEG: longest side ≤ 1600 px, lowering quality (then size) until ≤ ~300 KB. */
export async function compressImage(file: Blob): Promise<Blob> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    let scale = fitScale(bitmap.width, bitmap.height);
    for (let round = 0; round < 4; round++) {
      const encode = await drawScaled(bitmap, scale);
      for (const quality of [0.82, 0.7, 0.6, 0.5]) {
        const blob = await encode(quality);
        if (blob.size <= TARGET_BYTES) return blob;
      }
      scale *= 0.75;
    }
    return await (await drawScaled(bitmap, scale))(0.5);
  } finally {
    bitmap.close();
  }
}

export class FileRefused extends Error {}

/** Prepares a chosen file (compressed when it is a photo): its record, not stored yet. */
export async function prepareFile(file: File): Promise<BlobRecord> {
  let blob: Blob = file;
  let name = file.name || 'anh.jpg';
  if (file.type.startsWith('image/')) {
    blob = await compressImage(file);
    name = name.replace(/\.[^.]*$/, '') + '.jpg';
  } else if (file.type === 'application/pdf') {
    if (file.size > MAX_PDF_BYTES) throw new FileRefused('pdf_too_large');
  } else {
    throw new FileRefused('unsupported_type');
  }
  return {
    sha256: await sha256Hex(blob),
    blob,
    type: blob.type || file.type,
    size: blob.size,
    name,
    created_at: new Date().toISOString(),
    uploaded: false,
  };
}

/** Stores a prepared file unless the device holds its bytes already; returns the stored record. */
export async function storeBlob(db: MotcuaDB, record: BlobRecord): Promise<BlobRecord> {
  const existing = await db.get('blobs', record.sha256);
  const stored = recordToStore(existing, record);
  if (!stored) return existing!;
  await db.put('blobs', stored);
  return stored;
}
