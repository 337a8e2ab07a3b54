/**
 * The script of /account/identities (served as /account/js/identities.js): lists the signed-in
 * user's linked accounts over /auth/account/identities with the browser session
 * (window.AccountSession: cookies and CSRF header; the sign-in offered when there is none),
 * removes one, and starts linking another (POST, then the browser goes to the upstream's
 * authorization URL; the round trip is bound to this browser by the cookie that answer sets).
 * Names and labels come from upstream providers: only ever written with textContent.
 */
export const ACCOUNT_IDENTITIES_SCRIPT = `(function () {
  'use strict';
  var byId = function (id) { return document.getElementById(id); };
  var section = byId('identities');
  var list = byId('identity-list');
  var empty = byId('identity-empty');
  var signinForm = byId('signin-form');
  var signinProviders = byId('signin-providers');
  var session = window.AccountSession;
  var call = session.call;
  var say = session.statusLine(byId('identities-status'));

  function showSignedOut() {
    section.hidden = true;
    signinForm.hidden = false;
    if (signinProviders) signinProviders.hidden = false;
  }
  function remove(identity) {
    call('DELETE', '/auth/account/identities/' + encodeURIComponent(identity.id)).then(function (answer) {
      if (answer.status === 204) {
        say(identity.provider_name + ' no longer signs you in.', false);
        return load();
      }
      if (answer.status === 409) return say('This is the only way into your account. Link another account first.', true);
      throw new Error('remove ' + answer.status);
    }).catch(function () { say('The linked account could not be removed.', true); });
  }
  function render(identities) {
    list.textContent = '';
    identities.forEach(function (identity) {
      var item = document.createElement('li');
      var name = document.createElement('strong');
      name.textContent = identity.provider_name;
      item.appendChild(name);
      item.appendChild(document.createTextNode(' as ' + identity.label + ' (linked ' + new Date(identity.linked_at).toLocaleDateString() + ')'));
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.textContent = 'Remove';
      button.setAttribute('aria-label', 'Remove ' + identity.provider_name + ' ' + identity.label);
      button.addEventListener('click', function () { remove(identity); });
      item.appendChild(button);
      list.appendChild(item);
    });
    empty.hidden = identities.length > 0;
  }
  function load() {
    return call('GET', '/auth/account/identities').then(function (answer) {
      if (answer.status === 401) return showSignedOut();
      if (!answer.ok) throw new Error('list ' + answer.status);
      return answer.json().then(function (body) {
        signinForm.hidden = true;
        if (signinProviders) signinProviders.hidden = true;
        section.hidden = false;
        render(body.identities);
      });
    }).catch(function () { say('Your linked accounts could not be loaded.', true); });
  }
  Array.prototype.forEach.call(document.querySelectorAll('button[data-provider]'), function (button) {
    button.addEventListener('click', function () {
      call('POST', '/auth/account/identities', { provider: button.getAttribute('data-provider'), return_to: '/account/identities' })
        .then(function (answer) {
          if (!answer.ok) throw new Error('link ' + answer.status);
          return answer.json().then(function (body) { window.location.assign(body.authorization_url); });
        })
        .catch(function () { say('Linking could not start. Try again.', true); });
    });
  });

  session.offerSignIn(signinForm, say, load);
  load();
})();
`;
