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

  // Live figures: stock on hand of the products shown ([data-live-product]) and new
  // counts in the open count session ([data-live-count]) update without a reload.
  // The socket is authenticated by the session cookie; figures come formatted from
  // the server in the user's language.
  var liveProducts = document.querySelectorAll('[data-live-product]');
  var liveCount = document.querySelector('[data-live-count]');
  var liveProgress = document.querySelectorAll('[data-live-count-progress]');
  if ((liveProducts.length || liveCount || liveProgress.length) && 'WebSocket' in window) {
    var flash = function (el) {
      el.setAttribute('data-live-updated', String(Number(el.getAttribute('data-live-updated') || 0) + 1));
      el.classList.remove('live-flash');
      void el.offsetWidth;
      el.classList.add('live-flash');
    };
    // Count progress ("12 lines counted, 3 posted") of the sessions shown.
    var pendingCounts = {};
    var countTimer = null;
    var refreshCounts = function () {
      countTimer = null;
      var ids = Object.keys(pendingCounts);
      pendingCounts = {};
      if (!ids.length) return;
      fetch('/app/live/counts?ids=' + ids.join(','), {
        credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' }
      }).then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      }).then(function (figures) {
        Object.keys(figures).forEach(function (id) {
          var f = figures[id];
          document.querySelectorAll('[data-live-count-progress="' + id + '"]').forEach(function (el) {
            if (el.textContent === f.label) return;
            el.textContent = f.label;
            flash(el);
          });
          document.querySelectorAll('progress[data-live-count-bar="' + id + '"]').forEach(function (el) {
            el.max = Math.max(f.counted, 1);
            el.value = f.posted;
            el.setAttribute('aria-label', f.label);
            el.textContent = f.posted + '/' + Math.max(f.counted, 1);
          });
        });
      }).catch(function () {});
    };
    var countShown = function (id) {
      return id && document.querySelector('[data-live-count-progress="' + id + '"]');
    };
    var pending = {};
    var timer = null;
    var refresh = function () {
      timer = null;
      var ids = Object.keys(pending);
      pending = {};
      if (!ids.length) return;
      fetch('/app/live/on-hand?ids=' + ids.join(','), {
        credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' }
      }).then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      }).then(function (figures) {
        Object.keys(figures).forEach(function (id) {
          document.querySelectorAll('[data-live-product="' + id + '"]').forEach(function (el) {
            if (el.textContent === figures[id]) return;
            el.textContent = figures[id];
            flash(el);
          });
        });
      }).catch(function () {});
    };
    var onEvent = function (ev) {
      if (ev.kind === 'stock.moved' && ev.data && ev.data.product_id) {
        var id = ev.data.product_id;
        if (document.querySelector('[data-live-product="' + id + '"]')) {
          pending[id] = true;
          if (!timer) timer = window.setTimeout(refresh, 150);
        }
      }
      if (ev.kind.indexOf('count.') === 0 && countShown(ev.subject_id)) {
        pendingCounts[ev.subject_id] = true;
        if (!countTimer) countTimer = window.setTimeout(refreshCounts, 150);
      }
      if (liveCount && ev.kind.indexOf('count.') === 0 &&
          ev.subject_id === liveCount.getAttribute('data-live-count')) {
        liveCount.hidden = false;
      }
    };
    var delay = 1000;
    var connect = function () {
      var proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
      var ws = new WebSocket(proto + location.host + '/app/live');
      ws.onmessage = function (m) {
        var msg;
        try { msg = JSON.parse(m.data); } catch (e) { return; }
        if (msg.type === 'ready') {
          delay = 1000;
          // After a reconnect, events may have been missed: fetch every figure again.
          if (doc.getAttribute('data-live') === 'closed') {
            liveProducts.forEach(function (el) { pending[el.getAttribute('data-live-product')] = true; });
            refresh();
            liveProgress.forEach(function (el) { pendingCounts[el.getAttribute('data-live-count-progress')] = true; });
            refreshCounts();
          }
          doc.setAttribute('data-live', 'ready');
        } else if (msg.type === 'event' && msg.event) {
          onEvent(msg.event);
        }
      };
      ws.onclose = function () {
        doc.setAttribute('data-live', 'closed');
        window.setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      };
    };
    connect();
  }

  // CSV import: read the chosen file, send it with upload progress, show the report.
  var importForm = document.getElementById('csv-import');
  if (importForm) {
    importForm.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var fileInput = document.getElementById('import-file');
      var text = document.getElementById('import-csv');
      var box = importForm.querySelector('.import-progress');
      var bar = document.getElementById('import-progress');
      var report = document.getElementById('import-report');
      var send = function () {
        var body = new URLSearchParams(new FormData(importForm));
        var xhr = new XMLHttpRequest();
        xhr.open('POST', importForm.action);
        xhr.setRequestHeader('X-Requested-With', 'fetch');
        xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
        box.hidden = false;
        bar.value = 0;
        xhr.upload.onprogress = function (e) {
          if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
        };
        xhr.onload = function () {
          bar.value = 100;
          if (xhr.status >= 200 && xhr.status < 300) {
            report.innerHTML = xhr.responseText;
            var h = document.getElementById('import-report-h');
            if (h) h.focus();
          } else {
            importForm.submit();
          }
        };
        xhr.onerror = function () { importForm.submit(); };
        xhr.send(body.toString());
      };
      var file = fileInput && fileInput.files && fileInput.files[0];
      if (file) {
        file.text().then(function (t) { text.value = t; send(); });
      } else {
        send();
      }
    });
  }
})();
