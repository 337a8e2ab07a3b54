// The OpenID Connect demo app's whole script: a public client (no secret) doing the authorization
// code flow with PKCE S256 against authgate, through the gateway (same origin, so no CORS). Tokens
// live in this script's memory only: a reload signs in again silently (prompt=none) while the
// auth server's login session lasts. Only the one-time PKCE verifier, state and nonce of a sign-in
// in progress sit in sessionStorage, for the trip to the login page and back.

const CLIENT_ID = 'demo-spa';
const SCOPE = 'openid profile notes:read notes:write';
const REDIRECT_URI = `${location.origin}/spa/`;
const PENDING = 'spa-pending';
const SIGNED_IN = 'spa-signed-in';
const LOGOUT_STATE = 'spa-logout-state';

const $ = (id) => document.getElementById(id);
const views = { loading: $('loading'), signedOut: $('signed-out-view'), notes: $('notes-view') };
/** { access, refresh, idToken, expiresAt } once signed in. */
let tokens = null;

function show(view) {
  for (const [name, element] of Object.entries(views)) element.hidden = name !== view;
  $('account').hidden = view !== 'notes';
}

const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomString = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** RFC 7636 S256: the challenge is the SHA-256 of the verifier (WebCrypto), base64url. */
async function challengeOf(verifier) {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

function claimsOf(jwt) {
  const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
}

/** To the hosted login page; `prompt: 'none'` comes straight back (code, or login_required). */
async function signIn(prompt) {
  const pending = { verifier: randomString(), state: randomString(), nonce: randomString() };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
    ...(prompt ? { prompt } : {}),
  });
  location.assign(`/oauth/authorize?${params}`);
}

async function tokenRequest(fields) {
  const res = await fetch('/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ client_id: CLIENT_ID, ...fields }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error_description || body.error || `token endpoint answered ${res.status}`);
  return body;
}

function keep(answer) {
  tokens = {
    access: answer.access_token,
    refresh: answer.refresh_token ?? tokens?.refresh,
    idToken: answer.id_token ?? tokens?.idToken,
    expiresAt: Date.now() + answer.expires_in * 1000,
  };
}

/**
 * Back from the authorization endpoint: the state must be the one this tab sent, and the ID
 * token must name this server, this client and this sign-in's nonce. Its signature is not checked
 * here: it came straight from the token endpoint over the same origin (OIDC Core §3.1.3.7).
 */
async function finishSignIn(params) {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null');
  sessionStorage.removeItem(PENDING);
  if (!pending || params.get('state') !== pending.state) throw new Error('the answer does not belong to a sign-in started here');
  const { issuer } = await (await fetch('/.well-known/openid-configuration')).json();
  if (params.get('iss') && params.get('iss') !== issuer) throw new Error('the answer came from another server');
  if (params.get('error')) return params.get('error');
  keep(await tokenRequest({ grant_type: 'authorization_code', code: params.get('code'), redirect_uri: REDIRECT_URI, code_verifier: pending.verifier }));
  const claims = claimsOf(tokens.idToken);
  if (claims.iss !== issuer || claims.aud !== CLIENT_ID || claims.nonce !== pending.nonce || claims.exp * 1000 <= Date.now()) {
    tokens = null;
    throw new Error('the ID token is not for this sign-in');
  }
  sessionStorage.setItem(SIGNED_IN, '1');
  return null;
}

/** Rotating refresh (RFC 6749 §6): the old refresh token is spent, the new pair replaces it. */
async function renew() {
  keep(await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh }));
  $('token-status').textContent = `Access token renewed at ${new Date().toLocaleTimeString()}; it lasts ${Math.round((tokens.expiresAt - Date.now()) / 1000)} s.`;
}

/** A Bearer call that renews once on 401 (an expired access token), then gives up. */
async function api(path, init = {}) {
  const send = () => fetch(path, { ...init, headers: { accept: 'application/json', ...init.headers, authorization: `Bearer ${tokens.access}` } });
  const first = await send();
  if (first.status !== 401 || !tokens.refresh) return first;
  try {
    await renew();
  } catch {
    return first;
  }
  return send();
}

function noteItem(note) {
  const item = document.createElement('li');
  const heading = document.createElement('h3');
  heading.textContent = note.title;
  item.append(heading);
  if (note.body) item.append(Object.assign(document.createElement('p'), { textContent: note.body }));
  return item;
}

async function showNotes() {
  const [who, list] = await Promise.all([api('/oauth/userinfo'), api('/api/notes')]);
  if (who.status === 401 || list.status === 401) return signedOut('Your session has ended. Sign in again to carry on.');
  const { preferred_username: username, sub } = await who.json();
  $('signed-in-as').textContent = `Signed in as ${username ?? sub}`;
  if (list.ok) {
    const { notes } = await list.json();
    $('notes').replaceChildren(...notes.map(noteItem).reverse());
    $('no-notes').hidden = notes.length > 0;
  } else {
    $('note-error').textContent = `Could not load your notes (${list.status}).`;
  }
  show('notes');
}

function signedOut(notice = '', error = '') {
  tokens = null;
  sessionStorage.removeItem(SIGNED_IN);
  $('signed-out-notice').textContent = notice;
  $('signed-out-notice').hidden = notice === '';
  $('sign-in-error').textContent = error;
  show('signedOut');
  $('sign-in').focus();
}

/** RP-initiated logout: the auth server ends its session and the refresh tokens issued under it. */
function logOut() {
  const state = randomString();
  sessionStorage.setItem(LOGOUT_STATE, state);
  sessionStorage.removeItem(SIGNED_IN);
  const params = new URLSearchParams({ client_id: CLIENT_ID, post_logout_redirect_uri: REDIRECT_URI, state, ...(tokens?.idToken ? { id_token_hint: tokens.idToken } : {}) });
  tokens = null;
  location.assign(`/oauth/logout?${params}`);
}

$('sign-in').addEventListener('click', () => void signIn());
$('logout').addEventListener('click', logOut);
$('refresh').addEventListener('click', () => renew().catch((err) => ($('token-status').textContent = `Could not renew: ${err.message}`)));
$('note-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const note = { title: form.elements.namedItem('title').value, body: form.elements.namedItem('body').value };
  const res = await api('/api/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(note) });
  $('note-error').textContent = res.ok ? '' : `Could not add the note (${res.status}).`;
  if (res.ok) {
    form.reset();
    await showNotes();
  }
});

async function start() {
  const params = new URLSearchParams(location.search);
  // The code (or error) must not stay in the address bar or the history.
  if (location.search) history.replaceState(null, '', REDIRECT_URI);
  if (params.has('code') || params.has('error')) {
    try {
      const error = await finishSignIn(params);
      if (error === 'login_required') return signedOut();
      if (error) return signedOut('', `Sign-in did not finish: ${params.get('error_description') ?? error}.`);
      return await showNotes();
    } catch (err) {
      return signedOut('', `Sign-in failed: ${err.message}.`);
    }
  }
  if (params.has('state') && params.get('state') === sessionStorage.getItem(LOGOUT_STATE)) {
    sessionStorage.removeItem(LOGOUT_STATE);
    return signedOut('You are signed out.');
  }
  // Signed in earlier in this tab: the auth server's session may still let us in without a form.
  if (sessionStorage.getItem(SIGNED_IN)) return signIn('none');
  signedOut();
}

void start();
