// ElevateCRM web view: progressive enhancement only. Every action also works as a
// plain form post without this script.
(function () {
  'use strict';
  var doc = document.documentElement;
  doc.classList.add('js');

  function csrf() {
    var m = document.querySelector('meta[name=csrf-token]');
    return m ? m.content : '';
  }

  function post(url, fields) {
    var body = new URLSearchParams();
    body.set('_csrf', csrf());
    Object.keys(fields).forEach(function (k) { body.set(k, fields[k]); });
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-Requested-With': 'fetch' },
      body: body
    }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r;
    });
  }

  function announce(key) {
    var s = document.getElementById('live-status');
    if (!s) return;
    s.textContent = '';
    window.setTimeout(function () { s.textContent = s.getAttribute('data-' + key) || ''; }, 50);
  }

  // Theme switch without reload; stored per user on the server.
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement) || form.getAttribute('data-enhance') !== 'theme') return;
    var btn = ev.submitter;
    if (!btn || btn.name !== 'theme') return;
    ev.preventDefault();
    var theme = btn.value;
    post(form.action, { theme: theme }).then(function () {
      doc.setAttribute('data-theme', theme);
      form.querySelectorAll('button[name=theme]').forEach(function (b) {
        b.setAttribute('aria-pressed', b.value === theme ? 'true' : 'false');
      });
      announce('saved');
    }).catch(function () { form.submit(); });
  });

  // Dashboard: drag and drop to reorder widgets (the move buttons are the keyboard way).
  var list = document.getElementById('widgets');
  if (list) {
    var dragged = null;
    list.addEventListener('dragstart', function (ev) {
      var li = ev.target.closest && ev.target.closest('li.widget');
      if (!li) return;
      dragged = li;
      li.classList.add('dragging');
      ev.dataTransfer.effectAllowed = 'move';
      ev.dataTransfer.setData('text/plain', li.getAttribute('data-widget'));
    });
    list.addEventListener('dragover', function (ev) {
      var over = ev.target.closest && ev.target.closest('li.widget');
      if (!dragged || !over || over === dragged) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = 'move';
      list.querySelectorAll('.drop-target').forEach(function (e) { e.classList.remove('drop-target'); });
      over.classList.add('drop-target');
    });
    list.addEventListener('dragleave', function (ev) {
      var over = ev.target.closest && ev.target.closest('li.widget');
      if (over) over.classList.remove('drop-target');
    });
    list.addEventListener('drop', function (ev) {
      var over = ev.target.closest && ev.target.closest('li.widget');
      if (!dragged || !over || over === dragged) return;
      ev.preventDefault();
      var items = Array.prototype.slice.call(list.children);
      if (items.indexOf(dragged) < items.indexOf(over)) {
        over.after(dragged);
      } else {
        over.before(dragged);
      }
      save();
    });
    list.addEventListener('dragend', function () {
      if (dragged) dragged.classList.remove('dragging');
      list.querySelectorAll('.drop-target').forEach(function (e) { e.classList.remove('drop-target'); });
      dragged = null;
    });
    var save = function () {
      var order = Array.prototype.map.call(list.children, function (li) {
        return li.getAttribute('data-widget');
      }).join(',');
      list.setAttribute('data-saving', 'true');
      post('/app/dashboard/layout', { op: 'order', order: order }).then(function () {
        list.removeAttribute('data-saving');
        list.setAttribute('data-saved-order', order);
        var items = list.children;
        for (var i = 0; i < items.length; i++) {
          var up = items[i].querySelector('button[value=up]');
          var down = items[i].querySelector('button[value=down]');
          if (up) up.disabled = i === 0;
          if (down) down.disabled = i === items.length - 1;
        }
        announce('layout-saved');
      });
    };
  }
})();
