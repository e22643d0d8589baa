// The conversation's actions, delegated from the component's root element, which stays in place when
// a new answer re-renders the turns inside it: sort a result table, open a cited row's original, ask
// a suggested reading, download a table or the meeting record.  Runs as gr.HTML's js_on_load, where
// `element`, `trigger`, `server` and `watch` are given.
const collator = new Intl.Collator('zh-CN', { numeric: true });

function sortBy(heading) {
  const table = heading.closest('table');
  const column = Number(heading.dataset.col);
  const numeric = heading.classList.contains('num');
  const current = heading.getAttribute('aria-sort');
  const next = current === 'none' ? (numeric ? 'descending' : 'ascending')
    : (current === 'ascending' ? 'descending' : 'ascending');
  table.querySelectorAll('thead th').forEach((th) => th.setAttribute('aria-sort', 'none'));
  heading.setAttribute('aria-sort', next);
  const key = (row) => {
    const cell = row.cells[column];
    if (!numeric) return cell.textContent;
    return cell.dataset.v === undefined ? -Infinity : Number(cell.dataset.v);
  };
  const body = table.tBodies[0];
  const rows = Array.from(body.rows).sort((a, b) => {
    const order = numeric ? key(a) - key(b) : collator.compare(key(a), key(b));
    return next === 'ascending' ? order : -order;
  });
  body.append(...rows);
}

function save(file) {
  if (!file || file.error) {
    alert(file ? file.error : '下载失败，请重试。');
    return;
  }
  const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: file.mime }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

element.addEventListener('click', async (event) => {
  const target = event.target;
  const heading = target.closest('th[data-col]');
  if (heading) { sortBy(heading); return; }
  const cited = target.closest('[data-cite]');
  if (cited) {
    document.dispatchEvent(new CustomEvent('bqa-cite', { detail: cited.dataset.cite }));
    return;
  }
  const choice = target.closest('[data-ask]');
  if (choice) { trigger('ask', { question: choice.dataset.ask }); return; }
  const exported = target.closest('[data-export]');
  if (exported) {
    const turn = exported.closest('[data-turn]').dataset.turn;
    save(await server.export_table({ turn, format: exported.dataset.export }).catch(() => null));
    return;
  }
  if (target.closest('[data-record]')) {
    const turns = Array.from(element.querySelectorAll('[data-turn][data-state=done]'), (t) => t.dataset.turn);
    save(await server.export_record(turns).catch(() => null));
  }
});

// a new question comes into view; its finished answer is shown from its start
watch('value', () => {
  const turns = element.querySelectorAll('[data-turn]');
  const last = turns[turns.length - 1];
  if (last) last.scrollIntoView({ block: last.dataset.state === 'done' ? 'start' : 'nearest' });
});
