/// The inline stylesheet and the optional inline script of the HTML report. Neither refers to
/// anything outside the page (no fonts, no `url(`, no `@import`); the script only sorts tables
/// and filters the forgotten-items browser, and the page is complete without it.
enum HTMLStyle {
    static let css = """
    :root { --fg: #1d2430; --muted: #5b6675; --line: #d7dde5; --bg: #ffffff; --head: #f1f4f8;
            --gain: #1b7f3b; --loss: #b3261e; --accent: #2f5db3; --accent2: #d9822b;
            --stylesheet: applied; }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
    header, main { max-width: 1240px; margin: 0 auto; padding: 0 20px; }
    header { padding-top: 18px; border-bottom: 1px solid var(--line); }
    h1 { font-size: 22px; margin: 0 0 6px; overflow-wrap: anywhere; }
    h2 { font-size: 17px; margin: 26px 0 8px; padding-top: 4px; border-top: 1px solid var(--line); }
    h3 { font-size: 14px; margin: 14px 0 6px; overflow-wrap: anywhere; }
    ul.meta { margin: 0 0 8px; padding-left: 18px; color: var(--muted); overflow-wrap: anywhere; }
    nav { display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 6px 0 10px; }
    nav a { color: var(--accent); text-decoration: none; }
    p.note { color: var(--muted); max-width: 980px; margin: 4px 0 8px; overflow-wrap: anywhere; }
    .scroll { overflow-x: auto; max-width: 100%; }
    table.data { border-collapse: collapse; margin: 6px 0 10px; font-variant-numeric: tabular-nums; }
    table.data th, table.data td { border: 1px solid var(--line); padding: 4px 8px; text-align: right; vertical-align: top; white-space: nowrap; }
    table.data th { background: var(--head); font-weight: 600; }
    table.data th.label { text-align: left; }
    table.data td.label { text-align: left; white-space: normal; overflow-wrap: break-word; min-width: 7em; max-width: 260px; }
    table.data tr.noise td { color: var(--muted); font-style: italic; }
    table.sortable thead th { cursor: pointer; }
    td.sig.loss { color: var(--loss); font-weight: 600; }
    td.sig.gain { color: var(--gain); font-weight: 600; }
    table.data tr.group th { text-align: center; background: #e4e9f1; }
    table.data .group-start { border-left: 3px solid #aab4c3; }
    .figures { display: flex; flex-wrap: wrap; gap: 14px 28px; align-items: flex-start; }
    figure { margin: 6px 0; max-width: 100%; }
    figcaption { color: var(--muted); font-size: 13px; max-width: 640px; overflow-wrap: anywhere; }
    svg.chart { max-width: 100%; height: auto; font-size: 11px; background: #fff; }
    svg .grid { stroke: #e7ebf0; stroke-width: 1; }
    svg .zero { stroke: #8a94a3; stroke-width: 1; stroke-dasharray: 4 3; }
    svg .tick { fill: var(--muted); font-size: 11px; }
    svg .axis-title { fill: var(--fg); font-size: 12px; font-weight: 600; }
    svg .pt { fill: #8a94a3; stroke: #fff; stroke-width: 1.5; }
    svg .pt.on-frontier { fill: var(--accent2); }
    svg .pt-label { fill: var(--fg); font-size: 12px; }
    svg .leader { stroke: #4a5462; stroke-width: 0.9; }
    svg .frontier { fill: none; stroke: var(--accent2); stroke-width: 2; stroke-dasharray: 6 4; }
    svg .whisker { stroke: #9aa3b0; stroke-width: 1.2; }
    svg .bar { fill: #9db7e6; }
    svg .bar.inner { fill: var(--accent); }
    svg .bar.public { fill: #e8b07a; }
    svg .bar.reconstruction { fill: var(--accent); }
    svg .series { fill: none; stroke-width: 2.2; }
    svg .series.general { stroke: var(--accent); }
    svg .series.domain { stroke: var(--accent2); }
    svg .dot.general { fill: var(--accent); }
    svg .dot.domain { fill: var(--accent2); }
    ol.findings { max-width: 980px; padding-left: 22px; overflow-wrap: anywhere; }
    ol.findings li { margin: 4px 0; }
    .verdict.holds { color: var(--gain); }
    .verdict.fails { color: var(--loss); }
    .verdict.open { color: var(--muted); }
    details { border: 1px solid var(--line); border-radius: 4px; margin: 6px 0; padding: 4px 10px; }
    summary { cursor: pointer; font-weight: 600; overflow-wrap: anywhere; }
    table.forgotten td, table.forgotten th { text-align: left; white-space: normal; }
    table.forgotten div.text { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 10em; overflow: auto;
                               min-width: 140px; max-width: 320px; font: 12px/1.35 ui-monospace, Menlo, Consolas, monospace; }
    input#forgotten-filter { font: inherit; padding: 3px 6px; width: 280px; margin: 4px 0; }
    footer { max-width: 1240px; margin: 24px auto; padding: 8px 20px; color: var(--muted); border-top: 1px solid var(--line); }
    """

    static let script = """
    (function () {
      /* For scripts/check-html.sh: proof that the Content-Security-Policy let this script and the stylesheet run. */
      var root = document.documentElement;
      root.setAttribute('data-script', 'ran');
      root.setAttribute('data-stylesheet', getComputedStyle(root).getPropertyValue('--stylesheet').trim() || 'blocked');
      document.querySelectorAll('table.sortable').forEach(function (table) {
        table.querySelectorAll('thead th').forEach(function (th, column) {
          th.tabIndex = 0;
          th.title = 'sort';
          th.addEventListener('click', function () {
            var body = table.tBodies[0];
            var rows = Array.prototype.slice.call(body.rows);
            var dir = th.getAttribute('data-dir') === 'asc' ? -1 : 1;
            th.setAttribute('data-dir', dir === 1 ? 'asc' : 'desc');
            rows.sort(function (a, b) {
              var x = a.cells[column].textContent, y = b.cells[column].textContent;
              var p = parseFloat(x), q = parseFloat(y);
              if (!isNaN(p) && !isNaN(q)) { return (p - q) * dir; }
              return x.localeCompare(y) * dir;
            });
            rows.forEach(function (r) { body.appendChild(r); });
          });
        });
      });
      var filter = document.getElementById('forgotten-filter');
      if (filter) {
        filter.hidden = false;
        filter.addEventListener('input', function () {
          var q = filter.value.toLowerCase();
          document.querySelectorAll('table.forgotten tbody tr').forEach(function (r) {
            r.style.display = r.textContent.toLowerCase().indexOf(q) < 0 ? 'none' : '';
          });
        });
      }
    })();
    """
}
