/**
 * The interactive API reference at /api/v1/docs: a small self-contained viewer (no CDN — Portcullis
 * runs offline) that renders /api/v1/openapi.json and can send requests with a bearer token.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portcullis governance API</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d232a; background: #f6f7f9; }
  header { background: #1d232a; color: #fff; padding: 14px 24px; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0; flex: 1; }
  header input { width: 340px; padding: 6px 8px; border-radius: 4px; border: 0; }
  main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 64px; }
  h2 { margin: 28px 0 8px; font-size: 16px; border-bottom: 1px solid #d6dbe1; padding-bottom: 4px; }
  details.op { background: #fff; border: 1px solid #d6dbe1; border-radius: 6px; margin: 6px 0; }
  details.op > summary { cursor: pointer; padding: 8px 12px; display: flex; gap: 10px; align-items: center; }
  .m { font: 600 12px monospace; padding: 2px 6px; border-radius: 3px; color: #fff; min-width: 52px; text-align: center; }
  .get { background: #2f6fb3; } .post { background: #2c8a4f; } .patch { background: #b07b1f; } .put { background: #7a4fb3; } .delete { background: #b3392f; }
  .path { font-family: monospace; }
  .body { padding: 0 12px 12px; }
  pre { background: #f0f2f5; padding: 8px; border-radius: 4px; overflow: auto; max-height: 320px; }
  table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eceff3; vertical-align: top; }
  textarea { width: 100%; min-height: 120px; font-family: monospace; }
  button { padding: 6px 14px; border-radius: 4px; border: 1px solid #1d232a; background: #fff; cursor: pointer; }
  .status { font-weight: 600; }
</style>
</head>
<body>
<header><h1>Portcullis governance API</h1><label>Bearer token <input id="token" type="password" placeholder="admin API token"></label><a style="color:#9cc3ff" href="openapi.json">openapi.json</a></header>
<main id="app">Loading…</main>
<script src="docs/viewer.js"></script>
</body>
</html>`;

export const DOCS_JS = String.raw`(function () {
  var app = document.getElementById('app');
  var token = document.getElementById('token');
  token.value = sessionStorage.getItem('portcullis-token') || '';
  token.addEventListener('change', function () { sessionStorage.setItem('portcullis-token', token.value); });
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (k === 'text') e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function resolve(doc, s) {
    if (s && s.$ref) return doc.components.schemas[s.$ref.split('/').pop()];
    return s;
  }
  function example(doc, s, depth) {
    s = resolve(doc, s) || {};
    if (depth > 4) return null;
    if (s.oneOf || s.anyOf) return example(doc, (s.oneOf || s.anyOf)[0], depth + 1);
    if (s.default !== undefined) return s.default;
    if (s.const !== undefined) return s.const;
    if (s.enum) return s.enum[0];
    var t = Array.isArray(s.type) ? s.type[0] : s.type;
    if (t === 'object' || s.properties) {
      var o = {};
      (s.required || Object.keys(s.properties || {})).forEach(function (k) { if (s.properties && s.properties[k]) o[k] = example(doc, s.properties[k], depth + 1); });
      return o;
    }
    if (t === 'array') return [];
    if (t === 'integer' || t === 'number') return 0;
    if (t === 'boolean') return false;
    return 'string';
  }
  function operation(doc, path, method, op) {
    var params = op.parameters || [];
    var inputs = {};
    var rows = params.map(function (p) {
      var input = el('input', { placeholder: p.name, value: p.schema && p.schema.default !== undefined ? String(p.schema.default) : '' });
      inputs[p.name + ':' + p.in] = input;
      return el('tr', {}, [el('td', { text: p.name + (p.required ? ' *' : '') }), el('td', { text: p.in }), el('td', { text: p.description || '' }), el('td', {}, [input])]);
    });
    var bodySchema = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'] && op.requestBody.content['application/json'].schema;
    var textarea = bodySchema ? el('textarea', {}, [JSON.stringify(example(doc, bodySchema, 0), null, 2)]) : null;
    var out = el('pre', { text: '' });
    var send = el('button', { text: 'Send' });
    send.addEventListener('click', function () {
      var url = path.replace(/\{(\w+)\}/g, function (_, n) { return encodeURIComponent((inputs[n + ':path'] || {}).value || ''); });
      var qs = [];
      var headers = { accept: 'application/json' };
      params.forEach(function (p) {
        var v = inputs[p.name + ':' + p.in].value;
        if (!v) return;
        if (p.in === 'query') qs.push(encodeURIComponent(p.name) + '=' + encodeURIComponent(v));
        if (p.in === 'header') headers[p.name] = v;
      });
      if (token.value) headers.authorization = 'Bearer ' + token.value;
      var init = { method: method.toUpperCase(), headers: headers };
      if (textarea && textarea.value.trim()) { init.body = textarea.value; headers['content-type'] = 'application/json'; }
      out.textContent = '…';
      fetch(url + (qs.length ? '?' + qs.join('&') : ''), init).then(function (r) {
        var etag = r.headers.get('etag');
        return r.text().then(function (t) {
          var pretty = t;
          try { pretty = JSON.stringify(JSON.parse(t), null, 2); } catch (e) {}
          out.textContent = r.status + ' ' + r.statusText + (etag ? '   ETag: ' + etag : '') + '\n\n' + pretty;
        });
      }).catch(function (e) { out.textContent = String(e); });
    });
    var responses = Object.keys(op.responses || {}).map(function (code) { return el('tr', {}, [el('td', { text: code }), el('td', { text: op.responses[code].description || '' })]); });
    return el('details', { class: 'op' }, [
      el('summary', {}, [el('span', { class: 'm ' + method, text: method.toUpperCase() }), el('span', { class: 'path', text: path }), el('span', { text: op.summary || '' })]),
      el('div', { class: 'body' }, [
        op.description ? el('p', { text: op.description }) : null,
        rows.length ? el('table', {}, [el('tr', {}, [el('th', { text: 'parameter' }), el('th', { text: 'in' }), el('th', { text: 'description' }), el('th', { text: 'value' })])].concat(rows)) : null,
        bodySchema ? el('p', { text: 'Request body (JSON):' }) : null,
        textarea,
        bodySchema ? el('details', {}, [el('summary', { text: 'schema' }), el('pre', { text: JSON.stringify(resolve(doc, bodySchema), null, 2) })]) : null,
        el('p', { text: 'Responses:' }),
        el('table', {}, responses),
        el('p', {}, [send]),
        out,
      ]),
    ]);
  }
  fetch('openapi.json').then(function (r) { return r.json(); }).then(function (doc) {
    app.textContent = '';
    app.appendChild(el('p', { text: doc.info.description }));
    var byTag = {};
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        var tag = (op.tags || ['Other'])[0];
        (byTag[tag] = byTag[tag] || []).push(operation(doc, path, method, op));
      });
    });
    (doc.tags || []).forEach(function (t) {
      if (!byTag[t.name]) return;
      app.appendChild(el('h2', { text: t.name }));
      byTag[t.name].forEach(function (n) { app.appendChild(n); });
    });
  }).catch(function (e) { app.textContent = 'Could not load openapi.json: ' + e; });
})();`;
