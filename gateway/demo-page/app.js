// The demo page's whole script: no framework, no build. The session lives in HttpOnly cookies set
// by POST /auth/session; this script never sees a token. It reads only the csrf_token cookie and
// echoes it in X-CSRF-Token on every state-changing call (double-submit CSRF proof).

const $ = (id) => document.getElementById(id);
const views = { loading: $('loading'), login: $('login-view'), notes: $('notes-view') };

function csrfToken() {
  const entry = document.cookie.split('; ').find((part) => part.startsWith('csrf_token='));
  return entry ? entry.slice('csrf_token='.length) : '';
}

/** One call to the gateway with the browser's cookies; unsafe methods carry the CSRF header. */
function call(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const csrf = csrfToken();
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['x-csrf-token'] = csrf;
  return fetch(path, { method, headers, credentials: 'include', body: body === undefined ? undefined : JSON.stringify(body) });
}

/**
 * An API call that survives an expired access cookie: on 401 it rotates the session once
 * (POST /auth/session/refresh) and retries. When that fails too, the session is over (expired,
 * signed out in another tab, locked by an admin) and the page goes back to the login view saying
 * so; the API itself only ever answers 401.
 */
async function withSession(request) {
  const first = await request();
  if (first.status !== 401) return first;
  if (csrfToken() === '') return sessionEnded();
  const refreshed = await call('/auth/session/refresh', { method: 'POST' });
  if (refreshed.status !== 204) return sessionEnded();
  const retried = await request();
  return retried.status === 401 ? sessionEnded() : retried;
}

/**
 * Back to sign-in after a session ends by itself. A user who was signed in in this tab is told
 * why (a first visit just sees the form), and the note being typed is kept for after sign-in.
 */
function sessionEnded() {
  const wasSignedIn = sessionStorage.getItem('username') !== null;
  const kept = saveDraft();
  const message = wasSignedIn
    ? `Your session has ended (it expired or was signed out elsewhere). Sign in again to carry on${kept ? '; the note you were writing is kept' : ''}.`
    : '';
  return showLogin('', message);
}

// The note being typed, per tab (sessionStorage), tied to the user who typed it: it survives a
// session that ends mid-sentence and a reload, but is never shown to someone else signing in here.
const DRAFT_KEY = 'note-draft';

function noteFields() {
  const form = $('note-form');
  return { title: form.elements.namedItem('title'), body: form.elements.namedItem('body') };
}

/** Saves what the note form holds; returns whether there was anything to keep. */
function saveDraft() {
  const username = sessionStorage.getItem('username');
  const { title, body } = noteFields();
  if (username === null || (title.value === '' && body.value === '')) return sessionStorage.getItem(DRAFT_KEY) !== null;
  sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ username, title: title.value, body: body.value }));
  return true;
}

/** Puts a saved draft back into the empty form when its author is the one signed in. */
function restoreDraft(username) {
  const saved = sessionStorage.getItem(DRAFT_KEY);
  if (saved === null) return;
  const draft = JSON.parse(saved);
  if (draft.username !== username) return clearDraft();
  const { title, body } = noteFields();
  if (title.value === '' && body.value === '') {
    title.value = draft.title;
    body.value = draft.body;
  }
}

function clearDraft() {
  sessionStorage.removeItem(DRAFT_KEY);
}

function show(name) {
  for (const [key, element] of Object.entries(views)) element.hidden = key !== name;
  $('account').hidden = name !== 'notes';
}

function showLogin(message = '', notice = '') {
  sessionStorage.removeItem('username');
  $('notes').replaceChildren();
  $('login-error').textContent = message;
  $('login-notice').textContent = notice;
  $('login-notice').hidden = notice === '';
  show('login');
  $('login-form').elements.namedItem('username').focus();
  return null;
}

function renderNotes(notes) {
  const items = notes.map((note) => {
    const item = document.createElement('li');
    const title = document.createElement('h3');
    title.textContent = note.title;
    const time = document.createElement('time');
    time.dateTime = note.createdAt;
    time.textContent = new Date(note.createdAt).toLocaleString();
    item.append(title, time);
    if (note.body) {
      const body = document.createElement('p');
      body.textContent = note.body;
      item.append(body);
    }
    return item;
  });
  $('notes').replaceChildren(...items.reverse());
  $('no-notes').hidden = notes.length > 0;
}

async function loadNotes() {
  const res = await withSession(() => call('/api/notes'));
  if (res === null) return;
  if (!res.ok) {
    $('note-error').textContent = `Could not load your notes (${res.status}).`;
    show('notes');
    return;
  }
  const { notes } = await res.json();
  renderNotes(notes);
  restoreDraft(sessionStorage.getItem('username'));
  $('signed-in-as').textContent = sessionStorage.getItem('username') ? `Signed in as ${sessionStorage.getItem('username')}` : 'Signed in';
  show('notes');
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const username = form.elements.namedItem('username').value;
  const password = form.elements.namedItem('password').value;
  $('login-error').textContent = '';
  const res = await call('/auth/session', { method: 'POST', body: { username, password } });
  if (res.status === 204) {
    form.reset();
    $('login-notice').hidden = true;
    // A different user signing in on this tab does not get the previous user's draft.
    const saved = sessionStorage.getItem(DRAFT_KEY);
    if (saved !== null && JSON.parse(saved).username !== username) {
      clearDraft();
      $('note-form').reset();
    }
    sessionStorage.setItem('username', username);
    $('note-error').textContent = '';
    await loadNotes();
    return;
  }
  $('login-error').textContent =
    res.status === 401 ? 'Wrong username or password.' : res.status === 429 ? 'Too many attempts; try again later.' : `Sign-in failed (${res.status}).`;
});

$('note-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const title = form.elements.namedItem('title').value;
  const body = form.elements.namedItem('body').value;
  $('note-error').textContent = '';
  const res = await withSession(() => call('/api/notes', { method: 'POST', body: { title, body } }));
  if (res === null) return;
  if (res.status !== 201) {
    const problem = await res.json().catch(() => ({}));
    $('note-error').textContent = problem.error_description ? `Not saved: ${problem.error_description}.` : `Not saved (${res.status}).`;
    return;
  }
  form.reset();
  clearDraft();
  await loadNotes();
});

$('note-form').addEventListener('input', () => saveDraft());

$('logout').addEventListener('click', async () => {
  // 204: the server revoked the session and cleared every cookie. Anything else leaves the session
  // alive, so the page says so instead of pretending the user is signed out.
  const res = await call('/auth/session', { method: 'DELETE' }).catch(() => null);
  if (res && res.status === 204) {
    // Signing out on purpose leaves nothing behind in this tab.
    clearDraft();
    $('note-form').reset();
    return void showLogin();
  }
  $('note-error').textContent = `Logout failed (${res ? res.status : 'network error'}); try again.`;
});

loadNotes().catch(() => showLogin('The service is not reachable right now.'));
