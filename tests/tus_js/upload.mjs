// Upload one file with the real tus-js-client, as the PWA does, and print one
// JSON line: {ok, url, status, problem, patches, bodyBytes}.
// Usage: node upload.mjs '<json options>'  (see tests/attachments/test_tus_js.py)
import { readFile } from 'node:fs/promises'
import { Upload } from 'tus-js-client'

const options = JSON.parse(process.argv[2])
const data = await readFile(options.file)
let patches = 0
let bodyBytes = 0

const upload = new Upload(data, {
  endpoint: options.endpoint,
  chunkSize: options.chunkSize,
  retryDelays: options.retryDelays ?? [0, 100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000],
  headers: options.headers ?? {},
  metadata: { sha256: options.sha256, filename: options.filename ?? 'scan.pdf', filetype: options.filetype ?? '' },
  uploadDataDuringCreation: options.uploadDataDuringCreation ?? false,
  storeFingerprintForResuming: false,
  onBeforeRequest (req) {
    if (req.getMethod() === 'PATCH') {
      patches += 1
      const offset = Number(req.getHeader('Upload-Offset'))
      bodyBytes += Math.min(options.chunkSize, data.length - offset)
    }
  },
  onSuccess () {
    console.log(JSON.stringify({ ok: true, url: upload.url, status: 204, patches, bodyBytes }))
  },
  onError (error) {
    const response = error.originalResponse
    let problem = null
    try { problem = response ? JSON.parse(response.getBody()) : null } catch { problem = null }
    console.log(JSON.stringify({
      ok: false, url: upload.url, status: response ? response.getStatus() : null,
      problem, message: String(error.message ?? error), patches, bodyBytes
    }))
  }
})
upload.start()
