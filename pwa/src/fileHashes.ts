// A file is named by the SHA-256 of its bytes: 64 lower-case hex digits, as the server
// takes it (sync/digests.py). An attachment answer is a list of such names.

export const SHA256 = /^[0-9a-f]{64}$/;

/** The file names an answer holds (none unless it is a list). */
export const hashesIn = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && SHA256.test(v)) : []);
