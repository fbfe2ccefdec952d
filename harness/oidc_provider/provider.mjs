// A local OpenID provider standing in for VNeID in motcua's tests and demo.
//
//   node provider.mjs CONFIG.json
//
// Built on the certified `oidc-provider` package; this file only configures it and
// serves the login page (docs/oidc-provider.md describes the config). It prints
// `ready <issuer>` once it listens, and exits on SIGTERM or SIGINT (or, with
// `exit_with_stdin`, when its standard input closes).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const configPath = process.argv[2];
if (!configPath) {
  process.stderr.write('usage: node provider.mjs CONFIG.json\n');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const jwks = JSON.parse(readFileSync(config.keys_file, 'utf8'));
const identities = config.identities ?? [];
const bySub = new Map(identities.map((identity) => [identity.claims.sub, identity]));

// The scopes a relying party may ask for, and the claims each one releases.
const CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'birthdate', 'gender'],
  email: ['email', 'email_verified'],
  address: ['address'],
  identity: ['personal_id_number'],
};

const ttl = config.ttl ?? {};
const provider = new Provider(config.issuer, {
  clients: config.clients.map((client) => ({
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: client.redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: client.token_endpoint_auth_method ?? 'client_secret_basic',
  })),
  jwks,
  // The authorization code flow only (VNeID's), so discovery offers nothing else.
  responseTypes: ['code'],
  scopes: Object.keys(CLAIMS),
  claims: CLAIMS,
  // The claims of the granted scopes go in the ID token too, not only in userinfo.
  conformIdTokenClaims: false,
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    claimsParameter: { enabled: true },
  },
  interactions: {
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  // Plain http on 127.0.0.1: the cookies must not be `Secure`, or the browser drops them.
  cookies: {
    keys: [randomBytes(32).toString('base64url')],
    long: { httpOnly: true, sameSite: 'lax', secure: false },
    short: { httpOnly: true, sameSite: 'lax', secure: false },
  },
  ttl: {
    ...(ttl.id_token ? { IdToken: ttl.id_token } : {}),
    ...(ttl.access_token ? { AccessToken: ttl.access_token } : {}),
    ...(ttl.authorization_code ? { AuthorizationCode: ttl.authorization_code } : {}),
    Grant: 3600,
    Interaction: 600,
    Session: 3600,
  },
  async findAccount(ctx, sub) {
    const identity = bySub.get(sub);
    if (!identity) return undefined;
    return { accountId: sub, claims: async () => ({ ...identity.claims }) };
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Lỗi', `<h1>Không thể đăng nhập</h1>
<p role="alert"><strong>${escape(out.error)}</strong>: ${escape(out.error_description ?? '')}</p>`);
  },
});
// Behind a reverse proxy the issuer's host and scheme come from X-Forwarded-*.
provider.proxy = Boolean(config.proxy);

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function maskId(id) {
  const text = String(id ?? '');
  return text.length > 6 ? `${text.slice(0, 3)}${'•'.repeat(text.length - 6)}${text.slice(-3)}` : text;
}

function page(title, body) {
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Cổng định danh thử nghiệm</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #111; }
.error { color: #a50e0e; }
.notice { border: 2px solid #a15c00; background: #fff4e0; padding: .75rem 1rem; }
fieldset { border: 1px solid #666; margin: 1.5rem 0; padding: 1rem; }
button, input { font: inherit; padding: .5rem .75rem; min-height: 44px; }
.identity { display: block; width: 100%; text-align: left; margin: .5rem 0; }
label { display: block; font-weight: 600; }
:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function loginPage(uid, client, error, typed = '') {
  const buttons = identities.map((identity) => `<button class="identity" type="submit" name="login" value="${escape(identity.login)}">${escape(identity.label)} — ${escape(maskId(identity.claims.personal_id_number))}</button>`).join('\n');
  return page('Đăng nhập', `<h1>Cổng định danh thử nghiệm</h1>
<p class="notice"><strong>Đây là cổng thử nghiệm chạy trên máy này, không phải VNeID thật.</strong>
Nó chỉ dùng để thử và kiểm thử đăng nhập; các danh tính bên dưới là dữ liệu mẫu.</p>
<p>Ứng dụng <strong>${escape(client?.clientId ?? '')}</strong> muốn biết bạn là ai.</p>
${error ? `<p role="alert" id="login-error" class="error"><strong>${escape(error)}</strong></p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<fieldset>
<legend>Chọn một danh tính mẫu</legend>
${buttons}
</fieldset>
</form>
<form method="post" action="/interaction/${escape(uid)}/login">
<fieldset>
<legend>Hoặc nhập tên đăng nhập</legend>
<label for="login">Tên đăng nhập hoặc số định danh cá nhân</label>
<input id="login" name="login" autocomplete="username" required value="${escape(typed)}"${error ? ' aria-invalid="true" aria-describedby="login-error"' : ''}>
<button type="submit">Đăng nhập</button>
</fieldset>
</form>
<form method="post" action="/interaction/${escape(uid)}/abort">
<button type="submit">Huỷ</button>
</form>`);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16384) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// Consent is given on the person's behalf: a grant for whatever the client asked.
async function grantFor(interaction, accountId) {
  const { prompt, params } = interaction;
  const grant = interaction.grantId
    ? await provider.Grant.find(interaction.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  const details = prompt.name === 'consent' ? prompt.details : {};
  const scopes = details.missingOIDCScope
    ?? String(params.scope ?? '').split(' ').filter((scope) => scope in CLAIMS);
  grant.addOIDCScope(scopes.join(' '));
  let claims = details.missingOIDCClaims;
  if (!claims && params.claims) {
    const requested = JSON.parse(params.claims);
    claims = [...Object.keys(requested.id_token ?? {}), ...Object.keys(requested.userinfo ?? {})];
  }
  if (claims?.length) grant.addOIDCClaims(claims);
  for (const [indicator, resourceScopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, resourceScopes.join(' '));
  }
  return grant.save();
}

function send(res, status, html) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(html);
}

async function interactionRoute(req, res, url) {
  const [, , uid, action] = url.pathname.split('/');
  let interaction;
  try {
    interaction = await provider.interactionDetails(req, res);
  } catch (error) {
    send(res, 400, page('Lỗi', `<h1>Phiên đăng nhập đã hết hạn</h1>
<p role="alert">${escape(error.message)}. Hãy quay lại ứng dụng và bắt đầu lại.</p>`));
    return;
  }
  if (interaction.uid !== uid) {
    send(res, 400, page('Lỗi', '<h1>Phiên đăng nhập không khớp</h1><p role="alert">Hãy bắt đầu lại.</p>'));
    return;
  }
  const client = await provider.Client.find(interaction.params.client_id);

  if (req.method === 'GET' && action === undefined) {
    if (interaction.prompt.name === 'consent') {
      const grantId = await grantFor(interaction, interaction.session.accountId);
      await provider.interactionFinished(req, res, { consent: { grantId } });
      return;
    }
    send(res, 200, loginPage(uid, client));
    return;
  }
  if (req.method === 'POST' && action === 'login') {
    const login = ((await readForm(req)).get('login') ?? '').trim();
    const identity = identities.find((candidate) => (
      candidate.login === login || candidate.claims.personal_id_number === login
    ));
    if (!identity) {
      send(res, 200, loginPage(uid, client, `Không có danh tính mẫu nào tên “${login}”.`, login));
      return;
    }
    const accountId = identity.claims.sub;
    const grantId = await grantFor(interaction, accountId);
    await provider.interactionFinished(req, res, {
      login: { accountId },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
    return;
  }
  if (req.method === 'POST' && action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'Người dùng đã huỷ đăng nhập',
    }, { mergeWithLastSubmission: false });
    return;
  }
  send(res, 405, page('Lỗi', '<h1>Không hỗ trợ</h1>'));
}

// Every authorization shows the login page (no single sign-on), so each test and each
// demo sign-in picks its identity afresh: the authorization endpoint never sees the
// session cookie. (A session for another person would otherwise need a sign-out step
// first.) `"sso": true` in the config keeps the usual behaviour.
const SESSION_COOKIE = /^_session(?:\.sig)?=/;
function forgetSession(req, url) {
  if (config.sso || !req.headers.cookie) return;
  if (url.pathname === '/auth' || url.pathname.startsWith('/auth/')) {
    req.headers.cookie = req.headers.cookie.split(/;\s*/)
      .filter((cookie) => !SESSION_COOKIE.test(cookie)).join('; ');
  }
}

const handleOidc = provider.callback();
const server = http.createServer((req, res) => {
  const url = new URL(req.url, config.issuer);
  forgetSession(req, url);
  if (url.pathname.startsWith('/interaction/')) {
    interactionRoute(req, res, url).catch((error) => {
      process.stderr.write(`interaction failed: ${error.stack}\n`);
      if (!res.headersSent) send(res, 500, page('Lỗi', '<h1>Lỗi máy chủ thử nghiệm</h1>'));
      else res.end();
    });
    return;
  }
  handleOidc(req, res);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Started with a pipe on stdin (the Python launcher): its end means the parent is gone,
// even after a SIGKILL, so no provider outlives the tests or `motcua serve`.
if (config.exit_with_stdin) {
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

// One line for the launcher to show, such as a port already in use.
server.on('error', (error) => {
  process.stderr.write(`Error: ${error.message}\n`);
  process.exit(1);
});

server.listen(config.port, config.host ?? '127.0.0.1', () => {
  process.stdout.write(`ready ${config.issuer}\n`);
});
