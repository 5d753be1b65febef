// logflow report: renders the embedded, pre-aggregated data. Every string from a log is set with
// textContent or drawn by Chart.js on a canvas; nothing is ever parsed as HTML.
/* global Chart, ChartGeo, ChartZoom */
(() => {
  let DATA = JSON.parse(document.getElementById('report-data').textContent);
  const WORLD = JSON.parse(document.getElementById('world-data').textContent);
  Chart.register(ChartGeo.ChoroplethController, ChartGeo.GeoFeature, ChartGeo.ColorScale, ChartGeo.ProjectionScale);
  if (typeof ChartZoom !== 'undefined') Chart.register(ChartZoom);
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, sans-serif';

  const state = { from: DATA.meta.from, to: DATA.meta.to, bots: true, topN: 25, grain: 'hour' };
  const charts = new Map();
  const nf = new Intl.NumberFormat('en');
  const pf = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });

  // ---------- DOM helpers (text only) ----------
  function el(tag, props, children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (k === 'text') node.textContent = v;
        else if (k === 'className') node.className = v;
        else if (k === 'dataset') Object.assign(node.dataset, v);
        else node.setAttribute(k, v);
      }
    }
    for (const c of children || []) if (c) node.append(c);
    return node;
  }
  const byId = (id) => document.getElementById(id);
  function bytes(n) {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1000 && i < units.length - 1) {
      n /= 1000;
      i++;
    }
    return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
  }
  function duration(s) {
    if (!isFinite(s)) return '–';
    if (s < 60) return `${s.toFixed(0)} s`;
    return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  }
  const inRange = (dayIdx) => {
    const d = DATA.days[dayIdx];
    return d >= state.from && d <= state.to;
  };
  const tsInRange = (t) => {
    const d = new Date(t).toISOString().slice(0, 10);
    return d >= state.from && d <= state.to;
  };

  function chart(id, config) {
    const old = charts.get(id);
    if (old) old.destroy();
    const canvas = byId(id);
    const c = new Chart(canvas, config);
    charts.set(id, c);
    return c;
  }

  function table(id, columns, rows) {
    const t = byId(id);
    const head = el('thead', null, [
      el(
        'tr',
        null,
        columns.map((c) => el('th', { text: c.label, className: c.num ? 'num' : '' })),
      ),
    ]);
    const body = el('tbody');
    for (const r of rows) {
      body.append(
        el(
          'tr',
          null,
          columns.map((c, i) => {
            const v = r[i];
            const td = el('td', { className: c.num ? 'num' : '' });
            if (c.bar !== undefined && typeof v === 'number') {
              const pct = Math.max(0, Math.min(100, c.bar(v) * 100)).toFixed(1);
              td.style.backgroundImage = `linear-gradient(to left, #dbeafe ${pct}%, transparent ${pct}%)`;
            }
            td.append(document.createTextNode(v === null || v === undefined ? '–' : c.fmt ? c.fmt(v) : String(v)));
            if (typeof v === 'number') td.dataset.value = String(v);
            return td;
          }),
        ),
      );
    }
    if (rows.length === 0)
      body.append(el('tr', null, [el('td', { text: 'no data in this range', colspan: String(columns.length), className: 'empty' })]));
    t.replaceChildren(head, body);
  }

  function metric(name, label, value, shown, note) {
    return el('div', { className: 'metric', dataset: { metric: name, value: String(value) } }, [
      el('div', { className: 'value', text: shown }),
      el('div', { className: 'label', text: label }),
      note ? el('div', { className: 'note', text: note }) : null,
    ]);
  }

  // ---------- aggregation in the page (over the pre-aggregated daily rows) ----------
  /** Sums rows [day, ...keys, hits, visitors, bytes] in range by key; visitors add per day, as GoAccess's whole-log count. */
  function groupPanel(rows, keyCount) {
    const m = new Map();
    for (const r of rows) {
      if (!inRange(r[0])) continue;
      const keys = r.slice(1, 1 + keyCount);
      const k = JSON.stringify(keys);
      const acc = m.get(k) || { keys, hits: 0, visitors: 0, bytes: 0 };
      acc.hits += r[keyCount + 1];
      acc.visitors = acc.visitors === null || r[keyCount + 2] === null ? null : acc.visitors + r[keyCount + 2];
      acc.bytes += r[keyCount + 3];
      m.set(k, acc);
    }
    return [...m.values()].sort((a, b) => b.hits - a.hits || (JSON.stringify(a.keys) < JSON.stringify(b.keys) ? -1 : 1));
  }
  function sumBy(rows, filter, pick) {
    const out = new Map();
    for (const r of rows)
      if (filter(r)) {
        const [k, v] = pick(r);
        out.set(k, (out.get(k) || 0) + v);
      }
    return out;
  }

  // ---------- panels ----------
  function renderOverview() {
    const all = DATA.daily.filter((r) => inRange(r[0]));
    const human = DATA.dailyHuman.filter((r) => inRange(r[0]));
    const s = (rows, i) => rows.reduce((a, r) => a + (r[i] || 0), 0);
    const hitsAll = s(all, 1);
    const botHits = s(all, 4);
    const hits = state.bots ? hitsAll : s(human, 1);
    const visitors = state.bots ? s(all, 2) : s(human, 2);
    const pageViews = state.bots ? s(all, 3) : s(human, 3);
    const sessions = state.bots ? s(all, 5) : s(all, 6);
    const b = state.bots ? s(all, 7) : s(human, 4);
    const errors = state.bots ? s(all, 8) : s(human, 5);
    const parseErrors = DATA.parseErrors.reduce((a, r) => a + r[1], 0);
    const errorRate = hits ? errors / hits : 0;
    const botShare = hitsAll ? botHits / hitsAll : 0;
    byId('overview').replaceChildren(
      metric('hits', 'hits', hits, nf.format(hits)),
      metric('visitors', 'unique visitors', visitors, nf.format(visitors), 'per day, summed'),
      metric('sessions', 'sessions', sessions, nf.format(sessions)),
      metric('page_views', 'page views', pageViews, nf.format(pageViews)),
      metric('bytes', 'bytes sent', b, bytes(b)),
      metric('error_rate', 'error rate (4xx+5xx)', errorRate, pf.format(errorRate)),
      metric('bot_share', 'bot share of all hits', botShare, pf.format(botShare)),
      metric('parse_errors', 'parse errors', parseErrors, nf.format(parseErrors), 'lines quarantined (all dates)'),
    );
  }

  function renderTraffic() {
    let points;
    if (state.grain === 'day') {
      const rows = (state.bots ? DATA.daily.map((r) => [r[0], r[1], r[3]]) : DATA.dailyHuman.map((r) => [r[0], r[1], r[3]])).filter((r) =>
        inRange(r[0]),
      );
      points = rows.map((r) => ({ t: Date.parse(`${DATA.days[r[0]]}T00:00:00Z`), hits: r[1], pv: r[2] }));
    } else {
      const src = DATA.series[state.grain];
      const rows = (state.bots ? src.all : src.human).filter((r) => tsInRange(r[0]));
      points = rows.map((r) => ({ t: r[0], hits: r[1], pv: r[2] }));
    }
    points.sort((a, b) => a.t - b.t);
    const note =
      state.grain === 'minute'
        ? `per-minute detail covers the ${Math.round((Date.parse(DATA.meta.to + 'T00:00:00Z') + 86400000 - Date.parse(DATA.meta.minuteFrom)) / 3600000)} hours before the end of the report`
        : '';
    byId('traffic-note').textContent = note;
    const fmtT = (t) => {
      const iso = new Date(t).toISOString();
      return state.grain === 'day' ? iso.slice(0, 10) : iso.slice(0, 16).replace('T', ' ');
    };
    chart('traffic-chart', {
      type: 'line',
      data: {
        datasets: [
          {
            label: 'hits',
            data: points.map((p) => ({ x: p.t, y: p.hits })),
            borderColor: '#2563eb',
            backgroundColor: '#2563eb33',
            fill: true,
            pointRadius: 0,
            borderWidth: 1.5,
          },
          { label: 'page views', data: points.map((p) => ({ x: p.t, y: p.pv })), borderColor: '#16a34a', pointRadius: 0, borderWidth: 1.5 },
        ],
      },
      options: {
        parsing: false,
        normalized: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: {
            type: 'linear',
            min: points.length ? points[0].t : undefined,
            max: points.length ? points[points.length - 1].t : undefined,
            ticks: { callback: (v) => fmtT(v), maxTicksLimit: 8 },
          },
          y: { beginAtZero: true },
        },
        plugins: {
          decimation: { enabled: true, algorithm: 'lttb', samples: 600 },
          tooltip: { callbacks: { title: (items) => (items[0] ? fmtT(items[0].parsed.x) + ' UTC' : '') } },
          zoom: { zoom: { drag: { enabled: true }, wheel: { enabled: true }, mode: 'x' }, pan: { enabled: false } },
        },
      },
    });
  }

  function renderSessions() {
    const use = (bot) => state.bots || bot === 0;
    const daily = DATA.sessions.daily.filter((r) => inRange(r[0]) && use(r[1]));
    const n = daily.reduce((a, r) => a + r[2], 0);
    const bounces = daily.reduce((a, r) => a + r[3], 0);
    const dur = daily.reduce((a, r) => a + r[4], 0);
    const pv = daily.reduce((a, r) => a + r[5], 0);
    byId('sessions-metrics').replaceChildren(
      metric('sessions_total', 'sessions', n, nf.format(n)),
      metric('bounce_rate', 'bounce rate', n ? bounces / n : 0, pf.format(n ? bounces / n : 0)),
      metric('avg_duration', 'average duration', n ? dur / n : 0, duration(n ? dur / n : 0)),
      metric('avg_depth', 'page views per session', n ? pv / n : 0, n ? (pv / n).toFixed(2) : '0'),
    );
    const hist = (rows, labels) => {
      const counts = labels.map(() => 0);
      for (const r of rows) if (inRange(r[0]) && use(r[1])) counts[r[2]] += r[3];
      return counts;
    };
    const bar = (id, labels, values, label) =>
      chart(id, {
        type: 'bar',
        data: { labels, datasets: [{ label, data: values, backgroundColor: '#7c3aed' }] },
        options: { maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
      });
    bar('duration-chart', DATA.meta.durationBuckets, hist(DATA.sessions.duration, DATA.meta.durationBuckets), 'sessions');
    bar('depth-chart', DATA.meta.depthBuckets, hist(DATA.sessions.depth, DATA.meta.depthBuckets), 'sessions');
    for (const [id, rows] of [
      ['landing-table', DATA.sessions.landing],
      ['exit-table', DATA.sessions.exit],
    ]) {
      const m = sumBy(
        rows,
        (r) => inRange(r[0]) && use(r[1]),
        (r) => [r[2], r[3]],
      );
      const sorted = [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, state.topN);
      const max = sorted[0] ? sorted[0][1] : 1;
      table(id, [{ label: 'path' }, { label: 'sessions', num: true, fmt: (v) => nf.format(v), bar: (v) => v / max }], sorted);
    }
  }

  function renderPanel(id) {
    const p = DATA.panels[id];
    const keyCount = p.labels.length;
    const groups = groupPanel(state.bots ? p.all : p.human, keyCount);
    const total = groups.reduce((a, g) => a + g.hits, 0);
    const top = groups.filter((g) => g.keys[0] !== '(other)').slice(0, state.topN);
    const rest = groups.filter((g) => !top.includes(g));
    const rows = top.map((g) => [
      ...g.keys.map((k) => (id === 'countries' ? countryLabel(k) : k === null ? '(none)' : k)),
      g.hits,
      total ? g.hits / total : 0,
      g.visitors,
      g.bytes,
    ]);
    if (rest.length) {
      const restHits = rest.reduce((a, g) => a + g.hits, 0);
      const more = rest.filter((g) => g.keys[0] !== '(other)').length;
      const beyond = rest.some((g) => g.keys[0] === '(other)');
      const label = [more ? `${nf.format(more)} more` : '', beyond ? `items beyond the top ${DATA.meta.keep} kept` : '']
        .filter(Boolean)
        .join(' + ');
      rows.push([
        `(${label})`,
        ...Array(keyCount - 1).fill(''),
        restHits,
        total ? restHits / total : 0,
        null,
        rest.reduce((a, g) => a + g.bytes, 0),
      ]);
    }
    const max = top[0] ? top[0].hits : 1;
    table(
      `${id}-table`,
      [
        ...p.labels.map((l) => ({ label: l })),
        { label: 'hits', num: true, fmt: (v) => nf.format(v), bar: (v) => v / max },
        { label: '%', num: true, fmt: (v) => pf.format(v) },
        { label: 'visitors', num: true, fmt: (v) => nf.format(v) },
        { label: 'bytes', num: true, fmt: bytes },
      ],
      rows,
    );
    return groups;
  }

  function countryLabel(code) {
    const c = DATA.countries[code];
    return c && c.name !== code ? `${c.name} (${code})` : String(code);
  }

  const FEATURES = ChartGeo.topojson.feature(WORLD, WORLD.objects.countries).features;
  function renderMap(groups) {
    const byNumeric = new Map();
    for (const g of groups) {
      const c = DATA.countries[g.keys[0]];
      if (c && c.numeric) byNumeric.set(c.numeric, (byNumeric.get(c.numeric) || 0) + g.hits);
    }
    chart('country-map', {
      type: 'choropleth',
      data: {
        labels: FEATURES.map((f) => f.properties.name),
        datasets: [{ label: 'hits', outline: FEATURES, data: FEATURES.map((f) => ({ feature: f, value: byNumeric.get(f.id) || 0 })) }],
      },
      options: {
        maintainAspectRatio: false,
        showOutline: true,
        showGraticule: false,
        plugins: { legend: { display: false } },
        scales: {
          projection: { axis: 'x', projection: 'equalEarth' },
          color: { type: 'colorLogarithmic', axis: 'x', min: 1, legend: { position: 'bottom-right', align: 'right' } },
        },
      },
    });
  }

  function renderSuspicious() {
    const rows = DATA.suspicious
      .filter((r) => inRange(r[0]) && (state.bots || !r[12]))
      .slice(0, state.topN * 2)
      .map((r) => [DATA.days[r[0]], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12] ? 'yes' : 'no']);
    const n = (v) => nf.format(v);
    table(
      'suspicious-table',
      [
        { label: 'date' },
        { label: 'client' },
        { label: 'evidence' },
        { label: 'hits', num: true, fmt: n },
        { label: '4xx', num: true, fmt: n },
        { label: '4xx ratio', num: true, fmt: (v) => pf.format(v) },
        { label: '404 paths', num: true, fmt: n },
        { label: 'max/min', num: true, fmt: n },
        { label: 'probes', num: true, fmt: n },
        { label: 'injections', num: true, fmt: n },
        { label: 'example injection' },
        { label: 'user agents', num: true, fmt: n },
        { label: 'bot' },
      ],
      rows,
    );
  }

  function renderQuality() {
    const rows = DATA.parseErrors.map((r) => [r[0], r[1]]);
    table('parse-errors-table', [{ label: 'reason' }, { label: 'lines', num: true, fmt: (v) => nf.format(v) }], rows);
    const list = byId('parse-samples');
    list.replaceChildren(
      ...DATA.parseSamples.map((s) =>
        el('div', { className: 'sample' }, [
          el('div', { className: 'where', text: `${s[0]} · ${s[1]}:${s[2]}` }),
          el('pre', { text: s[3] }),
        ]),
      ),
    );
    if (DATA.parseSamples.length === 0) list.append(el('p', { text: 'No parse errors.' }));
  }

  function renderHeader() {
    byId('source').textContent = `${DATA.meta.source} · generated ${DATA.meta.generatedAt.replace('T', ' ').slice(0, 19)} UTC`;
    const from = byId('from');
    const to = byId('to');
    for (const input of [from, to]) {
      input.min = DATA.meta.from;
      input.max = DATA.meta.to;
    }
    from.value = state.from;
    to.value = state.to;
    const live = DATA.meta.live;
    const box = byId('live');
    box.hidden = !live;
    if (live) {
      byId('updated').textContent = live.updatedAt.replace('T', ' ').slice(0, 19) + ' UTC';
      byId('lag').textContent = live.lagSeconds === null ? '–' : `${live.lagSeconds.toFixed(1)} s`;
      byId('lag').dataset.value = String(live.lagSeconds);
    }
  }

  function render() {
    const started = performance.now();
    renderHeader();
    renderOverview();
    renderTraffic();
    renderSessions();
    let countries = [];
    for (const id of Object.keys(DATA.panels)) {
      const groups = renderPanel(id);
      if (id === 'countries') countries = groups;
    }
    renderMap(countries);
    renderSuspicious();
    renderQuality();
    document.body.dataset.rendered = String(performance.now() - started);
  }

  // ---------- filters ----------
  byId('from').addEventListener('change', (e) => {
    state.from = e.target.value || DATA.meta.from;
    render();
  });
  byId('to').addEventListener('change', (e) => {
    state.to = e.target.value || DATA.meta.to;
    render();
  });
  byId('bots').addEventListener('change', (e) => {
    state.bots = e.target.checked;
    render();
  });
  byId('topn').addEventListener('change', (e) => {
    state.topN = Number(e.target.value);
    render();
  });
  byId('grain').addEventListener('change', (e) => {
    state.grain = e.target.value;
    renderTraffic();
  });
  byId('reset-zoom').addEventListener('click', () => {
    const c = charts.get('traffic-chart');
    if (c && c.resetZoom) c.resetZoom();
  });

  render();

  // ---------- live mode (logflow serve): new data arrives as server-sent events ----------
  if (DATA.meta.live) {
    const token = new URLSearchParams(location.search).get('token');
    const events = new EventSource('events' + (token ? `?token=${encodeURIComponent(token)}` : ''));
    events.addEventListener('data', (e) => {
      const wasAtEnd = state.to === DATA.meta.to;
      const wasAtStart = state.from === DATA.meta.from;
      DATA = JSON.parse(e.data);
      if (wasAtEnd) state.to = DATA.meta.to;
      if (wasAtStart) state.from = DATA.meta.from;
      render();
      document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
    });
    events.addEventListener('error', () => {
      byId('lag').textContent = 'disconnected, retrying';
    });
  }
})();
