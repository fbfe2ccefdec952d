"""The look of the server's own small pages (the emailed links' pages, /demo): the
app's colours (pwa/src/style.css), sent as an inline <style> the page's CSP allows
by its hash (server/security_headers.py, `inline_policy`)."""

from __future__ import annotations

# The app's palette; every text colour keeps 4.5:1 on its background, every control
# is at least 44px tall.
PAGE_STYLE = """:root{--red:#b71c1c;--red-dark:#8e1515;--ink:#1d1d1f;--muted:#5f6368;--line:#d9d9de;
--bg:#f6f6f8;--err:#fdecea;--err-ink:#a4161a;--ok:#1b7f3b;color-scheme:light;
font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;line-height:1.45;color:var(--ink);background:var(--bg)}
*{box-sizing:border-box}body{margin:0}[hidden]{display:none!important}
header{display:flex;align-items:center;justify-content:space-between;gap:.5rem;padding:.5rem 1rem;background:var(--red);color:#fff}
header a{color:#fff;display:inline-block;min-height:44px;line-height:44px;padding:0 .5rem}
header .brand{font-weight:600;text-decoration:none;padding:0}
main{max-width:40rem;margin:0 auto;padding:.75rem 1rem 3rem}
h1{font-size:1.35rem;margin:.75rem 0}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:.75rem 1rem;margin:.75rem 0}
a{color:var(--red-dark)}
label{display:block;font-weight:500;margin:.5rem 0 .2rem}
input{font:inherit;width:100%;padding:.55rem .6rem;border:1px solid #8a8a93;border-radius:8px;background:#fff;min-height:44px}
button,.button{font:inherit;border-radius:8px;padding:.6rem 1rem;border:1px solid var(--red);cursor:pointer;
text-decoration:none;display:inline-block;text-align:center;min-height:44px;min-width:44px;margin:.5rem 0;background:var(--red);color:#fff}
button:disabled{background:#fff;color:var(--muted);border-color:var(--line);cursor:progress}
.hint{color:var(--muted);font-size:.9rem}
#out:empty{display:none}
#out.error{background:var(--err);border-color:var(--err-ink);color:var(--err-ink)}
#out.done{border-left:4px solid var(--ok)}
.next{display:none}.next.shown{display:inline-block}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .3rem;border-bottom:1px solid var(--line);vertical-align:top}
code{font-size:1rem;background:var(--bg);padding:.1rem .3rem;border-radius:4px;overflow-wrap:anywhere}"""
